package dev.alignstream.rules;

import dev.alignstream.core.Activation;
import dev.alignstream.core.FrozenNetwork;
import dev.alignstream.core.LearningRule;
import dev.alignstream.core.Parameters;
import dev.alignstream.core.RuleName;
import dev.alignstream.core.Workspace;

/**
 * Read-out only: the hidden layers keep their random initial weights and only the last layer
 * learns, with its exact gradient. The lower bound every other rule must beat.
 */
public final class ReadoutRule implements LearningRule {

    @Override
    public RuleName name() {
        return RuleName.READOUT;
    }

    @Override
    public boolean usesFrozenPass() {
        return false;
    }

    @Override
    public int firstLearningLayer(int depth) {
        return depth;
    }

    @Override
    public void backward(Workspace ws, Parameters live, FrozenNetwork frozen, Activation phi) {
        // nothing travels backward: the output layer's signal is the live error itself
    }
}
