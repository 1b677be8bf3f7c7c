package dev.alignstream.core;

/**
 * The weight part of a batch-1 learning step, held back until the rows it changes are next read:
 * {@code WT^l[k] += c_k g^l} for every row {@code k} whose coefficient {@code c_k = alpha_l u_k} is
 * nonzero — {@link Kernels#addOuter}'s batch-1 update, term for term.
 *
 * <p>Why: at batch 1 a step's update sweeps the weight rows of its nonzero inputs (read and
 * write), and the next sample's forward pass sweeps them again (read). A weight-sized matrix does
 * not stay in L1/L2 between the two, so every such row came from the shared cache or memory twice.
 * Deferred, the update of a row is applied by the next forward pass right before that pass reads
 * the row ({@link Kernels#affineApplying}), so the row comes from far away once.
 *
 * <p>Exactness: every entry receives the same single operation {@code w + c_k * g_j} (separate
 * multiply and add, as in {@link Kernels#addOuter}) exactly once, before anything reads it, so the
 * weights have the same bits as when the update is applied at the end of its step.
 *
 * <p>Contract:
 * <ul>
 *   <li>At most one update per layer is pending; {@link #record} MUST only be called for a layer
 *       whose previous update has been applied.</li>
 *   <li>Everything that reads the live weights other than the learner's live forward pass MUST
 *       call {@link #applyAll} first; {@link Model#live()} does, so only code that takes the
 *       parameters from {@link Model#liveWithPendingUpdate()} sees them without it.</li>
 * </ul>
 * Not thread-safe: applying changes the weights, so it runs where the model is updated.
 */
final class DeferredUpdate {

    private final float[][] coef;
    private final int[][] rows;
    private final int[] count;
    private final float[][] signal;
    private final boolean[] pending;

    /** Room for one update of each weight layer of a network with these layer widths. */
    DeferredUpdate(int[] layers) {
        int depth = layers.length - 1;
        coef = new float[depth + 1][];
        rows = new int[depth + 1][];
        count = new int[depth + 1];
        signal = new float[depth + 1][];
        pending = new boolean[depth + 1];
        for (int l = 1; l <= depth; l++) {
            coef[l] = new float[layers[l - 1]];
            rows[l] = new int[layers[l - 1]];
            signal[l] = new float[layers[l]];
        }
    }

    /** Bytes of the held update buffers. */
    long bytes() {
        long b = 0;
        for (int l = 1; l < coef.length; l++) {
            b += 4L * coef[l].length + 4L * rows[l].length + 4L * signal[l].length;
        }
        return b;
    }

    /**
     * Holds back {@code WT^l += alpha * u g^T} (one input row {@code u}, one signal row {@code g}):
     * the coefficients {@code alpha * u[k]} are computed now, exactly as {@link Kernels#addOuter}
     * computes them, and the zero ones dropped, as it skips them.
     *
     * @param u input of layer {@code l}, {@code n_{l-1}} values. Not modified (copied).
     * @param g signal of layer {@code l}, {@code n_l} values. Not modified (copied).
     */
    void record(int l, float alpha, float[] u, float[] g) {
        if (pending[l]) {
            throw new IllegalStateException("layer " + l + " already has a pending update");
        }
        final float[] c = coef[l];
        final int[] r = rows[l];
        final int n = c.length;
        int k2 = 0;
        for (int k = 0; k < n; k++) {
            final float ck = alpha * u[k];
            if (ck != 0f) {
                c[k2] = ck;
                r[k2++] = k;
            }
        }
        count[l] = k2;
        System.arraycopy(g, 0, signal[l], 0, signal[l].length);
        pending[l] = true;
    }

    boolean pending(int l) {
        return pending[l];
    }

    /** The pending rows of layer {@code l}, ascending; valid while {@link #pending(int)}. */
    int[] rows(int l) {
        return rows[l];
    }

    float[] coefficients(int l) {
        return coef[l];
    }

    int count(int l) {
        return count[l];
    }

    float[] signal(int l) {
        return signal[l];
    }

    /** Marks layer {@code l}'s update as applied (by a forward pass that applied it row by row). */
    void applied(int l) {
        pending[l] = false;
    }

    /** Applies every pending update to {@code live} (the model's live parameters). */
    void applyAll(Parameters live) {
        for (int l = 1; l < pending.length; l++) {
            if (pending[l]) {
                RowMatrix wt = live.weightT(l);
                Kernels.addRows(wt, rows[l], coef[l], count[l], signal[l]);
                pending[l] = false;
            }
        }
    }
}
