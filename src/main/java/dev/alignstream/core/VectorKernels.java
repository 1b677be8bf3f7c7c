package dev.alignstream.core;

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
 * unspecified. The register-blocked kernels ({@link #combine4}, {@link #combine1}) are
 * element-wise: every lane is its own output entry with its own sequential sum and lanes never
 * meet, so their width cannot change a bit; they use the machine's preferred width (512 bits on
 * this project's AVX-512 machine measured 1.3-2x faster than 256 there, where 256 was no faster
 * than HotSpot's own auto-vectorized scalar loops). Products and sums are always separate
 * {@code mul} and {@code add} (no {@code fma}, which rounds once instead of twice).
 */
final class VectorKernels {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    /** Species of the element-wise kernels, whose lanes never meet: any width gives the same bits (see the class comment). */
    private static final VectorSpecies<Float> W = FloatVector.SPECIES_PREFERRED;
    private static final int WL = W.length();

    /** Lanes of {@link #S}: {@link Kernels#dot8}'s number of interleaved sums. */
    static final int LANES = 8;

    private VectorKernels() {
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
                final FloatVector yv = FloatVector.fromArray(S, y, k);
                s0 = s0.add(FloatVector.fromArray(S, x0, k).mul(yv));
                s1 = s1.add(FloatVector.fromArray(S, x1, k).mul(yv));
                s2 = s2.add(FloatVector.fromArray(S, x2, k).mul(yv));
                s3 = s3.add(FloatVector.fromArray(S, x3, k).mul(yv));
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
                s = s.add(FloatVector.fromArray(S, x, k).mul(FloatVector.fromArray(S, y, k)));
            }
            dots[i] = finish(s, x, y, n8, n, lanes);
        }
    }

    /** The tail into lane 0, then {@code ((s0+s1)+(s2+s3))+((s4+s5)+(s6+s7))}, as {@link Kernels#dot8}. */
    private static float finish(FloatVector sums, float[] x, float[] y, int n8, int n, float[] lanes) {
        sums.intoArray(lanes, 0);
        float s0 = lanes[0];
        for (int k = n8; k < n; k++) {
            s0 += x[k] * y[k];
        }
        return ((s0 + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
    }

    /**
     * Register-blocked {@code c_r[j] = c_r[j] + sum_i coef[4i + r] * x.row(rows[i])[j]} for the four
     * rows {@code c0..c3} over columns {@code [from, to)}: a block of 4 rows x 2 vectors stays in
     * registers while {@code i} runs over all terms, so each term row is loaded once for four
     * output rows. Each entry adds its terms one at a time, {@code i} ascending, as a row of
     * {@link Kernels}'s axpy loops does, so the bits are those of the scalar code as long as the
     * caller lists the terms in the scalar code's order. The caller leaves out terms whose four
     * coefficients are all zero (a loop without a branch is what HotSpot 17 keeps in registers);
     * a zero coefficient among nonzero ones adds {@code 0 * x}, which changes no sum that starts at
     * {@code +0} or at a weight.
     *
     * @param c0    first output row. Modified.
     * @param coef  coefficients, {@code coef[4i + r]} for output row {@code r}. Not modified.
     * @param rows  the term rows of {@code x}, {@code rows[i]}. Not modified.
     * @param count number of terms
     * @param x     term rows, each at least {@code to} long. Not modified.
     */
    static void combine4(float[] c0, float[] c1, float[] c2, float[] c3, float[] coef, int[] rows, int count,
                         RowMatrix x, int from, int to) {
        int j = from;
        for (; j + 2 * WL <= to; j += 2 * WL) {
            block4x16(c0, c1, c2, c3, coef, rows, count, x, j);
        }
        for (; j + WL <= to; j += WL) {
            block4(c0, c1, c2, c3, coef, rows, count, x, j);
        }
        for (; j < to; j++) {
            float y0 = c0[j];
            float y1 = c1[j];
            float y2 = c2[j];
            float y3 = c3[j];
            for (int i = 0; i < count; i++) {
                final float xv = x.row(rows[i])[j];
                y0 = y0 + coef[4 * i] * xv;
                y1 = y1 + coef[4 * i + 1] * xv;
                y2 = y2 + coef[4 * i + 2] * xv;
                y3 = y3 + coef[4 * i + 3] * xv;
            }
            c0[j] = y0;
            c1[j] = y1;
            c2[j] = y2;
            c3[j] = y3;
        }
    }

    /**
     * One block of 4 rows x 2 vectors of {@link #combine4}: eight accumulators, each term row loaded
     * as two vectors. Small and branch-free on purpose: HotSpot 17 keeps vectors in registers only
     * in code it compiles whole, and a version that skipped zero terms with a branch inside this
     * loop ran the Vector API's scalar fallback (measured 6x slower than scalar code).
     */
    private static void block4x16(float[] c0, float[] c1, float[] c2, float[] c3, float[] coef, int[] rows, int count,
                                  RowMatrix x, int j) {
        final int j1 = j + WL;
        FloatVector a0 = FloatVector.fromArray(W, c0, j);
        FloatVector a1 = FloatVector.fromArray(W, c1, j);
        FloatVector a2 = FloatVector.fromArray(W, c2, j);
        FloatVector a3 = FloatVector.fromArray(W, c3, j);
        FloatVector e0 = FloatVector.fromArray(W, c0, j1);
        FloatVector e1 = FloatVector.fromArray(W, c1, j1);
        FloatVector e2 = FloatVector.fromArray(W, c2, j1);
        FloatVector e3 = FloatVector.fromArray(W, c3, j1);
        for (int i = 0; i < count; i++) {
            final float[] xr = x.row(rows[i]);
            final FloatVector xv = FloatVector.fromArray(W, xr, j);
            final FloatVector xw = FloatVector.fromArray(W, xr, j1);
            final float k0 = coef[4 * i];
            final float k1 = coef[4 * i + 1];
            final float k2 = coef[4 * i + 2];
            final float k3 = coef[4 * i + 3];
            a0 = a0.add(xv.mul(k0));
            e0 = e0.add(xw.mul(k0));
            a1 = a1.add(xv.mul(k1));
            e1 = e1.add(xw.mul(k1));
            a2 = a2.add(xv.mul(k2));
            e2 = e2.add(xw.mul(k2));
            a3 = a3.add(xv.mul(k3));
            e3 = e3.add(xw.mul(k3));
        }
        a0.intoArray(c0, j);
        a1.intoArray(c1, j);
        a2.intoArray(c2, j);
        a3.intoArray(c3, j);
        e0.intoArray(c0, j1);
        e1.intoArray(c1, j1);
        e2.intoArray(c2, j1);
        e3.intoArray(c3, j1);
    }

    /** One block of 4 rows x 1 vector of {@link #combine4}. */
    private static void block4(float[] c0, float[] c1, float[] c2, float[] c3, float[] coef, int[] rows, int count,
                               RowMatrix x, int j) {
        FloatVector a0 = FloatVector.fromArray(W, c0, j);
        FloatVector a1 = FloatVector.fromArray(W, c1, j);
        FloatVector a2 = FloatVector.fromArray(W, c2, j);
        FloatVector a3 = FloatVector.fromArray(W, c3, j);
        for (int i = 0; i < count; i++) {
            final FloatVector xv = FloatVector.fromArray(W, x.row(rows[i]), j);
            a0 = a0.add(xv.mul(coef[4 * i]));
            a1 = a1.add(xv.mul(coef[4 * i + 1]));
            a2 = a2.add(xv.mul(coef[4 * i + 2]));
            a3 = a3.add(xv.mul(coef[4 * i + 3]));
        }
        a0.intoArray(c0, j);
        a1.intoArray(c1, j);
        a2.intoArray(c2, j);
        a3.intoArray(c3, j);
    }

    /** {@link #combine4} for one output row: {@code c[j] = c[j] + sum_i coef[i] * x.row(rows[i])[j]}. */
    static void combine1(float[] c, float[] coef, int[] rows, int count, RowMatrix x, int from, int to) {
        int j = from;
        for (; j + WL <= to; j += WL) {
            FloatVector a = FloatVector.fromArray(W, c, j);
            for (int i = 0; i < count; i++) {
                a = a.add(FloatVector.fromArray(W, x.row(rows[i]), j).mul(coef[i]));
            }
            a.intoArray(c, j);
        }
        for (; j < to; j++) {
            float y = c[j];
            for (int i = 0; i < count; i++) {
                y = y + coef[i] * x.row(rows[i])[j];
            }
            c[j] = y;
        }
    }
}
