package dev.alignstream.core;

/**
 * A learning rule of SPEC section 2, reduced to what distinguishes one rule from another: which
 * layers learn, what backward signal each gets and which input activity it is correlated with.
 * Everything they share — the forward passes, the live error {@code e = f - t}, the
 * outer-product update, the divergence guard — is done once by {@link Learner}.
 *
 * <p>Implementations live in {@code dev.alignstream.rules}; they are stateless and may be shared.
 */
public interface LearningRule {

    RuleName name();

    /** Whether {@link #backward} reads the frozen forward pass ({@code h0, a0}). */
    boolean usesFrozenPass();

    /** The lowest weight layer that learns ({@code 1} for all, {@code L} for read-out only). */
    default int firstLearningLayer(int depth) {
        return 1;
    }

    /**
     * Fills {@code ws.signal(l)} for every learning layer below the output; {@code ws.signal(L)}
     * already holds the live error and the live (and, if requested, frozen) passes are done.
     */
    void backward(Workspace ws, Parameters live, FrozenNetwork frozen, Activation phi);

    /** The input activity layer {@code l}'s update correlates with: live {@code a^{l-1}} or frozen {@code a0^{l-1}}. */
    default RowMatrix updateInput(Workspace ws, int l) {
        return ws.a(l - 1);
    }
}
