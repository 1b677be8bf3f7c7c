package dev.alignstream.rules;

import dev.alignstream.core.LearningRule;
import dev.alignstream.core.RuleName;

/** Maps a rule name to its (stateless, shared) implementation. */
public final class Rules {

    private static final LearningRule BP = new BpRule();
    private static final LearningRule ALIGN_ZERO = new AlignZeroRule();
    private static final LearningRule ALIGN_ADA = new AlignAdaRule();
    private static final LearningRule FA = new FeedbackAlignmentRule();
    private static final LearningRule DFA = new DirectFeedbackAlignmentRule();
    private static final LearningRule READOUT = new ReadoutRule();

    private Rules() {
    }

    public static LearningRule of(RuleName name) {
        return switch (name) {
            case BP -> BP;
            case ALIGN_ZERO -> ALIGN_ZERO;
            case ALIGN_ADA -> ALIGN_ADA;
            case FA -> FA;
            case DFA -> DFA;
            case READOUT -> READOUT;
        };
    }
}
