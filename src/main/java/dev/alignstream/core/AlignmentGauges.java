package dev.alignstream.core;

/**
 * A model's alignment figures per layer (an MLP's weight matrices {@code W^1..W^L}) or per
 * weight matrix (an RNN's, in {@code RnnMatrix} order), indexed from 1: how far each moved from
 * its initial value, {@code ||W - W0||_F}, and, when alignment is tracked and something was
 * learned, the score of SPEC section 5 and its baseline. Computed from a model no other thread
 * touches (a copy), since the score reads every accumulator.
 *
 * @param changeNorm {@code ||W - W0||_F} per index; entry 0 unused
 * @param score      alignment score per index, NaN when not tracked or nothing learned yet
 * @param baseline   the score's baseline per index, NaN likewise
 */
public record AlignmentGauges(double[] changeNorm, double[] score, double[] baseline) {

    /** Gauges for {@code matrices} matrices, every figure NaN until set. */
    public static AlignmentGauges unknown(int matrices) {
        double[] c = new double[matrices + 1];
        double[] s = new double[matrices + 1];
        double[] b = new double[matrices + 1];
        java.util.Arrays.fill(c, Double.NaN);
        java.util.Arrays.fill(s, Double.NaN);
        java.util.Arrays.fill(b, Double.NaN);
        return new AlignmentGauges(c, s, b);
    }

    /** Number of matrices (the highest index). */
    public int matrices() {
        return changeNorm.length - 1;
    }
}
