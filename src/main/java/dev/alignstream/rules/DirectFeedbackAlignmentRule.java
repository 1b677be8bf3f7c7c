package dev.alignstream.rules;

import dev.alignstream.core.Activation;
import dev.alignstream.core.FrozenNetwork;
import dev.alignstream.core.LearningRule;
import dev.alignstream.core.Parameters;
import dev.alignstream.core.RuleName;
import dev.alignstream.core.Workspace;

/**
 * Direct feedback alignment ({@code dfa}): every hidden layer hears the output error directly
 * through its own fixed random matrix, {@code g^l = phi'(h^l) * (D^l e) / sqrt(n_L)}; no signal
 * passes between hidden layers, so all layers could update in parallel.
 */
public final class DirectFeedbackAlignmentRule implements LearningRule {

    @Override
    public RuleName name() {
        return RuleName.DFA;
    }

    @Override
    public boolean usesFrozenPass() {
        return false;
    }

    @Override
    public void backward(Workspace ws, Parameters live, FrozenNetwork frozen, Activation phi) {
        int depth = live.depth();
        int outputWidth = ws.signal(depth).numCols();
        for (int l = depth - 1; l >= 1; l--) {
            ws.propagate(frozen.feedbackBackward(l), ws.signal(depth), ws.h(l), phi, ws.signal(l), outputWidth);
        }
    }
}
