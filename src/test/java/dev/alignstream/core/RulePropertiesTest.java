package dev.alignstream.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.alignstream.data.Sample;
import dev.alignstream.rules.Rules;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The consequences SPEC section 2 and 5 name as worth a test, plus determinism and divergence. */
class RulePropertiesTest {

    private static final int[] LAYERS = {20, 32, 24, 5};

    private static ModelConfig config(RuleName rule) {
        return new ModelConfig(LAYERS, Activation.RELU, rule, 0.2f, 1, 21L, -0.1f, 1f, true);
    }

    @Test
    void onTheFirstSampleBpAlignZeroAndAlignAdaGiveTheSameUpdate() {
        Sample s = TestData.samples(1, 20, 5, 1L).get(0);
        Learner bp = TestData.learner(config(RuleName.BP));
        Learner zero = TestData.learner(config(RuleName.ALIGN_ZERO));
        Learner ada = TestData.learner(config(RuleName.ALIGN_ADA));
        for (Learner l : List.of(bp, zero, ada)) {
            assertEquals(Prediction.StepOutcome.APPLIED, l.observe(s).step());
        }
        // align-zero and align-ada run the very same arithmetic on the first sample
        assertTrue(zero.model().live().bitEquals(ada.model().live()), "align-zero vs align-ada");
        // bp reads the (still identical) weights through a different kernel: equal up to float32 rounding
        for (int l = 1; l <= LAYERS.length - 1; l++) {
            float[] wb = bp.model().live().weight(l);
            float[] wz = zero.model().live().weight(l);
            float[] w0 = bp.model().frozen().initial().weight(l);
            for (int i = 0; i < wb.length; i++) {
                float step = Math.abs(wb[i] - w0[i]);
                assertEquals(wb[i], wz[i], 1e-6f + 1e-4f * step, "layer " + l + " weight " + i);
            }
            assertArrayEquals(bp.model().live().bias(l), zero.model().live().bias(l), 1e-6f, "bias " + l);
        }
        assertFalse(bp.model().live().bitEquals(bp.model().frozen().initial()), "the step changed something");
    }

    @Test
    void afterTheFirstSampleTheRulesDiffer() {
        List<Sample> data = TestData.samples(2, 20, 5, 1L);
        Learner bp = TestData.learner(config(RuleName.BP));
        Learner zero = TestData.learner(config(RuleName.ALIGN_ZERO));
        data.forEach(bp::observe);
        data.forEach(zero::observe);
        assertFalse(bp.model().live().bitEquals(zero.model().live()));
    }

    @Test
    void alignAdasLastLayerAlwaysGetsTheExactGradient() {
        Learner ada = TestData.learner(config(RuleName.ALIGN_ADA));
        TestData.samples(30, 20, 5, 2L).forEach(ada::observe);
        // a bp model in exactly align-ada's current state takes the exact gradient step
        Model bpModel = new Model(config(RuleName.BP), ada.model().live().copy(),
                Initializer.frozen(config(RuleName.BP)), ada.model().samplesSeen());
        Learner bp = new Learner(bpModel, Rules.of(RuleName.BP));
        Sample s = TestData.samples(1, 20, 5, 99L).get(0);
        ada.observe(s);
        bp.observe(s);
        int depth = LAYERS.length - 1;
        assertArrayEquals(bp.model().live().weight(depth), ada.model().live().weight(depth));
        assertArrayEquals(bp.model().live().bias(depth), ada.model().live().bias(depth));
        assertFalse(java.util.Arrays.equals(bp.model().live().weight(1), ada.model().live().weight(1)),
                "hidden layers do differ from bp after 30 samples");
    }

    @Test
    void alignmentScoreIsOneUnderAlignZeroAndBelowOneForItsBaseline() {
        Learner zero = TestData.learner(config(RuleName.ALIGN_ZERO));
        TestData.samples(50, 20, 5, 3L).forEach(zero::observe);
        Model m = zero.model();
        for (int l = 1; l <= 3; l++) {
            double score = m.alignment().score(l, m.live(), m.frozen().initial());
            assertEquals(1.0, score, 1e-4, "layer " + l);
            double baseline = m.alignment().baselineScore(l, m.live(), m.frozen().initial(), 1L);
            assertTrue(baseline < 0.99, "baseline of layer " + l + " is " + baseline);
        }
    }

    @Test
    void alignmentScoreUnderBpIsBetweenZeroAndOne() {
        Learner bp = TestData.learner(config(RuleName.BP));
        TestData.samples(50, 20, 5, 3L).forEach(bp::observe);
        Model m = bp.model();
        double score = m.alignment().score(1, m.live(), m.frozen().initial());
        assertTrue(score > 0 && score < 1.0 - 1e-6, "bp layer-1 score " + score);
    }

