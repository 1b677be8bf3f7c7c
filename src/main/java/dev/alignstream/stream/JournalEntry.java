package dev.alignstream.stream;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One entry of a stream's journal: either a validated sample in {@link SampleCodec} form (with
 * its source offset), or a run-time change of one model's learning rate or pause flag. Replaying a stream's
 * journal after a model's snapshot reproduces that model's state bit for bit, because learning
 * is deterministic and every input that influenced it is in the journal, in order.
 */
public record JournalEntry(Kind kind, long sourceOffset, byte[] sample, String modelId, float learningRate,
                           boolean paused, boolean binary) {

    /** What an entry records. */
    public enum Kind { SAMPLE, CONFIG }

    public static JournalEntry sample(long offset, dev.alignstream.data.Sample s) {
        return new JournalEntry(Kind.SAMPLE, offset, SampleCodec.encode(s), null, 0f, false, true);
    }

    public static JournalEntry config(String modelId, float learningRate, boolean paused) {
        return new JournalEntry(Kind.CONFIG, -1, null, modelId, learningRate, paused, false);
    }

    /** Kind byte of a sample in {@link SampleCodec} form; 0 (JSON text) is read for older state only. */
    private static final byte BINARY_SAMPLE = 2;

    /** The sample this entry holds (SAMPLE entries only). */
    public dev.alignstream.data.Sample decodeSample() {
        return binary ? SampleCodec.decode(sample) : dev.alignstream.data.SampleJson.parse(sample);
    }

    public byte[] encode() {
        if (kind == Kind.SAMPLE) {
            ByteBuffer b = ByteBuffer.allocate(1 + 8 + sample.length);
            b.put(BINARY_SAMPLE).putLong(sourceOffset).put(sample);
            return b.array();
        }
        byte[] id = modelId.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(1 + 4 + 1 + 4 + id.length);
        b.put((byte) 1).putFloat(learningRate).put((byte) (paused ? 1 : 0)).putInt(id.length).put(id);
        return b.array();
    }

    public static JournalEntry decode(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        byte kind = b.get();
        if (kind == 0 || kind == BINARY_SAMPLE) {
            long offset = b.getLong();
            byte[] s = new byte[b.remaining()];
            b.get(s);
            return new JournalEntry(Kind.SAMPLE, offset, s, null, 0f, false, kind == BINARY_SAMPLE);
        }
        float lr = b.getFloat();
        boolean paused = b.get() != 0;
        int idLen = b.getInt();
        if (idLen < 0 || idLen > b.remaining()) {
            throw new IllegalStateException("corrupt journal entry: model id length " + idLen);
        }
        byte[] id = new byte[idLen];
        b.get(id);
        return config(new String(id, StandardCharsets.UTF_8), lr, paused);
    }
}
