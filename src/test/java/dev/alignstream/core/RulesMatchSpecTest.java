package dev.alignstream.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.alignstream.data.Sample;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every rule, activation and batch size against the naive double-precision reference written
 * straight from SPEC section 2: after several steps the float32 learner's parameters must agree
 * with the reference to float32 accuracy.
 */
class RulesMatchSpecTest {

    @ParameterizedTest(name = "{0} {1} batch {2}")
    @CsvSource({
            "bp, relu, 1", "bp, tanh, 3", "bp, identity, 1",
            "align-zero, relu, 1", "align-zero, tanh, 4",
            "align-ada, relu, 1", "align-ada, tanh, 2",
            "fa, relu, 1", "fa, tanh, 3",
            "dfa, relu, 1", "dfa, tanh, 2",
            "readout, relu, 1", "readout, tanh, 5",
    })
    void learnerFollowsTheSpecFormulas(String rule, String activation, int batch) {
        ModelConfig c = new ModelConfig(new int[] {9, 13, 11, 4}, Activation.parse(activation), RuleName.parse(rule),
                0.3f, batch, 11L, -0.1f, 1.5f, false);
        Learner learner = TestData.learner(c);
        ReferenceMlp ref = new ReferenceMlp(learner.model());
        List<Sample> data = TestData.samples(batch * 6, 9, 4, 5L);
        for (int start = 0; start < data.size(); start += batch) {
            double[][] xs = new double[batch][];
            double[][] ts = new double[batch][];
            for (int k = 0; k < batch; k++) {
                Sample s = data.get(start + k);
                learner.observe(s);
                xs[k] = TestData.scaledInput(s, c);
                ts[k] = TestData.target(s, c);
            }
            ref.step(c.rule(), c.learningRate(), xs, ts);
        }
        assertEquals(data.size(), learner.model().samplesSeen());
        for (int l = 1; l <= c.depth(); l++) {
            assertClose(ref.w[l], learner.model().live().weight(l), "W" + l);
            assertClose(ref.b[l], learner.model().live().bias(l), "b" + l);
        }
    }

    static void assertClose(double[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + " size");
        double scale = 0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(expected[i] - actual[i]);
            assertTrue(err <= 2e-5 * Math.max(1, scale),
                    what + "[" + i + "]: expected " + expected[i] + " got " + actual[i]);
        }
    }
}
