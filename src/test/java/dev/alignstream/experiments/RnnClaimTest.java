package dev.alignstream.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.alignstream.data.SequenceSample;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The recurrent claim's verdict and the mean predictor's loss on hand-made numbers. */
class RnnClaimTest {

    private static Results rows(double bp, double alignZero, double alignAda, double readout, double mean) {
        Results r = new Results();
        // a small width whose numbers must be ignored: the verdict reads the largest width only
        r.rnn().add(row("bp", 32, 1.0, mean));
        r.rnn().add(row("align-zero", 32, 9.0, mean));
        r.rnn().add(row("bp", 1024, bp, mean));
        r.rnn().add(row("align-zero", 1024, alignZero, mean));
        r.rnn().add(row("align-ada", 1024, alignAda, mean));
        r.rnn().add(row("readout", 1024, readout, mean));
        return r;
    }

    private static Results.RnnRow row(String rule, int width, double loss, double mean) {
        return new Results.RnnRow(rule, width, 5, 0.003f, loss, mean, new double[] {loss}, new double[] {loss}, 0,
                List.of());
    }

    @Test
    void verdictFollowsTheStatedCriterion() {
        assertEquals(ClaimChecks.Verdict.HOLDS, ClaimChecks.recurrent(rows(0.001, 0.0014, 0.0012, 0.003, 0.04)).verdict());
        // align-zero at 2x bp: beats the mean predictor but is not close to bp
        assertEquals(ClaimChecks.Verdict.PARTLY, ClaimChecks.recurrent(rows(0.001, 0.002, 0.0012, 0.003, 0.04)).verdict());
        // worse than readout: partly
        assertEquals(ClaimChecks.Verdict.PARTLY, ClaimChecks.recurrent(rows(0.001, 0.0014, 0.0012, 0.0013, 0.04)).verdict());
        // worse than always predicting the mean
        assertEquals(ClaimChecks.Verdict.DOES_NOT_HOLD,
                ClaimChecks.recurrent(rows(0.001, 0.05, 0.0012, 0.003, 0.04)).verdict());
        assertEquals(ClaimChecks.Verdict.NOT_RUN, ClaimChecks.recurrent(new Results()).verdict());
    }

    @Test
    void meanPredictorLossByHand() {
        // training targets 0, 1, 1, 0 -> mean 0.5; test targets (0, 1): each step 0.5 * 0.25, mean 0.125;
        // test targets (0.5, 0.5, 1): steps 0, 0, 0.125 -> mean 0.125 / 3; over the two sequences (0.125 + 0.125 / 3) / 2
        List<SequenceSample> train = List.of(seq(0, 1), seq(1, 0));
        List<SequenceSample> test = List.of(seq(0, 1), seq(0.5f, 0.5f, 1));
        assertEquals((0.125 + 0.125 / 3) / 2, RnnVsWidth.meanPredictorLoss(train, test), 1e-15);
    }

    private static SequenceSample seq(float... targets) {
        return new SequenceSample(null, targets.length, 1, new float[targets.length], 1, targets.clone());
    }
}
