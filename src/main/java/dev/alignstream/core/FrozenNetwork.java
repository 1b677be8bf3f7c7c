package dev.alignstream.core;

import org.ejml.data.FMatrixRMaj;

/**
 * The frozen copy {@code theta0} of a model's initial parameters, plus the fixed random feedback
 * matrices of {@code fa} and {@code dfa}. Never modified after construction, so models that share
 * seed and sizes can share one instance (see {@link Initializer#frozen}).
 *
 * <p>Feedback matrices are stored in the layout {@link Kernels#backward} consumes (row {@code j}
 * dotted with the signal gives neuron {@code j}'s input): for {@code fa}, {@code B^l}
 * ({@code l = 2..L}) transposed like the weights ({@code n_{l-1} x n_l}); for {@code dfa},
 * {@code D^l} ({@code l = 1..L-1}) as it is ({@code n_l x n_L}). Entries a rule does not use are null.
 */
public final class FrozenNetwork {

    private final Parameters initial;
    private final FMatrixRMaj[] feedbackT;

    public FrozenNetwork(Parameters initial, FMatrixRMaj[] feedbackT) {
        this.initial = initial;
        this.feedbackT = feedbackT;
    }

    /** The initial parameters. Callers must not modify them. */
    public Parameters initial() {
        return initial;
    }

    /** Feedback matrix of layer {@code l} (1-based) in kernel layout, or null. Callers must not modify it. */
    public FMatrixRMaj feedback(int l) {
        return l >= 1 && l <= feedbackT.length ? feedbackT[l - 1] : null;
    }

    public int depth() {
        return initial.depth();
    }
}
