package dev.alignstream.core;

/**
 * A batch-1 weight update that {@link Learner} has computed but not yet written into the live
 * parameters, so that the next forward pass can apply it row by row as it reads the weights
 * ({@link Kernels#addOuterThenCombine}): the update and the next sample's forward product then
 * read each weight matrix once instead of twice.
 *
 * <p>What MUST hold: the update is the one {@code Learner} would have applied at once (every
 * layer {@code l >= first}: {@code WT^l += alpha_l u^l g^l^T}, {@code b^l += biasAlpha g^l}), it
 * is applied exactly once and before anything reads the parameters: {@link Model#live()} applies
 * it ({@link #applyTo}) for every reader other than the learner's own fused forward pass. The
 * inputs and signals it refers to are workspace buffers the learner does not write again until
 * the update is applied. Bits are those of the immediate update, whichever way it is applied.
 */
final class DeferredUpdate {

    /** The workspace whose buffers hold the inputs and signals, i.e. the learner that made it. */
    private final Workspace owner;
    private final RowMatrix[] input;
    private final RowMatrix[] signal;
    private final float[] alpha;
    private float biasAlpha;
    private int first;

    DeferredUpdate(Workspace owner, int depth) {
        this.owner = owner;
        this.input = new RowMatrix[depth + 1];
        this.signal = new RowMatrix[depth + 1];
        this.alpha = new float[depth + 1];
    }

    /** Records layer {@code l}'s part: input {@code u}, signal {@code g}, step factor {@code alpha}. */
    void set(int l, RowMatrix u, RowMatrix g, float alpha) {
        input[l] = u;
        signal[l] = g;
        this.alpha[l] = alpha;
    }

    /** The lowest layer the update touches and the bias step factor shared by its layers. */
    void range(int first, float biasAlpha) {
        this.first = first;
        this.biasAlpha = biasAlpha;
    }

    Workspace owner() {
        return owner;
    }

    /** Whether layer {@code l}'s weights and bias change. */
    boolean touches(int l) {
        return l >= first;
    }

    RowMatrix input(int l) {
        return input[l];
    }

    RowMatrix signal(int l) {
        return signal[l];
    }

    float alpha(int l) {
        return alpha[l];
    }

    float biasAlpha() {
        return biasAlpha;
    }

    /** Applies the whole update, layer by layer in ascending order, as the immediate update does. */
    void applyTo(Parameters live) {
        for (int l = first; l <= live.depth(); l++) {
            Kernels.addOuter(live.weightT(l), alpha[l], input[l], signal[l]);
            Kernels.addColumnSums(live.bias(l), biasAlpha, signal[l]);
        }
    }
}
