package dev.alignstream.core;

/**
 * The heap one model will hold once built and learning, computed from its config alone so a
 * service can refuse a model before allocating any of it. Every term mirrors an allocation of the
 * class named beside it; when one of those classes changes what it allocates, this must change
 * with it ({@code ModelFootprintTest} checks both the terms and a measured allocation).
 *
 * <p>Sizes count a {@code float[n]} as {@code 16 + 4n} bytes (array header) and a
 * {@link RowMatrix} of {@code r x c} as {@code 16 + 8r} bytes for its row table plus {@code r}
 * float rows. With {@code n_l} the layer widths, {@code L} the depth and {@code B} the batch size:
 * <ul>
 *   <li>{@code live}, {@code frozen initial}, {@code guard}: one {@link Parameters} each —
 *       {@code WT^l} ({@code n_{l-1} x n_l}) and {@code b^l} for every layer; the guard is the
 *       divergence guard's backup copy ({@link Learner}), taken lazily but counted always;</li>
 *   <li>{@code feedback}: fa's {@code B^{l+1}} ({@code n_{l+1} x n_l}) or dfa's {@code D^{l T}}
 *       ({@code n_l x n_L}), {@code l = 1..L-1};</li>
 *   <li>{@code alignment}: {@link AlignmentTracker}'s {@code P^l} (as the weights) when tracked,
 *       and its deferral buffer: {@code D = max(64, B)} rows of {@code a0^{l-1}} and of
 *       {@code g^l} per layer, {@code 4 D} floats and {@code D} ints;</li>
 *   <li>{@code pending}: {@link PendingBatch}, {@code B x n_0} and {@code B x n_L};</li>
 *   <li>{@code workspace}: {@link Workspace} — {@code a^0}; per layer {@code h, h0, signal,
 *       alignSignal}, plus {@code a, a0} below the output; the target; the transpose scratch
 *       ({@code widest x B}); four lanes of {@code B}; {@code widest} ints and {@code widest} floats (the
 *       batch-1 backward pass's gathered neurons and their dot products); the vector kernels'
 *       gathered coefficients and their rows ({@link Kernels#vectorCoefScratch} floats,
 *       {@link Kernels#vectorRowsScratch} ints, none at {@code B = 1}) and, for {@code B > 1}, the
 *       batched backward pass's transposed result ({@code widest x B}; allocated only with the
 *       vector kernels, counted always); at {@code B = 1}, a second {@code a^0} and, per layer, a
 *       second {@code h} and {@code a} (one matrix at the output), which a
 *       {@link DeferredUpdate} keeps reading while the next sample's forward pass runs. The
 *       vector kernels' {@link AlignedPanel} belongs to the thread that steps the model, shared by
 *       all the models it steps, so no model counts it;</li>
 *   <li>{@code serialization}: three times the model file's tensor data ({@link
 *       dev.alignstream.io.ModelFile}'s float copies, the byte buffer, and the snapshot chunks
 *       or HTTP copy of those bytes), for the full export form, the larger of the two.</li>
 * </ul>
 * The frozen network's backward pass reads its weights in their one (transposed) layout, so it
 * holds no second copy. The frozen network is shared between models of equal seed and sizes but counted for each:
 * an estimate must hold whether or not a twin exists.
 */
public record ModelFootprint(long live, long frozenInitial, long feedback, long alignment,
                             long pending, long workspace, long guard, long serialization) {

    /** Bytes of a {@code float[n]} or {@code int[n]}. */
    static long array(long n) {
        return 16 + 4 * n;
    }

    /** Bytes of a {@link RowMatrix} of {@code rows x cols}. */
    static long matrix(long rows, long cols) {
        return 16 + 8 * rows + rows * array(cols);
    }

    /** The footprint of a model with this config (no allocation; long arithmetic, cannot overflow for valid configs). */
    public static ModelFootprint of(ModelConfig c) {
        int[] n = c.layers();
        int depth = c.depth();
        long b = c.batchSize();
        long params = 0;
        long weightsT = 0;
        long floats = 0;
        int widest = 0;
        for (int l = 1; l <= depth; l++) {
            params += matrix(n[l - 1], n[l]) + array(n[l]);
            weightsT += matrix(n[l - 1], n[l]);
            floats += (long) n[l - 1] * n[l] + n[l];
        }
        for (int w : n) {
            widest = Math.max(widest, w);
        }
        long feedback = 0;
        long feedbackFloats = 0;
        for (int l = 1; l < depth; l++) {
            if (c.rule() == RuleName.FA) {
                feedback += matrix(n[l + 1], n[l]);
                feedbackFloats += (long) n[l + 1] * n[l];
            } else if (c.rule() == RuleName.DFA) {
                feedback += matrix(n[l], n[depth]);
                feedbackFloats += (long) n[l] * n[depth];
            }
        }
        long alignment = 0;
        if (c.trackAlignment()) {
            long d = AlignmentTracker.deferredCapacity(c.batchSize());
            alignment = weightsT + array(4 * d) + array(d);
            for (int l = 1; l <= depth; l++) {
                alignment += matrix(d, n[l - 1]) + matrix(d, n[l]);
            }
        }
        long pending = matrix(b, n[0]) + matrix(b, n[depth]);
        long workspace = matrix(b, n[0]) + matrix(b, n[depth]) + matrix(widest, b) + 4 * array(b) + 2 * array(widest)
                + array(Kernels.vectorCoefScratch(c.batchSize())) + array(Kernels.vectorRowsScratch(c.batchSize()))
                + (b > 1 ? matrix(widest, b) : 0);
        for (int l = 1; l <= depth; l++) {
            workspace += (l < depth ? 6 : 4) * matrix(b, n[l]);
        }
        if (b == 1) {
            // the spare live activities a deferred update keeps reading (Workspace.swapLive)
            workspace += matrix(1, n[0]);
            for (int l = 1; l <= depth; l++) {
                workspace += (l < depth ? 2 : 1) * matrix(1, n[l]);
            }
        }
        long alignFloats = 0;
        if (c.trackAlignment()) {
            for (int l = 1; l <= depth; l++) {
                alignFloats += (long) n[l - 1] * n[l];
            }
        }
        long fileFloats = 2 * floats + feedbackFloats + alignFloats + b * (n[0] + n[depth]);
        long serialization = 3 * 4 * fileFloats;
        return new ModelFootprint(params, params, feedback, alignment, pending, workspace, params,
                serialization);
    }

    /** The whole footprint in bytes. */
    public long bytes() {
        return live + frozenInitial + feedback + alignment + pending + workspace + guard + serialization;
    }

    /** Shorthand for {@code of(c).bytes()}. */
    public static long bytes(ModelConfig c) {
        return of(c).bytes();
    }
}
