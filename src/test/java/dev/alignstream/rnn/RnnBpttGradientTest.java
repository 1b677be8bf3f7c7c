package dev.alignstream.rnn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.alignstream.core.Activation;
import dev.alignstream.core.RuleName;
import dev.alignstream.data.SequenceSample;
import org.junit.jupiter.api.Test;

/**
 * {@code bp} on an RNN is back-propagation through time: its update must be {@code -eta} times
 * the gradient of the sequence loss {@code sum_t 0.5 ||y_t - target_t||^2}, checked against
 * central finite differences of that loss computed in double precision by {@link ReferenceRnn}'s
 * forward pass (which shares no code with the learner).
 */
class RnnBpttGradientTest {

    @Test
    void bpUpdateIsMinusEtaTimesFiniteDifferenceGradientTanh() {
        check(Activation.TANH, 1.0f);
    }

    @Test
    void bpUpdateIsMinusEtaTimesFiniteDifferenceGradientIdentity() {
        check(Activation.IDENTITY, 0.5f);
    }

    @Test
    void bpUpdateIsMinusEtaTimesFiniteDifferenceGradientRelu() {
        // relu is piecewise linear; eps is far smaller than the distance of any h to 0 here
        check(Activation.RELU, 1.0f);
    }

    private static void check(Activation phi, float eta) {
        RnnConfig c = RnnTestData.config(RuleName.BP, phi, eta, 1, 3, 6, 2).withMaxSteps(50);
        RnnLearner learner = new RnnLearner(RnnModel.create(c));
        // move away from the initial point first (small steps), so the check is not special to it
        learner.model().setLearningRate(0.01f);
        for (SequenceSample s : RnnTestData.sequences(4, 3, 2, 3, 9, 5L)) {
            learner.observe(s);
        }
        learner.model().setLearningRate(eta);
        SequenceSample s = RnnTestData.sequences(1, 3, 2, 7, 7, 77L).get(0);
        ReferenceRnn before = new ReferenceRnn(learner.model());
        learner.observe(s);
        ReferenceRnn after = new ReferenceRnn(learner.model());
        double[][] x = before.inputs(s);
        double[][] t = before.targets(s);
        double eps = 1e-5;
        double maxRel = 0;
        int checked = 0;
        ReferenceRnn.Params p = before.live;
        for (double[][] pair : new double[][][] {
                {p.wih, after.live.wih}, {p.whh, after.live.whh}, {p.bh, after.live.bh},
                {p.who, after.live.who}, {p.bo, after.live.bo}}) {
            double[] w = pair[0];
            double[] updated = pair[1];
            for (int i = 0; i < w.length; i++) {
                double saved = w[i];
                w[i] = saved + eps;
                double up = before.loss(p, x, t);
                w[i] = saved - eps;
                double down = before.loss(p, x, t);
                w[i] = saved;
                double grad = (up - down) / (2 * eps);
                double update = updated[i] - saved;
                double err = Math.abs(update + eta * grad);
                maxRel = Math.max(maxRel, err / Math.max(1e-2, Math.abs(eta * grad)));
                assertTrue(err < 2e-4 + 1e-3 * Math.abs(eta * grad),
                        phi + " parameter " + checked + ": update " + update + " vs -eta*grad " + (-eta * grad));
                checked++;
            }
        }
        assertTrue(checked == 3 * 6 + 6 * 6 + 6 + 2 * 6 + 2, "every parameter checked");
        assertTrue(maxRel < 1e-2, "max relative error " + maxRel);
    }
}
