package dev.alignstream.stream;

import dev.alignstream.data.Sample;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A validated sample in the compact binary form the journal stores: float32 values as raw bits,
 * so a replay sees exactly the numbers the live step saw, without parsing JSON again. It also
 * bounds a journal record by the model's widths ({@code 4 * (n_0 + n_L)} bytes plus the id)
 * rather than by the JSON text, whose length would be able to push a changelog record past the
 * producer's 1 MB limit and abort every transaction that carries it.
 */
final class SampleCodec {

    private static final byte LABEL = 1;
    private static final byte TARGET = 2;

    private SampleCodec() {
    }

    static byte[] encode(Sample s) {
        ByteBuffer b = ByteBuffer.allocate(size(s));
        write(s, b);
        return b.array();
    }

    /** Bytes {@link #write} puts for {@code s}. */
    static int size(Sample s) {
        int id = s.id() == null ? 0 : s.id().getBytes(StandardCharsets.UTF_8).length;
        int t = s.label() != null || s.target() == null ? 0 : s.target().length;
        return 1 + 4 + id + 4 + 4 * s.features().length + 4 + 4 * t;
    }

    /** Writes {@code s} in this form at {@code b}'s position: exactly {@link #size} bytes. */
    static void write(Sample s, ByteBuffer b) {
        byte[] id = s.id() == null ? null : s.id().getBytes(StandardCharsets.UTF_8);
        b.put(s.label() != null ? LABEL : s.target() != null ? TARGET : 0);
        b.putInt(id == null ? -1 : id.length);
        if (id != null) {
            b.put(id);
        }
        float[] x = s.features();
        b.putInt(x.length);
        for (float v : x) {
            b.putFloat(v);
        }
        if (s.label() != null) {
            b.putInt(s.label());
        } else {
            int t = s.target() == null ? 0 : s.target().length;
            b.putInt(t);
            for (int i = 0; i < t; i++) {
                b.putFloat(s.target()[i]);
            }
        }
    }

    static Sample decode(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        byte kind = b.get();
        int idLen = b.getInt();
        String id = null;
        if (idLen >= 0) {
            check(idLen, b);
            id = new String(bytes, b.position(), idLen, StandardCharsets.UTF_8);
            b.position(b.position() + idLen);
        }
        float[] x = floats(b);
        if (kind == LABEL) {
            return new Sample(id, x, b.getInt(), null);
        }
        float[] t = floats(b);
        return new Sample(id, x, null, kind == TARGET ? t : null);
    }

    private static float[] floats(ByteBuffer b) {
        int n = b.getInt();
        check(4L * n, b);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = b.getFloat();
        }
        return v;
    }

    /** Never allocate from a length the buffer cannot hold. */
    private static void check(long len, ByteBuffer b) {
        if (len < 0 || len > b.remaining()) {
            throw new IllegalStateException("corrupt journal sample: length " + len + " with " + b.remaining() + " bytes left");
        }
    }
}
