package dev.alignstream.rnn;

import dev.alignstream.core.RuleName;

/** {@link RnnRuleContract} for {@code align-zero}. */
class AlignZeroRnnRuleTest extends RnnRuleContract {

    @Override
    RuleName rule() {
        return RuleName.ALIGN_ZERO;
    }
}
