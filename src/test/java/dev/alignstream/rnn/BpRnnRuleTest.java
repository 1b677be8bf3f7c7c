package dev.alignstream.rnn;

import dev.alignstream.core.RuleName;

/** {@link RnnRuleContract} for {@code bp}. */
class BpRnnRuleTest extends RnnRuleContract {

    @Override
    RuleName rule() {
        return RuleName.BP;
    }
}
