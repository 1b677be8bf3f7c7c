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
 *
 * <p>Features that are mostly zero (MNIST digits: about 19% of the 784 pixels are nonzero) are
 * stored sparse when that is smaller: a bitmap of the entries whose bits are not {@code +0} and
 * those entries' raw bits, in index order (706 bytes instead of 3,140 for a typical digit). A
 * {@code -0} is stored as a value, so both forms decode to the same bits. Every journal entry
 * goes through RocksDB, the changelog topic and the broker's log cleaner, on the same cores as
 * the steps when the broker shares the machine; the dense form is what entries written before
 * the sparse one hold, and it is still read.
 */
final class SampleCodec {

    private static final byte LABEL = 1;
    private static final byte TARGET = 2;
    /** Flag in the kind byte: the features are in the sparse form. */
    private static final byte SPARSE_FEATURES = 0x10;

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
        return 1 + 4 + id + featuresSize(s.features(), nonzeros(s.features())) + 4 + 4 * t;
    }

    /** Bytes of the features in the smaller of the two forms, given their nonzero count. */
    private static int featuresSize(float[] x, int nonzeros) {
        return Math.min(denseSize(x.length), sparseSize(x.length, nonzeros));
    }

    private static int denseSize(int n) {
        return 4 + 4 * n;
    }

    /** Length, nonzero count, bitmap of {@code ceil(n / 8)} bytes, the nonzero values. */
    private static int sparseSize(int n, int nonzeros) {
        return 4 + 4 + (n + 7) / 8 + 4 * nonzeros;
    }

    /** Whether the sparse form stores {@code v}: its bits are not those of {@code +0} ({@code -0} is stored). */
    private static boolean stored(float v) {
        return Float.floatToRawIntBits(v) != 0;
    }

    /** Entries the sparse form stores ({@link #stored}). */
    private static int nonzeros(float[] x) {
        int count = 0;
        for (float v : x) {
            if (stored(v)) {
                count++;
            }
        }
        return count;
    }

    /** Writes {@code s} in this form at {@code b}'s position: exactly {@link #size} bytes. */
    static void write(Sample s, ByteBuffer b) {
        byte[] id = s.id() == null ? null : s.id().getBytes(StandardCharsets.UTF_8);
        float[] x = s.features();
        int nonzeros = nonzeros(x);
        boolean sparse = sparseSize(x.length, nonzeros) < denseSize(x.length);
        byte kind = s.label() != null ? LABEL : s.target() != null ? TARGET : 0;
        b.put(sparse ? (byte) (kind | SPARSE_FEATURES) : kind);
        b.putInt(id == null ? -1 : id.length);
        if (id != null) {
            b.put(id);
        }
        if (sparse) {
            writeSparse(x, nonzeros, b);
        } else {
            b.putInt(x.length);
            for (float v : x) {
                b.putFloat(v);
            }
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

    private static void writeSparse(float[] x, int nonzeros, ByteBuffer b) {
        b.putInt(x.length).putInt(nonzeros);
        for (int i = 0; i < x.length; i += 8) {
            int bits = 0;
            for (int k = i; k < Math.min(x.length, i + 8); k++) {
                if (stored(x[k])) {
                    bits |= 1 << (k - i);
                }
            }
            b.put((byte) bits);
        }
        for (float v : x) {
            if (stored(v)) {
                b.putFloat(v);
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
        float[] x = (kind & SPARSE_FEATURES) != 0 ? sparseFloats(b) : floats(b);
        kind &= ~SPARSE_FEATURES;
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

    private static float[] sparseFloats(ByteBuffer b) {
        int n = b.getInt();
        int nonzeros = b.getInt();
        if (n < 0 || nonzeros < 0 || nonzeros > n) {
            throw new IllegalStateException("corrupt journal sample: " + nonzeros + " stored values of " + n);
        }
        check((n + 7L) / 8, b);
        int bitmap = b.position();
        b.position(bitmap + (n + 7) / 8);
        check(4L * nonzeros, b);
        int marked = 0;
        for (int i = 0; i < n; i++) {
            marked += marked(b, bitmap, i);
        }
        if (marked != nonzeros) {
            throw new IllegalStateException("corrupt journal sample: bitmap marks " + marked + " values, header says "
                    + nonzeros);
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            if (marked(b, bitmap, i) != 0) {
                v[i] = b.getFloat();
            }
        }
        return v;
    }

    /** Bit {@code i} of the bitmap at {@code bitmap}: 1 when entry {@code i} is stored. */
    private static int marked(ByteBuffer b, int bitmap, int i) {
        return (b.get(bitmap + i / 8) >> (i % 8)) & 1;
    }

    /** Never allocate from a length the buffer cannot hold. */
    private static void check(long len, ByteBuffer b) {
        if (len < 0 || len > b.remaining()) {
            throw new IllegalStateException("corrupt journal sample: length " + len + " with " + b.remaining() + " bytes left");
        }
    }
}
