package dev.alignstream.core;

import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.MUL;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The reductions of {@link Kernels} written with the JDK Vector API (the incubator module
 * {@code jdk.incubator.vector} of Java 17), which HotSpot 17 does not auto-vectorize. Every method
 * gives the same bits as its scalar twin in {@link Kernels}; this class is only loaded when
 * {@link VectorPath#ENABLED} says the module is present, so a plain {@code java -jar} never
 * touches it.
 *
 * <p>The dot products' species is fixed to 256 bits (eight float lanes), never
 * {@code SPECIES_PREFERRED}: lane {@code i} holds the sum of {@link Kernels#dot8}'s {@code s_i},
 * so the result is the same on a machine with 128-, 256- or 512-bit registers, and the lanes are
 * combined by hand in {@code dot8}'s order, never by {@code reduceLanes}, whose order is
 * unspecified. The register-blocked kernels of several rows ({@link #combine4}, {@link #combine1},
 * {@link #columns8}, and {@link #narrow8} / {@link #narrowUpdate8} for layers narrower than a
 * vector) are element-wise: every lane is its own output entry with its own
 * sequential sum and lanes never meet, so their width cannot change a bit; they use the machine's
 * preferred width (512 bits on this project's AVX-512 machine). Products and sums are always
 * separate {@code mul} and {@code add} (no {@code fma}, which rounds once instead of twice);
 * {@code p.add(acc)} is {@code acc + p} bit for bit.
 *
 * <p>Keeping HotSpot 17 on the intrinsics. {@code fromArray}, {@code broadcast}, {@code add} and
 * the rest are declared to return {@code FloatVector}, and C2 expands the vector intrinsics only
 * after parsing, so a call on a vector is a virtual call that C2 binds from the receiver profile
 * of the JDK method it sits in (shared by every caller in the JVM), behind a class check. Two
 * ways that goes wrong, both seen here: (1) once 256-bit and 512-bit vectors have both been
 * through a method (a JVM that ran batch 1, then batch 32), its profile holds two classes, C2
 * compiles both branches and boxes every vector where they merge (the register-blocked kernels
 * ran about 6x slower than scalar code); (2) once enough class-check traps are on record in the
 * Vector API's methods (C2 counts them over every method it inlines, and the JVM records some
 * whenever both species ran through the Java fallbacks while the kernels were still interpreted,
 * which depends on when the compiler threads got a core), C2 gives those checks a virtual call
 * as the other branch; after the merge the vector's class is unknown, {@code intoArray} cannot
 * find its species as a constant and stores lane by lane through the Java fallback (a Java 17
 * {@code bench} run then held batch 32 at 0.2-0.5x of its usual speed, with
 * "VectorSupport::store ... failed to inline (intrinsic)" and "missing constant: vclass" under
 * {@code -XX:+PrintInlining -XX:+PrintIntrinsics}). So no call here depends on a profile: every
 * vector that is the receiver of a call is first narrowed with {@link #W_EXACT} or
 * {@link #S_EXACT}{@code .cast}, a C2 intrinsic (and force-inlined, so no inlining budget stops
 * it) that gives the value the exact, final class of its species; the call then binds
 * statically, and the check folds away once the intrinsics are expanded. Arguments need no cast.
 * The two species still never share a call site: {@link #dot8Rows} calls {@code lanewise} and
 * reads its sums with {@code lane(i)}, never {@code add}, {@code mul} or {@code intoArray}. A new
 * kernel must cast its receivers the same way, and be checked with {@code -XX:+PrintInlining} in
 * a JVM that runs both batch sizes: a {@code TypeProfile} line under a {@code FloatVector} call
 * or "failed to inline (intrinsic)" marks a receiver C2 could not type.
 */
final class VectorKernels {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    /** Species of the element-wise kernels, whose lanes never meet: any width gives the same bits (see the class comment). */
    private static final VectorSpecies<Float> W = FloatVector.SPECIES_PREFERRED;
    private static final int WL = W.length();

    /** Lanes of {@link #S}: {@link Kernels#dot8}'s number of interleaved sums. */
    static final int LANES = 8;

    /**
     * The JDK's (final) class of {@link #W}'s vectors, whose {@code cast} tells C2 a receiver's
     * exact class (see the class comment). It never changes a value.
     */
    private static final Class<FloatVector> W_EXACT = vectorClass(W);
    /** {@link #W_EXACT} for {@link #S}. */
    private static final Class<FloatVector> S_EXACT = vectorClass(S);

    private VectorKernels() {
    }

    @SuppressWarnings("unchecked")
    private static Class<FloatVector> vectorClass(VectorSpecies<Float> species) {
        return (Class<FloatVector>) species.vectorType();
    }

    /** Width in bits of the register-blocked kernels' vectors (the machine's preferred width). */
    static int batchBits() {
        return W.vectorBitSize();
    }

    /**
     * {@code dots[i] = dot8(m.row(rows[i]), y)} over the first {@code n} entries, for
     * {@code i < count}. Four rows are reduced at once: one vector sum is a chain of dependent
     * adds (latency bound), four independent chains keep both vector adders busy, and {@code y}
     * is loaded once for the four.
     *
     * @param m     rows of at least {@code n} entries. Not modified.
     * @param rows  indices of the rows to reduce. Not modified.
     * @param count how many of {@code rows}
     * @param y     the common vector, at least {@code n}. Not modified.
     * @param n     length of each dot product
     * @param lanes scratch of at least {@link #LANES} floats. Modified.
     * @param dots  results, at least {@code count}. Modified.
     */
    static void dot8Rows(RowMatrix m, int[] rows, int count, float[] y, int n, float[] lanes, float[] dots) {
        final int n8 = n & ~(LANES - 1);
        int i = 0;
        for (; i + 4 <= count; i += 4) {
            final float[] x0 = m.row(rows[i]);
            final float[] x1 = m.row(rows[i + 1]);
            final float[] x2 = m.row(rows[i + 2]);
            final float[] x3 = m.row(rows[i + 3]);
            FloatVector s0 = FloatVector.zero(S);
            FloatVector s1 = FloatVector.zero(S);
            FloatVector s2 = FloatVector.zero(S);
            FloatVector s3 = FloatVector.zero(S);
            for (int k = 0; k < n8; k += LANES) {
                final FloatVector yv = S_EXACT.cast(FloatVector.fromArray(S, y, k));
                s0 = S_EXACT.cast(s0).lanewise(ADD, S_EXACT.cast(FloatVector.fromArray(S, x0, k)).lanewise(MUL, yv));
                s1 = S_EXACT.cast(s1).lanewise(ADD, S_EXACT.cast(FloatVector.fromArray(S, x1, k)).lanewise(MUL, yv));
                s2 = S_EXACT.cast(s2).lanewise(ADD, S_EXACT.cast(FloatVector.fromArray(S, x2, k)).lanewise(MUL, yv));
                s3 = S_EXACT.cast(s3).lanewise(ADD, S_EXACT.cast(FloatVector.fromArray(S, x3, k)).lanewise(MUL, yv));
            }
            dots[i] = finish(s0, x0, y, n8, n, lanes);
            dots[i + 1] = finish(s1, x1, y, n8, n, lanes);
            dots[i + 2] = finish(s2, x2, y, n8, n, lanes);
            dots[i + 3] = finish(s3, x3, y, n8, n, lanes);
        }
        for (; i < count; i++) {
            final float[] x = m.row(rows[i]);
            FloatVector s = FloatVector.zero(S);
            for (int k = 0; k < n8; k += LANES) {
                final FloatVector yv = S_EXACT.cast(FloatVector.fromArray(S, y, k));
                s = S_EXACT.cast(s).lanewise(ADD, S_EXACT.cast(FloatVector.fromArray(S, x, k)).lanewise(MUL, yv));
            }
            dots[i] = finish(s, x, y, n8, n, lanes);
        }
    }

    /**
     * The tail into lane 0, then {@code ((s0+s1)+(s2+s3))+((s4+s5)+(s6+s7))}, as {@link Kernels#dot8}.
     * The lanes are read with {@code lane(i)} rather than stored with {@code intoArray}: see the class comment.
     */
    private static float finish(FloatVector sums, float[] x, float[] y, int n8, int n, float[] lanes) {
        final FloatVector s = S_EXACT.cast(sums);
        lanes[0] = s.lane(0);
        lanes[1] = s.lane(1);
        lanes[2] = s.lane(2);
        lanes[3] = s.lane(3);
        lanes[4] = s.lane(4);
        lanes[5] = s.lane(5);
        lanes[6] = s.lane(6);
        lanes[7] = s.lane(7);
        float s0 = lanes[0];
        for (int k = n8; k < n; k++) {
            s0 += x[k] * y[k];
        }
        return ((s0 + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
    }

    /**
     * Register-blocked {@code c_r[j] = c_r[j] + sum_i coef[4i + r] * x[xOff + rows[i] * xStride + j]}, {@code i} from
     * {@code off} to {@code off + count - 1}, for the four
     * rows {@code c0..c3} over columns {@code [from, to)}: a block of 4 rows x 2 vectors stays in
     * registers while {@code i} runs over all terms, so each term row is loaded once for four
     * output rows. Each entry adds its terms one at a time, {@code i} ascending, as a row of
     * {@link Kernels}'s axpy loops does, so the bits are those of the scalar code as long as the
     * caller lists the terms in the scalar code's order. The caller leaves out terms whose four
     * coefficients are all zero, so the loops have no branch; a zero coefficient among nonzero
     * ones adds {@code 0 * x}, which changes no sum that starts at {@code +0}, nor any other sum
     * except one that is exactly {@code -0}: learning never makes a {@code -0} weight, and
     * {@link Parameters#setWeight} stores a {@code -0} read from a file as {@code +0}.
     *
     * @param c0    first output row. Modified.
     * @param coef  coefficients, {@code coef[4i + r]} for output row {@code r}. Not modified.
     * @param rows  the term rows of {@code x}, {@code rows[i]}. Not modified.
     * @param off   first term
     * @param count number of terms
     * @param x     term rows: term {@code i}'s column {@code j} at {@code xOff + rows[i] * xStride + j}, a
     *              row of {@link AlignedPanel} in the library's calls (see there why). Not modified.
     */
    static void combine4(float[] c0, float[] c1, float[] c2, float[] c3, float[] coef, int[] rows, int off, int count,
                         float[] x, int xOff, int xStride, int from, int to) {
        int j = from;
        for (; j + 4 * WL <= to; j += 4 * WL) {
            block4x4(c0, c1, c2, c3, coef, rows, off, count, x, xOff, xStride, j);
        }
        for (; j + 2 * WL <= to; j += 2 * WL) {
            block4x2(c0, c1, c2, c3, coef, rows, off, count, x, xOff, xStride, j);
        }
        for (; j + WL <= to; j += WL) {
            block4x1(c0, c1, c2, c3, coef, rows, off, count, x, xOff, xStride, j);
        }
        if (j < to) {
            // the last columns, fewer than a vector: term by term (each entry still adds them in
            // order), so every term row is read once rather than once per column
            for (int i = off; i < off + count; i++) {
                final int xi = xOff + rows[i] * xStride;
                final float k0 = coef[4 * i];
                final float k1 = coef[4 * i + 1];
                final float k2 = coef[4 * i + 2];
                final float k3 = coef[4 * i + 3];
                for (int q = j; q < to; q++) {
                    final float xv = x[xi + q];
                    c0[q] = c0[q] + k0 * xv;
                    c1[q] = c1[q] + k1 * xv;
                    c2[q] = c2[q] + k2 * xv;
                    c3[q] = c3[q] + k3 * xv;
                }
            }
        }
    }

    /**
     * One block of 4 rows x 2 vectors of {@link #combine4}: eight accumulators, each term row loaded
     * as two vectors. {@code prod.add(acc)} is {@code acc + prod} bit for bit (IEEE addition
     * commutes); the accumulators are cast before they are stored (see the class comment).
     */
    private static void block4x2(float[] c0, float[] c1, float[] c2, float[] c3, float[] coef, int[] rows, int off, int count,
                                 float[] x, int xOff, int xStride, int j) {
        final int j1 = j + WL;
        FloatVector a0 = FloatVector.fromArray(W, c0, j);
        FloatVector a1 = FloatVector.fromArray(W, c1, j);
        FloatVector a2 = FloatVector.fromArray(W, c2, j);
        FloatVector a3 = FloatVector.fromArray(W, c3, j);
        FloatVector e0 = FloatVector.fromArray(W, c0, j1);
        FloatVector e1 = FloatVector.fromArray(W, c1, j1);
        FloatVector e2 = FloatVector.fromArray(W, c2, j1);
        FloatVector e3 = FloatVector.fromArray(W, c3, j1);
        for (int i = off; i < off + count; i++) {
            final int xi = xOff + rows[i] * xStride;
            final FloatVector xv = W_EXACT.cast(FloatVector.fromArray(W, x, xi + j));
            final FloatVector xw = W_EXACT.cast(FloatVector.fromArray(W, x, xi + j1));
            final float k0 = coef[4 * i];
            final float k1 = coef[4 * i + 1];
            final float k2 = coef[4 * i + 2];
            final float k3 = coef[4 * i + 3];
            a0 = xv.mul(k0).add(a0);
            e0 = xw.mul(k0).add(e0);
            a1 = xv.mul(k1).add(a1);
            e1 = xw.mul(k1).add(e1);
            a2 = xv.mul(k2).add(a2);
            e2 = xw.mul(k2).add(e2);
            a3 = xv.mul(k3).add(a3);
            e3 = xw.mul(k3).add(e3);
        }
        W_EXACT.cast(a0).intoArray(c0, j);
        W_EXACT.cast(a1).intoArray(c1, j);
        W_EXACT.cast(a2).intoArray(c2, j);
        W_EXACT.cast(a3).intoArray(c3, j);
        W_EXACT.cast(e0).intoArray(c0, j1);
        W_EXACT.cast(e1).intoArray(c1, j1);
        W_EXACT.cast(e2).intoArray(c2, j1);
        W_EXACT.cast(e3).intoArray(c3, j1);
    }

    /** One block of 4 rows x 4 vectors of {@link #combine4}: sixteen accumulators, as {@link #block4x2}. */
    private static void block4x4(float[] c0, float[] c1, float[] c2, float[] c3, float[] coef, int[] rows, int off,
                                 int count, float[] x, int xOff, int xStride, int j) {
        final int j1 = j + WL;
        final int j2 = j + 2 * WL;
        final int j3 = j + 3 * WL;
        FloatVector a0 = FloatVector.fromArray(W, c0, j);
        FloatVector a1 = FloatVector.fromArray(W, c1, j);
        FloatVector a2 = FloatVector.fromArray(W, c2, j);
        FloatVector a3 = FloatVector.fromArray(W, c3, j);
        FloatVector e0 = FloatVector.fromArray(W, c0, j1);
        FloatVector e1 = FloatVector.fromArray(W, c1, j1);
        FloatVector e2 = FloatVector.fromArray(W, c2, j1);
        FloatVector e3 = FloatVector.fromArray(W, c3, j1);
        FloatVector f0 = FloatVector.fromArray(W, c0, j2);
        FloatVector f1 = FloatVector.fromArray(W, c1, j2);
        FloatVector f2 = FloatVector.fromArray(W, c2, j2);
        FloatVector f3 = FloatVector.fromArray(W, c3, j2);
        FloatVector h0 = FloatVector.fromArray(W, c0, j3);
        FloatVector h1 = FloatVector.fromArray(W, c1, j3);
        FloatVector h2 = FloatVector.fromArray(W, c2, j3);
        FloatVector h3 = FloatVector.fromArray(W, c3, j3);
        for (int i = off; i < off + count; i++) {
            final int xi = xOff + rows[i] * xStride;
            final FloatVector xv = W_EXACT.cast(FloatVector.fromArray(W, x, xi + j));
            final FloatVector xw = W_EXACT.cast(FloatVector.fromArray(W, x, xi + j1));
            final FloatVector xf = W_EXACT.cast(FloatVector.fromArray(W, x, xi + j2));
            final FloatVector xh = W_EXACT.cast(FloatVector.fromArray(W, x, xi + j3));
            final FloatVector k0 = FloatVector.broadcast(W, coef[4 * i]);
            final FloatVector k1 = FloatVector.broadcast(W, coef[4 * i + 1]);
            final FloatVector k2 = FloatVector.broadcast(W, coef[4 * i + 2]);
            final FloatVector k3 = FloatVector.broadcast(W, coef[4 * i + 3]);
            a0 = xv.mul(k0).add(a0);
            e0 = xw.mul(k0).add(e0);
            f0 = xf.mul(k0).add(f0);
            h0 = xh.mul(k0).add(h0);
            a1 = xv.mul(k1).add(a1);
            e1 = xw.mul(k1).add(e1);
            f1 = xf.mul(k1).add(f1);
            h1 = xh.mul(k1).add(h1);
            a2 = xv.mul(k2).add(a2);
            e2 = xw.mul(k2).add(e2);
            f2 = xf.mul(k2).add(f2);
            h2 = xh.mul(k2).add(h2);
            a3 = xv.mul(k3).add(a3);
            e3 = xw.mul(k3).add(e3);
            f3 = xf.mul(k3).add(f3);
            h3 = xh.mul(k3).add(h3);
        }
        W_EXACT.cast(a0).intoArray(c0, j);
        W_EXACT.cast(a1).intoArray(c1, j);
        W_EXACT.cast(a2).intoArray(c2, j);
        W_EXACT.cast(a3).intoArray(c3, j);
        W_EXACT.cast(e0).intoArray(c0, j1);
        W_EXACT.cast(e1).intoArray(c1, j1);
        W_EXACT.cast(e2).intoArray(c2, j1);
        W_EXACT.cast(e3).intoArray(c3, j1);
        W_EXACT.cast(f0).intoArray(c0, j2);
        W_EXACT.cast(f1).intoArray(c1, j2);
        W_EXACT.cast(f2).intoArray(c2, j2);
        W_EXACT.cast(f3).intoArray(c3, j2);
        W_EXACT.cast(h0).intoArray(c0, j3);
        W_EXACT.cast(h1).intoArray(c1, j3);
        W_EXACT.cast(h2).intoArray(c2, j3);
        W_EXACT.cast(h3).intoArray(c3, j3);
    }

    /** One block of 4 rows x 1 vector of {@link #combine4}. */
    private static void block4x1(float[] c0, float[] c1, float[] c2, float[] c3, float[] coef, int[] rows, int off, int count,
                                 float[] x, int xOff, int xStride, int j) {
        FloatVector a0 = FloatVector.fromArray(W, c0, j);
        FloatVector a1 = FloatVector.fromArray(W, c1, j);
        FloatVector a2 = FloatVector.fromArray(W, c2, j);
        FloatVector a3 = FloatVector.fromArray(W, c3, j);
        for (int i = off; i < off + count; i++) {
            final FloatVector xv = W_EXACT.cast(FloatVector.fromArray(W, x, xOff + rows[i] * xStride + j));
            a0 = xv.mul(coef[4 * i]).add(a0);
            a1 = xv.mul(coef[4 * i + 1]).add(a1);
            a2 = xv.mul(coef[4 * i + 2]).add(a2);
            a3 = xv.mul(coef[4 * i + 3]).add(a3);
        }
        W_EXACT.cast(a0).intoArray(c0, j);
        W_EXACT.cast(a1).intoArray(c1, j);
        W_EXACT.cast(a2).intoArray(c2, j);
        W_EXACT.cast(a3).intoArray(c3, j);
    }

    /** {@link #combine4} for one output row: {@code c[j] = c[j] + sum_i coef[i] * x[xOff + rows[i] * xStride + j]}. */
    static void combine1(float[] c, float[] coef, int[] rows, int off, int count, float[] x, int xOff, int xStride,
                         int from, int to) {
        int j = from;
        for (; j + WL <= to; j += WL) {
            block1x1(c, coef, rows, off, count, x, xOff, xStride, j);
        }
        for (; j < to; j++) {
            float y = c[j];
            for (int i = off; i < off + count; i++) {
                y = y + coef[i] * x[xOff + rows[i] * xStride + j];
            }
            c[j] = y;
        }
    }

    /** One vector of {@link #combine1}. */
    private static void block1x1(float[] c, float[] coef, int[] rows, int off, int count, float[] x, int xOff,
                                 int xStride, int j) {
        FloatVector a = FloatVector.fromArray(W, c, j);
        for (int i = off; i < off + count; i++) {
            a = W_EXACT.cast(FloatVector.fromArray(W, x, xOff + rows[i] * xStride + j)).mul(coef[i]).add(a);
        }
        W_EXACT.cast(a).intoArray(c, j);
    }

    /**
     * {@code outT.row(j0 + r)[b] += sum_{k0 <= k < k1} t[tOff + k * tStride + b] * w.row(j0 + r)[k]} for the eight
     * rows {@code r < 8} and the lanes {@code b < lanes}, {@code k} ascending one term at a time
     * (the batched backward product with the batch along the vector: {@code t} is the signal
     * transposed, {@code w} the weight rows, each entry read once per lane block).
     */
    static void columns8(RowMatrix outT, RowMatrix w, int j0, float[] t, int tOff, int tStride, int k0, int k1,
                         int lanes) {
        final float[] o0 = outT.row(j0);
        final float[] o1 = outT.row(j0 + 1);
        final float[] o2 = outT.row(j0 + 2);
        final float[] o3 = outT.row(j0 + 3);
        final float[] o4 = outT.row(j0 + 4);
        final float[] o5 = outT.row(j0 + 5);
        final float[] o6 = outT.row(j0 + 6);
        final float[] o7 = outT.row(j0 + 7);
        final float[] w0 = w.row(j0);
        final float[] w1 = w.row(j0 + 1);
        final float[] w2 = w.row(j0 + 2);
        final float[] w3 = w.row(j0 + 3);
        final float[] w4 = w.row(j0 + 4);
        final float[] w5 = w.row(j0 + 5);
        final float[] w6 = w.row(j0 + 6);
        final float[] w7 = w.row(j0 + 7);
        int b = 0;
        for (; b + 2 * WL <= lanes; b += 2 * WL) {
            block8x2(o0, o1, o2, o3, o4, o5, o6, o7, w0, w1, w2, w3, w4, w5, w6, w7, t, tOff, tStride, k0, k1, b);
        }
        for (; b + WL <= lanes; b += WL) {
            block8(o0, o1, o2, o3, o4, o5, o6, o7, w0, w1, w2, w3, w4, w5, w6, w7, t, tOff, tStride, k0, k1, b);
        }
        for (; b < lanes; b++) {
            o0[b] = column(o0[b], w0, t, tOff, tStride, k0, k1, b);
            o1[b] = column(o1[b], w1, t, tOff, tStride, k0, k1, b);
            o2[b] = column(o2[b], w2, t, tOff, tStride, k0, k1, b);
            o3[b] = column(o3[b], w3, t, tOff, tStride, k0, k1, b);
            o4[b] = column(o4[b], w4, t, tOff, tStride, k0, k1, b);
            o5[b] = column(o5[b], w5, t, tOff, tStride, k0, k1, b);
            o6[b] = column(o6[b], w6, t, tOff, tStride, k0, k1, b);
            o7[b] = column(o7[b], w7, t, tOff, tStride, k0, k1, b);
        }
    }

    /** One lane of {@link #columns8}, scalar: {@code y + sum_k t[tOff + k * tStride + b] * w[k]}, {@code k} ascending. */
    static float column(float y, float[] w, float[] t, int tOff, int tStride, int k0, int k1, int b) {
        for (int k = k0; k < k1; k++) {
            y = y + t[tOff + k * tStride + b] * w[k];
        }
        return y;
    }

    /** Two vectors of lanes of {@link #columns8}: sixteen accumulators, each coefficient broadcast once for both. */
    private static void block8x2(float[] o0, float[] o1, float[] o2, float[] o3, float[] o4, float[] o5, float[] o6,
                                 float[] o7, float[] w0, float[] w1, float[] w2, float[] w3, float[] w4, float[] w5,
                                 float[] w6, float[] w7, float[] t, int tOff, int tStride, int k0, int k1, int b) {
        final int b1 = b + WL;
        FloatVector a0 = FloatVector.fromArray(W, o0, b);
        FloatVector a1 = FloatVector.fromArray(W, o1, b);
        FloatVector a2 = FloatVector.fromArray(W, o2, b);
        FloatVector a3 = FloatVector.fromArray(W, o3, b);
        FloatVector a4 = FloatVector.fromArray(W, o4, b);
        FloatVector a5 = FloatVector.fromArray(W, o5, b);
        FloatVector a6 = FloatVector.fromArray(W, o6, b);
        FloatVector a7 = FloatVector.fromArray(W, o7, b);
        FloatVector e0 = FloatVector.fromArray(W, o0, b1);
        FloatVector e1 = FloatVector.fromArray(W, o1, b1);
        FloatVector e2 = FloatVector.fromArray(W, o2, b1);
        FloatVector e3 = FloatVector.fromArray(W, o3, b1);
        FloatVector e4 = FloatVector.fromArray(W, o4, b1);
        FloatVector e5 = FloatVector.fromArray(W, o5, b1);
        FloatVector e6 = FloatVector.fromArray(W, o6, b1);
        FloatVector e7 = FloatVector.fromArray(W, o7, b1);
        for (int k = k0; k < k1; k++) {
            final int tk = tOff + k * tStride;
            final FloatVector tv = W_EXACT.cast(FloatVector.fromArray(W, t, tk + b));
            final FloatVector tw = W_EXACT.cast(FloatVector.fromArray(W, t, tk + b1));
            final FloatVector c0 = FloatVector.broadcast(W, w0[k]);
            a0 = tv.mul(c0).add(a0);
            e0 = tw.mul(c0).add(e0);
            final FloatVector c1 = FloatVector.broadcast(W, w1[k]);
            a1 = tv.mul(c1).add(a1);
            e1 = tw.mul(c1).add(e1);
            final FloatVector c2 = FloatVector.broadcast(W, w2[k]);
            a2 = tv.mul(c2).add(a2);
            e2 = tw.mul(c2).add(e2);
            final FloatVector c3 = FloatVector.broadcast(W, w3[k]);
            a3 = tv.mul(c3).add(a3);
            e3 = tw.mul(c3).add(e3);
            final FloatVector c4 = FloatVector.broadcast(W, w4[k]);
            a4 = tv.mul(c4).add(a4);
            e4 = tw.mul(c4).add(e4);
            final FloatVector c5 = FloatVector.broadcast(W, w5[k]);
            a5 = tv.mul(c5).add(a5);
            e5 = tw.mul(c5).add(e5);
            final FloatVector c6 = FloatVector.broadcast(W, w6[k]);
            a6 = tv.mul(c6).add(a6);
            e6 = tw.mul(c6).add(e6);
            final FloatVector c7 = FloatVector.broadcast(W, w7[k]);
            a7 = tv.mul(c7).add(a7);
            e7 = tw.mul(c7).add(e7);
        }
        W_EXACT.cast(a0).intoArray(o0, b);
        W_EXACT.cast(e0).intoArray(o0, b1);
        W_EXACT.cast(a1).intoArray(o1, b);
        W_EXACT.cast(e1).intoArray(o1, b1);
        W_EXACT.cast(a2).intoArray(o2, b);
        W_EXACT.cast(e2).intoArray(o2, b1);
        W_EXACT.cast(a3).intoArray(o3, b);
        W_EXACT.cast(e3).intoArray(o3, b1);
        W_EXACT.cast(a4).intoArray(o4, b);
        W_EXACT.cast(e4).intoArray(o4, b1);
        W_EXACT.cast(a5).intoArray(o5, b);
        W_EXACT.cast(e5).intoArray(o5, b1);
        W_EXACT.cast(a6).intoArray(o6, b);
        W_EXACT.cast(e6).intoArray(o6, b1);
        W_EXACT.cast(a7).intoArray(o7, b);
        W_EXACT.cast(e7).intoArray(o7, b1);
    }

    /** One vector of lanes of {@link #columns8}: eight accumulators, the accumulators only ever arguments. */
    private static void block8(float[] o0, float[] o1, float[] o2, float[] o3, float[] o4, float[] o5, float[] o6,
                               float[] o7, float[] w0, float[] w1, float[] w2, float[] w3, float[] w4, float[] w5,
                               float[] w6, float[] w7, float[] t, int tOff, int tStride, int k0, int k1, int b) {
        FloatVector a0 = FloatVector.fromArray(W, o0, b);
        FloatVector a1 = FloatVector.fromArray(W, o1, b);
        FloatVector a2 = FloatVector.fromArray(W, o2, b);
        FloatVector a3 = FloatVector.fromArray(W, o3, b);
        FloatVector a4 = FloatVector.fromArray(W, o4, b);
        FloatVector a5 = FloatVector.fromArray(W, o5, b);
        FloatVector a6 = FloatVector.fromArray(W, o6, b);
        FloatVector a7 = FloatVector.fromArray(W, o7, b);
        for (int k = k0; k < k1; k++) {
            final FloatVector tv = W_EXACT.cast(FloatVector.fromArray(W, t, tOff + k * tStride + b));
            a0 = tv.mul(w0[k]).add(a0);
            a1 = tv.mul(w1[k]).add(a1);
            a2 = tv.mul(w2[k]).add(a2);
            a3 = tv.mul(w3[k]).add(a3);
            a4 = tv.mul(w4[k]).add(a4);
            a5 = tv.mul(w5[k]).add(a5);
            a6 = tv.mul(w6[k]).add(a6);
            a7 = tv.mul(w7[k]).add(a7);
        }
        W_EXACT.cast(a0).intoArray(o0, b);
        W_EXACT.cast(a1).intoArray(o1, b);
        W_EXACT.cast(a2).intoArray(o2, b);
        W_EXACT.cast(a3).intoArray(o3, b);
        W_EXACT.cast(a4).intoArray(o4, b);
        W_EXACT.cast(a5).intoArray(o5, b);
        W_EXACT.cast(a6).intoArray(o6, b);
        W_EXACT.cast(a7).intoArray(o7, b);
    }

    /** Lanes of the element-wise kernels' vectors ({@link #W}): 16 on an AVX-512 machine. */
    static int batchLanes() {
        return WL;
    }

    /**
     * The product of a layer narrower than a vector, with the batch along the vector: for the eight
     * columns {@code j0 .. j0 + 7} and the lanes {@code b0 .. b0 + WL - 1},
     * {@code outT[j * stride + b] += sum_{kk < count} t[tOff + kk * stride + b] * m.row(k0 + kk)[j]},
     * {@code kk} ascending, one term at a time ({@code t} is the activity transposed, {@code outT}
     * the product transposed). Each entry adds the same terms in the same order as
     * {@link #combine4}'s column-by-column tail, zero terms included (exact, see {@link #combine4}).
     */
    static void narrow8(float[] outT, float[] t, int tOff, int stride, int count, RowMatrix m, int k0, int j0, int b0) {
        final int o = j0 * stride + b0;
        FloatVector a0 = FloatVector.fromArray(W, outT, o);
        FloatVector a1 = FloatVector.fromArray(W, outT, o + stride);
        FloatVector a2 = FloatVector.fromArray(W, outT, o + 2 * stride);
        FloatVector a3 = FloatVector.fromArray(W, outT, o + 3 * stride);
        FloatVector a4 = FloatVector.fromArray(W, outT, o + 4 * stride);
        FloatVector a5 = FloatVector.fromArray(W, outT, o + 5 * stride);
        FloatVector a6 = FloatVector.fromArray(W, outT, o + 6 * stride);
        FloatVector a7 = FloatVector.fromArray(W, outT, o + 7 * stride);
        for (int kk = 0; kk < count; kk++) {
            final float[] mk = m.row(k0 + kk);
            final FloatVector tv = W_EXACT.cast(FloatVector.fromArray(W, t, tOff + kk * stride + b0));
            a0 = tv.mul(mk[j0]).add(a0);
            a1 = tv.mul(mk[j0 + 1]).add(a1);
            a2 = tv.mul(mk[j0 + 2]).add(a2);
            a3 = tv.mul(mk[j0 + 3]).add(a3);
            a4 = tv.mul(mk[j0 + 4]).add(a4);
            a5 = tv.mul(mk[j0 + 5]).add(a5);
            a6 = tv.mul(mk[j0 + 6]).add(a6);
            a7 = tv.mul(mk[j0 + 7]).add(a7);
        }
        W_EXACT.cast(a0).intoArray(outT, o);
        W_EXACT.cast(a1).intoArray(outT, o + stride);
        W_EXACT.cast(a2).intoArray(outT, o + 2 * stride);
        W_EXACT.cast(a3).intoArray(outT, o + 3 * stride);
        W_EXACT.cast(a4).intoArray(outT, o + 4 * stride);
        W_EXACT.cast(a5).intoArray(outT, o + 5 * stride);
        W_EXACT.cast(a6).intoArray(outT, o + 6 * stride);
        W_EXACT.cast(a7).intoArray(outT, o + 7 * stride);
    }

    /** {@link #narrow8} for the one column {@code j}. */
    static void narrow1(float[] outT, float[] t, int tOff, int stride, int count, RowMatrix m, int k0, int j, int b0) {
        final int o = j * stride + b0;
        FloatVector a = FloatVector.fromArray(W, outT, o);
        for (int kk = 0; kk < count; kk++) {
            a = W_EXACT.cast(FloatVector.fromArray(W, t, tOff + kk * stride + b0)).mul(m.row(k0 + kk)[j]).add(a);
        }
        W_EXACT.cast(a).intoArray(outT, o);
    }

    /**
     * The outer-product update of a layer narrower than a vector, with its input neurons along the
     * vector: for the rows {@code k0 .. k0 + WL - 1} of {@code wt} and its columns {@code j0 .. j0 + 7},
     * {@code wt.row(k)[j] += sum_{b < batch} (alpha * u.row(b)[k]) * g.row(b)[j]}, {@code b}
     * ascending, one term at a time: the additions, in order, of {@link #combine4}'s
     * column-by-column tail, zero terms included (exact, see {@link #combine4}). The columns are
     * copied into {@code staging} (8 x WL floats) to be loaded as vectors, and copied back.
     */
    static void narrowUpdate8(RowMatrix wt, int k0, int j0, float alpha, RowMatrix u, RowMatrix g, int batch,
                              float[] staging) {
        for (int r = 0; r < WL; r++) {
            final float[] w = wt.row(k0 + r);
            for (int q = 0; q < 8; q++) {
                staging[q * WL + r] = w[j0 + q];
            }
        }
        FloatVector a0 = FloatVector.fromArray(W, staging, 0);
        FloatVector a1 = FloatVector.fromArray(W, staging, WL);
        FloatVector a2 = FloatVector.fromArray(W, staging, 2 * WL);
        FloatVector a3 = FloatVector.fromArray(W, staging, 3 * WL);
        FloatVector a4 = FloatVector.fromArray(W, staging, 4 * WL);
        FloatVector a5 = FloatVector.fromArray(W, staging, 5 * WL);
        FloatVector a6 = FloatVector.fromArray(W, staging, 6 * WL);
        FloatVector a7 = FloatVector.fromArray(W, staging, 7 * WL);
        for (int b = 0; b < batch; b++) {
            final float[] gb = g.row(b);
            final FloatVector c = W_EXACT.cast(FloatVector.fromArray(W, u.row(b), k0)).mul(alpha);
            a0 = c.mul(gb[j0]).add(a0);
            a1 = c.mul(gb[j0 + 1]).add(a1);
            a2 = c.mul(gb[j0 + 2]).add(a2);
            a3 = c.mul(gb[j0 + 3]).add(a3);
            a4 = c.mul(gb[j0 + 4]).add(a4);
            a5 = c.mul(gb[j0 + 5]).add(a5);
            a6 = c.mul(gb[j0 + 6]).add(a6);
            a7 = c.mul(gb[j0 + 7]).add(a7);
        }
        W_EXACT.cast(a0).intoArray(staging, 0);
        W_EXACT.cast(a1).intoArray(staging, WL);
        W_EXACT.cast(a2).intoArray(staging, 2 * WL);
        W_EXACT.cast(a3).intoArray(staging, 3 * WL);
        W_EXACT.cast(a4).intoArray(staging, 4 * WL);
        W_EXACT.cast(a5).intoArray(staging, 5 * WL);
        W_EXACT.cast(a6).intoArray(staging, 6 * WL);
        W_EXACT.cast(a7).intoArray(staging, 7 * WL);
        for (int r = 0; r < WL; r++) {
            final float[] w = wt.row(k0 + r);
            for (int q = 0; q < 8; q++) {
                w[j0 + q] = staging[q * WL + r];
            }
        }
    }

    /** {@link #narrowUpdate8} for the one column {@code j}; {@code staging} of at least WL floats. */
    static void narrowUpdate1(RowMatrix wt, int k0, int j, float alpha, RowMatrix u, RowMatrix g, int batch,
                              float[] staging) {
        for (int r = 0; r < WL; r++) {
            staging[r] = wt.row(k0 + r)[j];
        }
        FloatVector a = FloatVector.fromArray(W, staging, 0);
        for (int b = 0; b < batch; b++) {
            a = W_EXACT.cast(FloatVector.fromArray(W, u.row(b), k0)).mul(alpha).mul(g.row(b)[j]).add(a);
        }
        W_EXACT.cast(a).intoArray(staging, 0);
        for (int r = 0; r < WL; r++) {
            wt.row(k0 + r)[j] = staging[r];
        }
    }

    /**
     * {@code out[j] = h[j] > 0 ? h[j] : 0} for {@code j < n}: {@link Activation#RELU}'s
     * {@code apply} exactly (a NaN gives {@code +0}, as does {@code -0}), a vector at a time.
     */
    static void relu(float[] h, float[] out, int n) {
        int j = 0;
        for (; j + WL <= n; j += WL) {
            final FloatVector hv = W_EXACT.cast(FloatVector.fromArray(W, h, j));
            W_EXACT.cast(FloatVector.zero(W)).blend(hv, hv.compare(GT, 0f)).intoArray(out, j);
        }
        for (; j < n; j++) {
            out[j] = h[j] > 0f ? h[j] : 0f;
        }
    }
}
