package dev.alignstream.core;

import java.util.Random;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_FDRM;

/**
 * Tracks the paper's input-weight alignment (SPEC section 5). For each weight layer it
 * accumulates {@code P = sum g^l a0^{l-1 T} / sqrt(n_{l-1})}, the weight change the theory
 * predicts (align-zero signal, frozen inputs, live error), stored transposed like the weights.
 * The score compares the Gram matrices of the actual change {@code dW = W - W0} and of {@code P};
 * it is computed on demand because it costs a matrix-matrix product per layer.
 *
 * <p>Accumulation is deferred: {@link #accumulate} only copies each sample's frozen inputs and
 * signals into a small buffer ({@link #DEFERRED_ROWS} samples), and the buffered outer products
 * are added to {@code P} when it is full or when anyone reads {@code P} ({@link #predictedT},
 * the scores). {@code P} is weight-sized, so adding one sample at a time streams it through
 * memory once per sample; adding {@code 64} at once streams it once per 64 samples while the
 * buffered rows stay in cache (64 rows of a 1024-wide layer's signals are 256 KiB; in an in-JVM
 * A/B of two 784-1024-1024-10 align-ada models, 64 ran 4-9% faster than 32 at batch 1 and 32,
 * and 128 no faster than 32). The result has exactly the bits of the per-sample accumulation
 * ({@link Kernels#addOuterGathered} adds the samples to each entry one by one, oldest first),
 * whenever the buffer happens to be emptied, so the score is the exact one of SPEC section 5 and
 * a model's bytes do not depend on when it was saved.
 *
 * <p>Not thread-safe: reading {@code P} may update it, so readers hold the model as for any other
 * read of its state.
 */
public final class AlignmentTracker {

    /** Samples whose outer products may wait in the buffer (at least the batch size). */
    static final int DEFERRED_ROWS = 64;

    private final RowMatrix[] predictedT;
    /** Per layer {@code l} at {@code l-1}: the buffered samples' {@code a0^{l-1}} rows, oldest first; null until first used. */
    private RowMatrix[] deferredInput;
    /** Per layer {@code l} at {@code l-1}: the buffered samples' signals {@code g^l}. */
    private RowMatrix[] deferredSignal;
    private float[] coef;
    private int[] gathered;
    private int deferred;

    public AlignmentTracker(int[] layers) {
        predictedT = new RowMatrix[layers.length - 1];
        for (int l = 1; l < layers.length; l++) {
            predictedT[l - 1] = new RowMatrix(layers[l - 1], layers[l]);
        }
    }

    /** The buffer's capacity in samples for a learner of this batch size. */
    static int deferredCapacity(int batchSize) {
        return Math.max(DEFERRED_ROWS, batchSize);
    }

    /** Bytes of the accumulators {@code P^l} and, once allocated, of the deferral buffer. */
    public long bytes() {
        long b = 0;
        for (RowMatrix p : predictedT) {
            b += p.bytes();
        }
        if (deferredInput != null) {
            for (int l = 0; l < predictedT.length; l++) {
                b += deferredInput[l].bytes() + deferredSignal[l].bytes();
            }
            b += 4L * coef.length + 4L * gathered.length;
        }
        return b;
    }

    public int depth() {
        return predictedT.length;
    }

    /** {@code P^l} transposed ({@code n_{l-1} x n_l}), complete (the buffer is added first); live, used for serialization. */
    public RowMatrix predictedT(int l) {
        flush();
        return predictedT[l - 1];
    }

    /**
     * Adds the batch in the workspace, {@code P^l += sum_b signal_b a0_b^T / sqrt(n_{l-1})} for
     * every layer, by copying its rows into the buffer (emptied into {@code P} when full).
     */
    void accumulate(Workspace ws, RowMatrix[] signals) {
        final int n = ws.rows();
        if (deferredInput == null) {
            allocateBuffer(deferredCapacity(ws.maxBatch()));
        }
        if (deferred + n > gathered.length) {
            flush();
        }
        for (int l = 1; l <= predictedT.length; l++) {
            RowMatrix in = ws.a0(l - 1);
            RowMatrix sig = signals[l];
            RowMatrix bufIn = deferredInput[l - 1];
            RowMatrix bufSig = deferredSignal[l - 1];
            for (int b = 0; b < n; b++) {
                System.arraycopy(in.row(b), 0, bufIn.row(deferred + b), 0, bufIn.numCols());
                System.arraycopy(sig.row(b), 0, bufSig.row(deferred + b), 0, bufSig.numCols());
            }
        }
        deferred += n;
        if (deferred == gathered.length) {
            flush();
        }
    }

    private void allocateBuffer(int capacity) {
        int depth = predictedT.length;
        deferredInput = new RowMatrix[depth];
        deferredSignal = new RowMatrix[depth];
        for (int l = 0; l < depth; l++) {
            deferredInput[l] = new RowMatrix(capacity, predictedT[l].numRows());
            deferredSignal[l] = new RowMatrix(capacity, predictedT[l].numCols());
        }
        coef = new float[Math.max(4 * capacity, Kernels.NARROW_STAGING)];
        gathered = new int[capacity];
    }

    /** Adds the buffered samples' outer products to {@code P}, oldest first, and empties the buffer. */
    void flush() {
        if (deferred == 0) {
            return;
        }
        for (int l = 1; l <= predictedT.length; l++) {
            RowMatrix in = deferredInput[l - 1];
            RowMatrix sig = deferredSignal[l - 1];
            in.setActiveRows(deferred);
            sig.setActiveRows(deferred);
            Kernels.addOuterGathered(predictedT[l - 1], scale(l), in, sig, coef, gathered);
        }
        deferred = 0;
    }

    /** The factor {@code 1 / sqrt(n_{l-1})} of layer {@code l}'s accumulation. */
    private float scale(int l) {
        return Kernels.invSqrt(predictedT[l - 1].numRows());
    }

    /** The alignment score of layer {@code l} in [0, 1], or NaN before anything was learned. */
    public double score(int l, Parameters live, Parameters initial) {
        FMatrixRMaj dT = change(l, live, initial);
        return score(dT, predictedT(l).toEjml());
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
        return score(dT, predictedT(l).toEjml());
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
