package dev.alignstream.rnn;

import dev.alignstream.core.RuleName;

/** {@link RnnRuleContract} for {@code readout}. */
class ReadoutRnnRuleTest extends RnnRuleContract {

    @Override
    RuleName rule() {
        return RuleName.READOUT;
    }
}
