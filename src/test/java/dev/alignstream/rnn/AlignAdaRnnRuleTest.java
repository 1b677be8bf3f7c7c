package dev.alignstream.rnn;

import dev.alignstream.core.RuleName;

/** {@link RnnRuleContract} for {@code align-ada}. */
class AlignAdaRnnRuleTest extends RnnRuleContract {

    @Override
    RuleName rule() {
        return RuleName.ALIGN_ADA;
    }
}
