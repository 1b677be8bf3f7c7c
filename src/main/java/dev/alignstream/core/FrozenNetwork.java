package dev.alignstream.core;

/**
 * The frozen copy {@code theta0} of a model's initial parameters, plus the fixed random feedback
 * matrices of {@code fa} and {@code dfa}. Never modified after construction, so models that share
 * seed and sizes share one instance (see {@link Initializer#frozen}).
 *
 * <p>Every matrix is held once. The frozen weights keep the transposed layout of
 * {@link Parameters}, which both the frozen forward pass and the Align rules' backward pass read
 * ({@link Workspace#frozenBackward}); keeping a second, untransposed copy for the backward pass
 * would add a weight-sized matrix to the working set of every Align model. The feedback matrices
 * are only ever read backward, so they are held once in the layout that use wants (one row per
 * upper neuron, {@link Kernels#propagate}): {@code B^{l+1}} (fa) or {@code D^{l T}} (dfa).
 */
public final class FrozenNetwork {

    private final Parameters initial;
    private final RowMatrix[] feedbackBackward;
    private final RuleName feedbackKind;

    /**
     * @param initial      the initial parameters (the frozen copy)
     * @param feedbackKind {@code FA}, {@code DFA} or null
     * @param feedback     for fa, {@code B^l} row-major ({@code n_l x n_{l-1}}) at index {@code l-1} for
     *                     {@code l = 2..L}; for dfa, {@code D^l} row-major ({@code n_l x n_L}) at
     *                     {@code l-1} for {@code l = 1..L-1}; other entries null
     */
    public FrozenNetwork(Parameters initial, RuleName feedbackKind, float[][] feedback) {
        this.initial = initial;
        this.feedbackKind = feedbackKind;
        int[] n = initial.layers();
        int depth = initial.depth();
        feedbackBackward = new RowMatrix[depth + 1];
        for (int l = 1; l < depth; l++) {
            if (feedbackKind == RuleName.FA) {
                feedbackBackward[l] = RowMatrix.fromRowMajor(feedback[l], n[l + 1], n[l]);
            } else if (feedbackKind == RuleName.DFA) {
                feedbackBackward[l] = RowMatrix.transposeOf(feedback[l - 1], n[l], n[depth]);
            }
        }
    }

    /** The initial parameters. Callers must not modify them. */
    public Parameters initial() {
        return initial;
    }

    /** The feedback matrix carrying the signal to layer {@code l} ({@code l = 1..L-1}), or null. */
    public RowMatrix feedbackBackward(int l) {
        return feedbackBackward[l];
    }

    /** fa or dfa when this network carries feedback matrices, else null. */
    public RuleName feedbackKind() {
        return feedbackKind;
    }

    /**
     * The feedback tensor of SPEC section 6 for weight layer {@code l}, row-major: fa's
     * {@code B^l} ({@code n_l x n_{l-1}}, {@code l >= 2}), dfa's {@code D^l} ({@code n_l x n_L},
     * {@code l <= L-1}); null where the rule has none.
     */
    public float[] feedbackTensor(int l) {
        int depth = initial.depth();
        if (feedbackKind == RuleName.FA && l >= 2 && l <= depth) {
            return feedbackBackward[l - 1].toRowMajor();
        }
        if (feedbackKind == RuleName.DFA && l >= 1 && l < depth) {
            return feedbackBackward[l].toTransposedRowMajor();
        }
        return null;
    }

    /**
     * Bytes of float data held: the initial weights and biases plus any feedback matrices. Models
     * with equal seed and sizes share one instance, so several such models hold this only once.
     */
    public long bytes() {
        long b = 0;
        for (int l = 1; l <= initial.depth(); l++) {
            b += initial.weightT(l).bytes() + 4L * initial.bias(l).length;
            if (feedbackBackward[l - 1] != null) {
                b += feedbackBackward[l - 1].bytes();
            }
        }
        if (feedbackBackward[initial.depth()] != null) {
            b += feedbackBackward[initial.depth()].bytes();
        }
        return b;
    }

    public int depth() {
        return initial.depth();
    }
}
