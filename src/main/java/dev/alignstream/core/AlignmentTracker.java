package dev.alignstream.core;

import java.util.Random;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_FDRM;

/**
 * Tracks the paper's input-weight alignment (SPEC section 5). For each weight layer it
 * accumulates {@code P = sum g^l a0^{l-1 T} / sqrt(n_{l-1})}, the weight change the NTK theory
 * predicts (align-zero signal, frozen inputs, live error), stored transposed like the weights.
 * The score compares the Gram matrices of the actual change {@code dW = W - W0} and of {@code P};
 * it is computed on demand because it costs a matrix-matrix product per layer.
 */
public final class AlignmentTracker {

    private final RowMatrix[] predictedT;

    public AlignmentTracker(int[] layers) {
        predictedT = new RowMatrix[layers.length - 1];
        for (int l = 1; l < layers.length; l++) {
            predictedT[l - 1] = new RowMatrix(layers[l - 1], layers[l]);
        }
    }

    /** Bytes of the accumulators {@code P^l}. */
    public long bytes() {
        long b = 0;
        for (RowMatrix p : predictedT) {
            b += p.bytes();
        }
        return b;
    }

    public int depth() {
        return predictedT.length;
    }

    /** {@code P^l} transposed ({@code n_{l-1} x n_l}); live, used for serialization. */
    public RowMatrix predictedT(int l) {
        return predictedT[l - 1];
    }

    /** Adds the batch in the workspace: {@code P^l += sum_b signal_b a0_b^T / sqrt(n_{l-1})}. */
    void accumulate(Workspace ws, RowMatrix[] signals) {
        for (int l = 1; l <= predictedT.length; l++) {
            accumulateLayer(l, ws.a0(l - 1), signals[l]);
        }
    }

    /** {@code P^l += scale * sum_b signal_b a0_b^T} for one layer. */
    void accumulateLayer(int l, RowMatrix a0, RowMatrix signal) {
        Kernels.addOuter(predictedT[l - 1], scale(l, this), a0, signal);
    }

    /**
     * The factor {@code 1 / sqrt(n_{l-1})} of layer {@code l}'s accumulation; the learner uses the
     * same factor when it updates {@code P} in the weight update's sweep
     * ({@link Kernels#addOuterPair}), so both paths give the same bits.
     */
    static float scale(int l, AlignmentTracker t) {
        return Kernels.invSqrt(t.predictedT[l - 1].numRows());
    }

    /** The alignment score of layer {@code l} in [0, 1], or NaN before anything was learned. */
    public double score(int l, Parameters live, Parameters initial) {
        FMatrixRMaj dT = change(l, live, initial);
        return score(dT, predictedT[l - 1].toEjml());
    }

    /**
     * The same score with the entries of {@code dW} randomly permuted (fixed seed): the value
     * an unstructured change of the same magnitudes would get.
     */
    public double baselineScore(int l, Parameters live, Parameters initial, long seed) {
        FMatrixRMaj dT = change(l, live, initial);
        float[] d = dT.data;
        Random rnd = new Random(seed);
        for (int i = dT.getNumElements() - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            float t = d[i];
            d[i] = d[j];
            d[j] = t;
        }
        return score(dT, predictedT[l - 1].toEjml());
    }

    /** Frobenius norm of {@code W^l - W0^l}. */
    public static double changeNorm(int l, Parameters live, Parameters initial) {
        RowMatrix w = live.weightT(l);
        RowMatrix w0 = initial.weightT(l);
        double s = 0;
        for (int r = 0; r < w.numRows(); r++) {
            float[] a = w.row(r);
            float[] b = w0.row(r);
            for (int c = 0; c < a.length; c++) {
                double d = (double) a[c] - b[c];
                s += d * d;
            }
        }
        return Math.sqrt(s);
    }

    private static FMatrixRMaj change(int l, Parameters live, Parameters initial) {
        FMatrixRMaj d = live.weightT(l).toEjml();
        CommonOps_FDRM.subtractEquals(d, initial.weightT(l).toEjml());
        return d;
    }

    /**
     * {@code <dW^T dW, P^T P>_F / (||dW^T dW||_F ||P^T P||_F)} with {@code dT = dW^T} and
     * {@code pT = P^T} ({@code n_in x n_out}); Gram matrices are formed on the smaller side.
     */
    static double score(FMatrixRMaj dT, FMatrixRMaj pT) {
        int nIn = dT.numRows;
        int nOut = dT.numCols;
        double numerator;
        double dNorm;
        double pNorm;
        if (nOut <= nIn) {
            // dW P^T and the n_out x n_out Grams dW dW^T, P P^T
            numerator = squaredNorm(gram(dT, pT, true));
            dNorm = Math.sqrt(squaredNorm(gram(dT, dT, true)));
            pNorm = Math.sqrt(squaredNorm(gram(pT, pT, true)));
        } else {
            FMatrixRMaj dd = gram(dT, dT, false);
            FMatrixRMaj pp = gram(pT, pT, false);
            numerator = dotF(dd, pp);
            dNorm = Math.sqrt(squaredNorm(dd));
            pNorm = Math.sqrt(squaredNorm(pp));
        }
        if (dNorm == 0 || pNorm == 0) {
            return Double.NaN;
        }
        return numerator / (dNorm * pNorm);
    }

    /** {@code x^T y} ({@code n_out x n_out}) when {@code outSide}, else {@code x y^T} ({@code n_in x n_in}). */
    private static FMatrixRMaj gram(FMatrixRMaj x, FMatrixRMaj y, boolean outSide) {
        FMatrixRMaj out;
        if (outSide) {
            out = new FMatrixRMaj(x.numCols, y.numCols);
            CommonOps_FDRM.multTransA(x, y, out);
        } else {
            out = new FMatrixRMaj(x.numRows, y.numRows);
            CommonOps_FDRM.multTransB(x, y, out);
        }
        return out;
    }

    private static double squaredNorm(FMatrixRMaj m) {
        return dotF(m, m);
    }

    private static double dotF(FMatrixRMaj a, FMatrixRMaj b) {
        double s = 0;
        int n = a.getNumElements();
        for (int i = 0; i < n; i++) {
            s += (double) a.data[i] * b.data[i];
        }
        return s;
    }
}
