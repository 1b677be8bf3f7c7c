package dev.alignstream.core;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.alignstream.data.Sample;
import org.junit.jupiter.api.Test;

/**
 * {@code bp}'s update must be {@code -eta} times the gradient of the loss, checked against
 * central finite differences of the loss computed in double precision.
 */
class BackpropGradientTest {

    @Test
    void bpUpdateIsMinusEtaTimesFiniteDifferenceGradient() {
        ModelConfig c = new ModelConfig(new int[] {6, 8, 7, 3}, Activation.TANH, RuleName.BP,
                1.0f, 1, 3L, -0.1f, 1f, false);
        Learner learner = TestData.learner(c);
        // move away from the initial point first, so the check is not special to it
        for (Sample s : TestData.samples(5, 6, 3, 9L)) {
            learner.observe(s);
        }
        Sample s = TestData.samples(1, 6, 3, 77L).get(0);
        ReferenceMlp before = new ReferenceMlp(learner.model());
        learner.observe(s);
        ReferenceMlp after = new ReferenceMlp(learner.model());
        double[] x = TestData.scaledInput(s, c);
        double[] t = TestData.target(s, c);
        double eps = 1e-4;
        double maxRel = 0;
        for (int l = 1; l <= c.depth(); l++) {
            for (int i = 0; i < before.w[l].length; i++) {
                double saved = before.w[l][i];
                before.w[l][i] = saved + eps;
                double up = before.loss(before.w, before.b, x, t);
                before.w[l][i] = saved - eps;
                double down = before.loss(before.w, before.b, x, t);
                before.w[l][i] = saved;
                double grad = (up - down) / (2 * eps);
                double update = after.w[l][i] - before.w[l][i];
                double err = Math.abs(update + c.learningRate() * grad);
                maxRel = Math.max(maxRel, err / Math.max(1e-2, Math.abs(grad)));
                assertTrue(err < 1e-4 + 1e-3 * Math.abs(grad),
                        "layer " + l + " weight " + i + ": update " + update + " vs -eta*grad " + (-grad));
            }
            for (int i = 0; i < before.b[l].length; i++) {
                double saved = before.b[l][i];
                before.b[l][i] = saved + eps;
                double up = before.loss(before.w, before.b, x, t);
                before.b[l][i] = saved - eps;
                double down = before.loss(before.w, before.b, x, t);
                before.b[l][i] = saved;
                double grad = (up - down) / (2 * eps);
                double update = after.b[l][i] - before.b[l][i];
                assertTrue(Math.abs(update + grad) < 1e-4 + 1e-3 * Math.abs(grad),
                        "layer " + l + " bias " + i + ": update " + update + " vs -eta*grad " + (-grad));
            }
        }
        assertTrue(maxRel < 1e-2, "max relative error " + maxRel);
    }
}
