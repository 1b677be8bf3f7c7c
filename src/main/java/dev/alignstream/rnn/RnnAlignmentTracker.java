package dev.alignstream.rnn;

import dev.alignstream.core.AlignmentTracker;
import dev.alignstream.core.Parameters;
import dev.alignstream.core.RowMatrix;

/**
 * The input-weight alignment of SPEC section 5 for each RNN weight matrix. For every matrix it
 * accumulates {@code P}, the weight change the NTK theory predicts: the {@code align-zero} update
 * direction, driven by the live errors {@code e_t} through the frozen network's BPTT signal
 * {@code c_t} and frozen states {@code s0_t}:
 * <pre>
 *   P_ih = sum_t c_t x_t^T / sqrt(n_in),   P_hh = sum_t c_t s0_{t-1}^T / sqrt(n),   P_ho = sum_t e_t s0_t^T / sqrt(n)
 * </pre>
 * summed over every sequence learned by an applied step. Each {@code P} is stored transposed, like
 * the weights, inside a one-layer {@link AlignmentTracker} whose score, baseline and change norm
 * are reused unchanged: the matrix is presented to it as the single layer {@code cols -> rows}.
 */
public final class RnnAlignmentTracker {

    private final AlignmentTracker[] trackers = new AlignmentTracker[RnnMatrix.values().length];
    private final RnnConfig config;

    public RnnAlignmentTracker(RnnConfig c) {
        this.config = c;
        for (RnnMatrix m : RnnMatrix.values()) {
            trackers[m.ordinal()] = new AlignmentTracker(new int[] {m.cols(c), m.rows(c)});
        }
    }

    /** {@code P^T} of matrix {@code m} (the weight's transposed shape); live, used to accumulate and serialize. */
    public RowMatrix predictedT(RnnMatrix m) {
        return trackers[m.ordinal()].predictedT(1);
    }

    /** The alignment score of matrix {@code m} in [0, 1]; NaN before it changed or before anything was learned. */
    public double score(RnnMatrix m, RnnParameters live, RnnParameters initial) {
        return trackers[m.ordinal()].score(1, asLayer(m, live), asLayer(m, initial));
    }

    /** The score with the entries of {@code dW} randomly permuted (fixed seed): the unstructured baseline. */
    public double baselineScore(RnnMatrix m, RnnParameters live, RnnParameters initial, long seed) {
        return trackers[m.ordinal()].baselineScore(1, asLayer(m, live), asLayer(m, initial), seed);
    }

    /** Frobenius norm of {@code W - W0} for matrix {@code m}. */
    public static double changeNorm(RnnMatrix m, RnnParameters live, RnnParameters initial) {
        RowMatrix a = live.weightT(m);
        RowMatrix b = initial.weightT(m);
        double s = 0;
        for (int r = 0; r < a.numRows(); r++) {
            float[] x = a.row(r);
            float[] y = b.row(r);
            for (int c = 0; c < x.length; c++) {
                double d = (double) x[c] - y[c];
                s += d * d;
            }
        }
        return Math.sqrt(s);
    }

    /** A copy of one matrix as a one-layer {@link Parameters} (off the hot path: scores are computed on demand). */
    private Parameters asLayer(RnnMatrix m, RnnParameters p) {
        Parameters layer = Parameters.zeros(new int[] {m.cols(config), m.rows(config)});
        layer.weightT(1).setTo(p.weightT(m));
        return layer;
    }
}
