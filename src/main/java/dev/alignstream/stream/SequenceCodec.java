package dev.alignstream.stream;

import dev.alignstream.data.SequenceSample;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A validated sequence record in the binary form the journal stores, the RNN counterpart of
 * {@link SampleCodec}: float32 values as raw bits, so a replay sees exactly the numbers the live
 * step saw. Layout: id length ({@code -1}: none) and UTF-8 id; steps {@code T}; input width and
 * {@code T x width} inputs; target width ({@code -1}: unlabelled) and {@code T x width} targets.
 */
final class SequenceCodec {

    private SequenceCodec() {
    }

    /** Bytes {@link #write} puts for {@code s}. */
    static int size(SequenceSample s) {
        int id = s.id() == null ? 0 : s.id().getBytes(StandardCharsets.UTF_8).length;
        int targets = s.targets() == null ? 0 : s.targets().length;
        return 4 + id + 4 + 4 + 4 * s.inputs().length + 4 + 4 * targets;
    }

    /** Writes {@code s} at {@code b}'s position: exactly {@link #size} bytes. */
    static void write(SequenceSample s, ByteBuffer b) {
        byte[] id = s.id() == null ? null : s.id().getBytes(StandardCharsets.UTF_8);
        b.putInt(id == null ? -1 : id.length);
        if (id != null) {
            b.put(id);
        }
        b.putInt(s.steps());
        b.putInt(s.inputWidth());
        for (float v : s.inputs()) {
            b.putFloat(v);
        }
        if (s.targets() == null) {
            b.putInt(-1);
        } else {
            b.putInt(s.targetWidth());
            for (float v : s.targets()) {
                b.putFloat(v);
            }
        }
    }

    /** Reads what {@link #write} wrote, from {@code b}'s position. */
    static SequenceSample read(ByteBuffer b) {
        int idLen = b.getInt();
        String id = null;
        if (idLen >= 0) {
            byte[] bytes = new byte[idLen];
            b.get(bytes);
            id = new String(bytes, StandardCharsets.UTF_8);
        }
        int steps = b.getInt();
        int width = b.getInt();
        float[] inputs = new float[Math.multiplyExact(steps, width)];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = b.getFloat();
        }
        int targetWidth = b.getInt();
        float[] targets = null;
        if (targetWidth >= 0) {
            targets = new float[Math.multiplyExact(steps, targetWidth)];
            for (int i = 0; i < targets.length; i++) {
                targets[i] = b.getFloat();
            }
        }
        return new SequenceSample(id, steps, width, inputs, Math.max(0, targetWidth), targets);
    }
}
