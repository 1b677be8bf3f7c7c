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
 * <p>The species is fixed to 256 bits (eight float lanes), never {@code SPECIES_PREFERRED}: lane
 * {@code i} holds the sum of {@link Kernels#dot8}'s {@code s_i}, so the result is the same on a
 * machine with 128-, 256- or 512-bit registers. Products and sums are separate {@code mul} and
 * {@code add} (no {@code fma}, which rounds once instead of twice), and the lanes are combined by
 * hand in {@code dot8}'s order, never by {@code reduceLanes}, whose order is unspecified.
 */
final class VectorKernels {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;

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
}
