package dev.alignstream.rules;

import dev.alignstream.core.Activation;
import dev.alignstream.core.FrozenNetwork;
import dev.alignstream.core.LearningRule;
import dev.alignstream.core.Parameters;
import dev.alignstream.core.RuleName;
import dev.alignstream.core.Workspace;
import dev.alignstream.core.RowMatrix;

/**
 * Align-zero: the live error is carried back entirely inside the frozen initial network (its
 * weights and its derivatives) and correlated with the frozen network's inputs {@code a0}. Every
 * update is therefore exactly the "error-weighted input correlation" of the paper, so the
 * alignment score of SPEC section 5 is 1 by construction.
 */
public final class AlignZeroRule implements LearningRule {

    @Override
    public RuleName name() {
        return RuleName.ALIGN_ZERO;
    }

    @Override
    public boolean usesFrozenPass() {
        return true;
    }

    @Override
    public void backward(Workspace ws, Parameters live, FrozenNetwork frozen, Activation phi) {
        ws.frozenBackward(frozen, phi, false);
    }

    @Override
    public RowMatrix updateInput(Workspace ws, int l) {
        return ws.a0(l - 1);
    }
}