    @Test
    void sameSeedAndDataGiveBitIdenticalParameters() {
        for (RuleName r : RuleName.values()) {
            ModelConfig c = config(r).withBatchSize(3);
            Learner a = TestData.learner(c);
            Learner b = TestData.learner(c);
            List<Sample> data = TestData.samples(40, 20, 5, 4L);
            data.forEach(a::observe);
            data.forEach(b::observe);
            assertTrue(a.model().live().bitEquals(b.model().live()), r.id());
            assertEquals(39, a.model().samplesSeen(), "13 full batches of 3");
        }
    }

    @Test
    void differentSeedsGiveDifferentInitialParameters() {
        Model a = Model.create(config(RuleName.BP));
        Model b = Model.create(config(RuleName.BP).withSeed(22L));
        assertFalse(a.live().bitEquals(b.live()));
    }

    @Test
    void batchPredictionsComeBeforeTheBatchUpdate() {
        ModelConfig c = config(RuleName.BP).withBatchSize(4);
        Learner learner = TestData.learner(c);
        List<Sample> data = TestData.samples(4, 20, 5, 8L);
        Parameters before = learner.model().live().copy();
        for (int i = 0; i < 3; i++) {
            assertEquals(Prediction.StepOutcome.BUFFERED, learner.observe(data.get(i)).step());
            assertTrue(learner.model().live().bitEquals(before), "no update before the batch is complete");
        }
        assertEquals(Prediction.StepOutcome.APPLIED, learner.observe(data.get(3)).step());
        assertFalse(learner.model().live().bitEquals(before));
        assertEquals(4, learner.model().samplesSeen());
    }

    @Test
    void aDivergentStepIsRejectedAndLeavesTheModelAsItWas() {
        ModelConfig c = config(RuleName.BP).withLearningRate(3e38f);
        Learner learner = TestData.learner(c);
        List<Sample> data = TestData.samples(3, 20, 5, 5L);
        Parameters before = learner.model().live().copy();
        Prediction p = learner.observe(data.get(0));
        assertEquals(Prediction.StepOutcome.REJECTED, p.step());
        assertNotNull(p.rejectReason());
        assertTrue(p.rejectReason().contains("non-finite"), p.rejectReason());
        assertTrue(learner.model().live().bitEquals(before), "rejected step changed the model");
        assertTrue(learner.model().live().isFinite());
        assertEquals(0, learner.model().samplesSeen());
        assertEquals(1, learner.model().rejectedSteps());
        // after lowering the rate the same model learns normally
        learner.model().setLearningRate(0.1f);
        assertEquals(Prediction.StepOutcome.APPLIED, learner.observe(data.get(1)).step());
    }

    @Test
    void samplesThatDoNotFitAreRefusedWithoutTouchingTheModel() {
        Learner learner = TestData.learner(config(RuleName.ALIGN_ADA));
        Parameters before = learner.model().live().copy();
        float[] nan = new float[20];
        nan[3] = Float.NaN;
        assertRefused(learner, Sample.classification(new float[19], 1), "expected 20 features");
        assertRefused(learner, Sample.classification(nan, 1), "NaN");
        assertRefused(learner, Sample.classification(new float[20], 5), "label 5");
        assertRefused(learner, Sample.regression(new float[20], new float[4]), "target");
        assertTrue(learner.model().live().bitEquals(before));
        assertEquals(0, learner.model().samplesSeen());
    }

    @Test
    void unlabelledSamplesArePredictedAndNeverLearned() {
        Learner learner = TestData.learner(config(RuleName.BP));
        Parameters before = learner.model().live().copy();
        Prediction p = learner.observe(Sample.unlabelled(new float[20]));
        assertEquals(Prediction.StepOutcome.NONE, p.step());
        assertFalse(p.labelled());
        assertEquals(5, p.output().length);
        assertTrue(learner.model().live().bitEquals(before));
    }

    @Test
    void pausedModelsPredictButDoNotLearn() {
        Learner learner = TestData.learner(config(RuleName.BP));
        learner.model().setPaused(true);
        Parameters before = learner.model().live().copy();
        Prediction p = learner.observe(TestData.samples(1, 20, 5, 6L).get(0));
        assertEquals(Prediction.StepOutcome.PAUSED, p.step());
        assertTrue(learner.model().live().bitEquals(before));
    }

    private static void assertRefused(Learner learner, Sample s, String messagePart) {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> learner.observe(s));
        assertTrue(e.getMessage().contains(messagePart), e.getMessage());
    }
}
