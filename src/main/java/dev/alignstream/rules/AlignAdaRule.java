package dev.alignstream.rules;

import dev.alignstream.core.Activation;
import dev.alignstream.core.FrozenNetwork;
import dev.alignstream.core.LearningRule;
import dev.alignstream.core.Parameters;
import dev.alignstream.core.RuleName;
import dev.alignstream.core.Workspace;

/**
 * Align-ada: the same frozen backward signal as align-zero, but each layer correlates it with its
 * <em>live</em> input {@code a^{l-1}}, so the rule adapts to how the representation has moved
 * while still never reading live weights backward. The last layer's signal is the live error and
 * its input is live, so it always receives its exact gradient.
 */
public final class AlignAdaRule implements LearningRule {

    @Override
    public RuleName name() {
        return RuleName.ALIGN_ADA;
    }

    @Override
    public boolean usesFrozenPass() {
        return true;
    }

    @Override
    public void backward(Workspace ws, Parameters live, FrozenNetwork frozen, Activation phi) {
        ws.frozenBackward(frozen, phi, false);
    }
}
