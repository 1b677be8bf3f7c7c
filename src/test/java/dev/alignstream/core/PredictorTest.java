package dev.alignstream.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.alignstream.data.Sample;
import dev.alignstream.rules.Rules;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A prediction on request is the prediction a sample would get from the learner (same bits), agrees
 * with the naive double-precision reference, and changes nothing about the model.
 */
class PredictorTest {

    @Test
    void outputIsTheLearnersPredictionAndTheReferenceForwardPass() {
        // batch 4: the learner's workspace is wider than the predictor's one row
        ModelConfig c = new ModelConfig(new int[] {6, 9, 7, 3}, Activation.TANH, RuleName.ALIGN_ADA, 0.1f, 4, 5L, 0f, 0.5f,
                false);
        Model m = Model.create(c);
        Learner learner = new Learner(m, Rules.of(c.rule()));
        List<Sample> data = TestData.samples(41, 6, 3, 11L);
        for (Sample s : data.subList(0, 40)) {
            learner.observe(s);
        }
        byte[] before = dev.alignstream.io.ModelFile.toBytes(m);
        Predictor p = new Predictor(c);
        float[] out = new float[3];
        for (Sample s : data) {
            p.predict(m, s.features(), out);
            float[] expected = learner.evaluate(Sample.unlabelled(s.features())).output();
            assertArrayEquals(expected, out, 0f);
            double[] ref = new ReferenceMlp(m).forward(new ReferenceMlp(m).w, new ReferenceMlp(m).b,
                    TestData.scaledInput(s, c))[1][3];
            for (int j = 0; j < 3; j++) {
                assertEquals(ref[j], out[j], 1e-5, "output " + j);
            }
            assertEquals(Predictor.argmax(expected), learner.evaluate(Sample.unlabelled(s.features())).predictedClass());
        }
        assertArrayEquals(before, dev.alignstream.io.ModelFile.toBytes(m), "predicting changed the model");
    }

    @Test
    void wrongWidthAndNonFiniteFeaturesAreRefused() {
        ModelConfig c = ModelConfig.of(RuleName.BP, 0.1f, 4, 5, 2);
        Model m = Model.create(c);
        Predictor p = new Predictor(c);
        float[] out = new float[2];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.predict(m, new float[3], out));
        assertTrue(e.getMessage().contains("expected 4 features, found 3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> p.predict(m, new float[] {0, Float.NaN, 0, 0}, out));
        assertThrows(IllegalArgumentException.class,
                () -> p.predict(Model.create(ModelConfig.of(RuleName.BP, 0.1f, 4, 6, 2)), new float[4], out));
    }
}
