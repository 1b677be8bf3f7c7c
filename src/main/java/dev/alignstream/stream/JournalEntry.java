package dev.alignstream.stream;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One entry of a stream's journal: either a sample exactly as it arrived (with its source
 * offset), or a run-time change of one model's learning rate or pause flag. Replaying a stream's
 * journal after a model's snapshot reproduces that model's state bit for bit, because learning
 * is deterministic and every input that influenced it is in the journal, in order.
 */
public record JournalEntry(Kind kind, long sourceOffset, byte[] sample, String modelId, float learningRate,
                           boolean paused) {

    /** What an entry records. */
    public enum Kind { SAMPLE, CONFIG }

    public static JournalEntry sample(long offset, byte[] bytes) {
        return new JournalEntry(Kind.SAMPLE, offset, bytes, null, 0f, false);
    }

    public static JournalEntry config(String modelId, float learningRate, boolean paused) {
        return new JournalEntry(Kind.CONFIG, -1, null, modelId, learningRate, paused);
    }

    public byte[] encode() {
        if (kind == Kind.SAMPLE) {
            ByteBuffer b = ByteBuffer.allocate(1 + 8 + sample.length);
            b.put((byte) 0).putLong(sourceOffset).put(sample);
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
        if (kind == 0) {
            long offset = b.getLong();
            byte[] s = new byte[b.remaining()];
            b.get(s);
            return sample(offset, s);
        }
        float lr = b.getFloat();
        boolean paused = b.get() != 0;
        byte[] id = new byte[b.getInt()];
        b.get(id);
        return config(new String(id, StandardCharsets.UTF_8), lr, paused);
    }
}
