package dev.alignstream.rules;

import dev.alignstream.core.Activation;
import dev.alignstream.core.FrozenNetwork;
import dev.alignstream.core.LearningRule;
import dev.alignstream.core.Parameters;
import dev.alignstream.core.RuleName;
import dev.alignstream.core.Workspace;

/**
 * Backpropagation: the error travels back through the <em>live</em> weights and is gated by the
 * live derivatives, {@code g^l = phi'(h^l) * (W^{l+1 T} g^{l+1}) / sqrt(n_l)}. The reference the
 * Align rules are measured against, and the only rule that reads live weights going backward.
 */
public final class BpRule implements LearningRule {

    @Override
    public RuleName name() {
        return RuleName.BP;
    }

    @Override
    public boolean usesFrozenPass() {
        return false;
    }

    @Override
    public void backward(Workspace ws, Parameters live, FrozenNetwork frozen, Activation phi) {
        for (int l = live.depth() - 1; l >= 1; l--) {
            ws.backpropTransposed(live.weightT(l + 1), ws.signal(l + 1), ws.h(l), phi, ws.signal(l));
        }
    }
}
