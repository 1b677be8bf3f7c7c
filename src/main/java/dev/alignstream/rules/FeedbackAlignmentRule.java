package dev.alignstream.rules;

import dev.alignstream.core.Activation;
import dev.alignstream.core.FrozenNetwork;
import dev.alignstream.core.LearningRule;
import dev.alignstream.core.Parameters;
import dev.alignstream.core.RuleName;
import dev.alignstream.core.Workspace;

/**
 * Feedback alignment ({@code fa}): like backprop, but the error travels back through fixed random
 * matrices {@code B^{l+1}} of the weights' shape instead of the weights themselves. A classic
 * backprop-free baseline the paper compares against.
 */
public final class FeedbackAlignmentRule implements LearningRule {

    @Override
    public RuleName name() {
        return RuleName.FA;
    }

    @Override
    public boolean usesFrozenPass() {
        return false;
    }

    @Override
    public void backward(Workspace ws, Parameters live, FrozenNetwork frozen, Activation phi) {
        for (int l = live.depth() - 1; l >= 1; l--) {
            ws.propagate(frozen.feedbackBackward(l), ws.signal(l + 1), ws.h(l), phi, ws.signal(l), ws.h(l).numCols());
        }
    }
}
