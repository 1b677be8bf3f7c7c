package dev.alignstream.rnn;

/**
 * The heap one RNN model will hold once built and learning its longest admissible sequence,
 * computed from its config alone so the service can refuse a model before allocating any of it
 * (the RNN counterpart of {@link dev.alignstream.core.ModelFootprint}; same size conventions:
 * a {@code float[n]} is {@code 16 + 4n} bytes, a {@code RowMatrix} of {@code r x c} is
 * {@code 16 + 8r} bytes plus {@code r} float rows). With {@code P} one {@link RnnParameters}
 * ({@code W_ih^T, W_hh^T, W_ho^T, b_h, b_o}) and {@code T = max_steps}:
 * <ul>
 *   <li>{@code parameters}: live, frozen initial and the divergence guard's backup, {@code 3P};
 *       the frozen copy's row layouts of {@code W0_hh} and {@code W0_ho} ({@link RnnFrozen});</li>
 *   <li>{@code pending}: {@link RnnPendingBatch}'s gradient, and its prediction when tracked by a
 *       rule other than align-zero, {@code P} each;</li>
 *   <li>{@code alignment}: {@link RnnAlignmentTracker}'s accumulators (the three weights) when tracked;</li>
 *   <li>{@code trajectories}: {@link RnnWorkspace}'s per-step rows at {@code T} — {@code x} ({@code n_in}),
 *       eight of width {@code n}, {@code e} ({@code n_out}) — times 1.5, since the buffers grow by
 *       doubling and the old ones are live while the new ones fill; plus one sequence's outputs;</li>
 *   <li>{@code serialization}: three copies of the model file's tensor data (float copies, byte
 *       buffer, and the snapshot or HTTP copy of those bytes).</li>
 * </ul>
 * The trajectories dominate for long sequences: a model that needs less should declare a smaller
 * {@code max_steps}.
 */
public final class RnnFootprint {

    private RnnFootprint() {
    }

    static long array(long n) {
        return 16 + 4 * n;
    }

    static long matrix(long rows, long cols) {
        return 16 + 8 * rows + rows * array(cols);
    }

    /** Bytes the model holds at most (no allocation; long arithmetic). */
    public static long bytes(RnnConfig c) {
        long nIn = c.inputSize();
        long n = c.hidden();
        long nOut = c.outputSize();
        long t = c.maxSteps();
        long weights = matrix(nIn, n) + matrix(n, n) + matrix(n, nOut);
        long p = weights + array(n) + array(nOut);
        long parameters = 3 * p + matrix(n, n) + matrix(nOut, n);
        boolean track = c.base().trackAlignment();
        long pending = p + (track && c.rule() != dev.alignstream.core.RuleName.ALIGN_ZERO ? p : 0);
        long alignment = track ? weights : 0;
        long trajectories = (matrix(t, nIn) + 8 * matrix(t, n) + matrix(t, nOut)) * 3 / 2 + array(t * nOut);
        long fileFloats = 2 * (nIn * n + n * n + n * nOut + n + nOut) + (track ? nIn * n + n * n + n * nOut : 0);
        long serialization = 3 * 4 * fileFloats;
        return parameters + pending + alignment + trajectories + serialization;
    }
}
