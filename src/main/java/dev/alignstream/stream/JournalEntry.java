package dev.alignstream.stream;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One entry of a stream's journal: a validated sample in {@link SampleCodec} form or a validated
 * sequence in {@link SequenceCodec} form (with its source offset), or a run-time change of one model's learning rate or pause flag. Replaying a stream's
 * journal after a model's snapshot reproduces that model's state bit for bit, because learning
 * is deterministic and every input that influenced it is in the journal, in order.
 */
public record JournalEntry(Kind kind, long sourceOffset, byte[] sample, String modelId, float learningRate,
                           boolean paused, boolean binary, long generation) {

    /** What an entry records. */
    public enum Kind { SAMPLE, SEQUENCE, CONFIG }

    public static JournalEntry sample(long offset, dev.alignstream.data.Sample s) {
        return new JournalEntry(Kind.SAMPLE, offset, SampleCodec.encode(s), null, 0f, false, true, -1);
    }

    /**
     * A run-time change of one generation of one model; replay applies it only to that
     * generation ({@code -1}, from state written before generations existed, to any).
     */
    public static JournalEntry config(String modelId, long generation, float learningRate, boolean paused) {
        return new JournalEntry(Kind.CONFIG, -1, null, modelId, learningRate, paused, false, generation);
    }

    /** Whether this CONFIG entry is for the given generation of a model. */
    public boolean appliesTo(String id, long gen) {
        return kind == Kind.CONFIG && modelId.equals(id) && (generation == -1 || generation == gen);
    }

    /** Kind byte of a sample in {@link SampleCodec} form; 0 (JSON text) is read for older state only. */
    private static final byte BINARY_SAMPLE = 2;
    /** Kind byte of a CONFIG entry with its model's generation; 1 (without) is read for older state only. */
    private static final byte CONFIG_WITH_GENERATION = 3;
    /** Kind byte of a sequence in {@link SequenceCodec} form. */
    private static final byte BINARY_SEQUENCE = 4;

    /** Whether this entry holds a record models learn from (a sample or a sequence), not a CONFIG change. */
    public boolean isRecord() {
        return kind != Kind.CONFIG;
    }

    /** The sample or sequence this entry holds (SAMPLE and SEQUENCE entries only). */
    public dev.alignstream.data.DataEvent decodeRecord() {
        return kind == Kind.SEQUENCE ? SequenceCodec.read(ByteBuffer.wrap(sample)) : decodeSample();
    }

    /** The stored form of a SEQUENCE entry for {@code s}, written in one pass into one array. */
    public static byte[] encodeSequence(long offset, dev.alignstream.data.SequenceSample s) {
        ByteBuffer b = ByteBuffer.allocate(1 + 8 + SequenceCodec.size(s));
        b.put(BINARY_SEQUENCE).putLong(offset);
        SequenceCodec.write(s, b);
        return b.array();
    }

    /** Bytes {@link #encodeSequence} writes for {@code s}, without writing them. */
    public static long sequenceSize(dev.alignstream.data.SequenceSample s) {
        return 1 + 8 + (long) SequenceCodec.size(s);
    }

    /** The sample this entry holds (SAMPLE entries only). */
    public dev.alignstream.data.Sample decodeSample() {
        return binary ? SampleCodec.decode(sample) : dev.alignstream.data.SampleJson.parse(sample);
    }

    /**
     * The stored form of a SAMPLE entry for {@code s}, written in one pass into one array (the
     * same bytes as {@code sample(offset, s).encode()}, without the intermediate copy).
     */
    public static byte[] encodeSample(long offset, dev.alignstream.data.Sample s) {
        ByteBuffer b = ByteBuffer.allocate(1 + 8 + SampleCodec.size(s));
        b.put(BINARY_SAMPLE).putLong(offset);
        SampleCodec.write(s, b);
        return b.array();
    }

    public byte[] encode() {
        if (kind != Kind.CONFIG) {
            ByteBuffer b = ByteBuffer.allocate(1 + 8 + sample.length);
            b.put(kind == Kind.SEQUENCE ? BINARY_SEQUENCE : BINARY_SAMPLE).putLong(sourceOffset).put(sample);
            return b.array();
        }
        byte[] id = modelId.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(1 + 4 + 1 + 8 + 4 + id.length);
        b.put(CONFIG_WITH_GENERATION).putFloat(learningRate).put((byte) (paused ? 1 : 0)).putLong(generation)
                .putInt(id.length).put(id);
        return b.array();
    }

    public static JournalEntry decode(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        byte kind = b.get();
        if (kind == 0 || kind == BINARY_SAMPLE || kind == BINARY_SEQUENCE) {
            long offset = b.getLong();
            byte[] s = new byte[b.remaining()];
            b.get(s);
            return new JournalEntry(kind == BINARY_SEQUENCE ? Kind.SEQUENCE : Kind.SAMPLE, offset, s, null, 0f, false,
                    kind != 0, -1);
        }
        float lr = b.getFloat();
        boolean paused = b.get() != 0;
        long generation = kind == CONFIG_WITH_GENERATION ? b.getLong() : -1;
        int idLen = b.getInt();
        if (idLen < 0 || idLen > b.remaining()) {
            throw new IllegalStateException("corrupt journal entry: model id length " + idLen);
        }
        byte[] id = new byte[idLen];
        b.get(id);
        return config(new String(id, StandardCharsets.UTF_8), generation, lr, paused);
    }
}
