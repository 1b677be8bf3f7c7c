package dev.alignstream.rnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.alignstream.core.Activation;
import dev.alignstream.core.Prediction.StepOutcome;
import dev.alignstream.core.RuleName;
import dev.alignstream.data.SequenceSample;
import dev.alignstream.io.RnnModelFile;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The properties every RNN learning rule must have (SPEC section 3), as one suite that each rule's
 * test class extends with {@link #rule()} — the shape of EJML's {@code GenericLinearSolverChecks}
 * and Kafka's {@code AbstractKeyValueStoreTest}.
 */
abstract class RnnRuleContract {

    /** The rule under test. */
    abstract RuleName rule();

    RnnConfig config(Activation phi, float lr, int batch) {
        return RnnTestData.config(rule(), phi, lr, batch, 3, 7, 2);
    }

    /** The float32 learner follows the double reference's mini-batch steps, sequence lengths varying, a final partial batch flushed. */
    @Test
    void matchesTheReferenceOverMiniBatchesOfSequences() {
        for (Activation phi : Activation.values()) {
            RnnConfig c = config(phi, 0.05f, 2);
            RnnLearner learner = new RnnLearner(RnnModel.create(c));
            ReferenceRnn ref = new ReferenceRnn(learner.model());
            List<SequenceSample> data = RnnTestData.sequences(7, 3, 2, 1, 12, 3L);
            for (SequenceSample s : data) {
                learner.observe(s);
            }
            assertEquals(1, learner.model().pending().count(), "7 sequences, batch 2: one pending");
            learner.flush();
            for (int i = 0; i < data.size(); i += 2) {
                ref.step(rule(), 0.05, data.subList(i, Math.min(data.size(), i + 2)));
            }
            assertEquals(7, learner.model().samplesSeen());
            ReferenceRnn got = new ReferenceRnn(learner.model());
            for (RnnMatrix m : RnnMatrix.values()) {
                assertClose(ref.live.weight(m), got.live.weight(m), phi + " " + m.weightName());
                assertClose(ref.prediction.weight(m), toDouble(learner.model().alignment().predictedT(m)
                        .toTransposedRowMajor()), phi + " alignment P of " + m.weightName());
            }
            assertClose(ref.live.bh, got.live.bh, phi + " b_h");
            assertClose(ref.live.bo, got.live.bo, phi + " b_o");
            assertTrue(learner.model().live().isFinite());
        }
    }

    /** The prequential loss is the live model's, before the update: mean over steps of 0.5 ||y_t - target_t||^2. */
    @Test
    void scoresEachSequenceBeforeLearningFromIt() {
        RnnConfig c = config(Activation.TANH, 0.05f, 1);
        RnnLearner learner = new RnnLearner(RnnModel.create(c));
        for (SequenceSample s : RnnTestData.sequences(3, 3, 2, 2, 6, 8L)) {
            ReferenceRnn ref = new ReferenceRnn(learner.model());
            double[][] x = ref.inputs(s);
            double expected = ref.loss(ref.live, x, ref.targets(s)) / s.steps();
            double[][] y = ref.forward(ref.live, x)[2];
            SequencePrediction p = learner.observe(s);
            assertEquals(expected, p.loss(), 1e-5 * Math.max(1, expected));
            assertEquals(s.steps() * 2, p.outputs().length);
            assertEquals(y[s.steps()][1], p.outputs()[s.steps() * 2 - 1], 1e-5);
            assertEquals(StepOutcome.APPLIED, p.step());
        }
    }

    @Test
    void sameSeedAndDataGiveBitIdenticalParametersWhateverTheBufferHistory() {
        RnnConfig c = config(Activation.RELU, 0.02f, 3).withMaxSteps(400);
        // lengths up to 300 make the trajectory buffers (128 steps at first) grow during the run
        List<SequenceSample> data = RnnTestData.sequences(8, 3, 2, 1, 300, 21L);
        RnnLearner a = new RnnLearner(RnnModel.create(c));
        RnnLearner b = new RnnLearner(RnnModel.create(c));
        RnnLearner warmed = new RnnLearner(RnnModel.create(c));
        warmed.evaluate(RnnTestData.sequences(1, 3, 2, 400, 400, 1L).get(0));
        assertEquals(400, warmed.trajectoryCapacity(), "grown to the longest sequence, capped at max_steps");
        for (SequenceSample s : data) {
            a.observe(s);
            b.observe(s);
            warmed.observe(s);
        }
        assertTrue(a.trajectoryCapacity() >= 256 && a.trajectoryCapacity() <= 400, "geometric growth");
        assertTrue(a.model().live().bitEquals(b.model().live()));
        assertTrue(a.model().live().bitEquals(warmed.model().live()));
        assertFalse(a.model().live().bitEquals(a.model().frozen().initial()), "learning happened");
    }

    /** A model file written mid-batch and read back continues exactly as if it had never stopped. */
    @Test
    void modelFileRoundTripMidBatchContinuesBitIdentically() {
        RnnConfig c = config(Activation.TANH, 0.03f, 3);
        List<SequenceSample> data = RnnTestData.sequences(11, 3, 2, 2, 10, 31L);
        RnnLearner straight = new RnnLearner(RnnModel.create(c));
        RnnLearner first = new RnnLearner(RnnModel.create(c));
        for (int i = 0; i < 5; i++) {
            straight.observe(data.get(i));
            first.observe(data.get(i));
        }
        assertEquals(2, first.model().pending().count());
        byte[] bytes = RnnModelFile.toBytes(first.model());
        RnnModel restored = RnnModelFile.fromBytes(bytes);
        assertEquals(3, restored.samplesSeen());
        assertEquals(2, restored.pending().count());
        assertTrue(restored.live().bitEquals(first.model().live()));
        assertTrue(restored.frozen().initial().bitEquals(first.model().frozen().initial()));
        RnnLearner resumed = new RnnLearner(restored);
        for (int i = 5; i < data.size(); i++) {
            SequencePrediction expected = straight.observe(data.get(i));
            SequencePrediction got = resumed.observe(data.get(i));
            assertEquals(expected.loss(), got.loss(), 0.0);
        }
        straight.flush();
        resumed.flush();
        assertTrue(straight.model().live().bitEquals(resumed.model().live()));
        assertEquals(11, resumed.model().samplesSeen());
        for (RnnMatrix m : RnnMatrix.values()) {
            assertTrue(straight.model().alignment().predictedT(m).bitEquals(resumed.model().alignment().predictedT(m)),
                    "alignment accumulator " + m.weightName());
        }
        assertTrue(java.util.Arrays.equals(RnnModelFile.toBytes(straight.model()), RnnModelFile.toBytes(resumed.model())),
                "the two files are byte-identical");
    }

    /** A step that would make the weights non-finite is rejected and leaves the model exactly as it was. */
    @Test
    void divergentStepIsRejectedAndTheModelIsUnchanged() {
        RnnConfig c = config(Activation.IDENTITY, 3e38f, 1);
        RnnLearner learner = new RnnLearner(RnnModel.create(c));
        RnnParameters before = learner.model().live().copy();
        SequencePrediction p = learner.observe(RnnTestData.sequences(1, 3, 2, 20, 20, 4L).get(0));
        assertEquals(StepOutcome.REJECTED, p.step());
        assertNotNull(p.rejectReason());
        assertTrue(learner.model().live().bitEquals(before));
        assertEquals(0, learner.model().samplesSeen());
        assertEquals(1, learner.model().rejectedSteps());
        assertEquals(0, learner.model().pending().count());
        for (RnnMatrix m : RnnMatrix.values()) {
            assertEquals(0f, learner.model().alignment().predictedT(m).maxAbs(), "no alignment change");
        }
    }

    @Test
    void unlabelledPausedAndEvaluatedSequencesAreOnlyPredicted() {
        RnnConfig c = config(Activation.RELU, 0.05f, 1);
        RnnLearner learner = new RnnLearner(RnnModel.create(c));
        RnnParameters before = learner.model().live().copy();
        SequenceSample labelled = RnnTestData.sequences(1, 3, 2, 5, 5, 6L).get(0);
        SequenceSample unlabelled = new SequenceSample("u1", 5, 3, labelled.inputs(), 0, null);
        SequencePrediction u = learner.observe(unlabelled);
        assertFalse(u.labelled());
        assertTrue(Double.isNaN(u.loss()));
        assertEquals(StepOutcome.NONE, u.step());
        assertEquals(StepOutcome.NONE, learner.evaluate(labelled).step());
        learner.model().setPaused(true);
        assertEquals(StepOutcome.PAUSED, learner.observe(labelled).step());
        assertTrue(learner.model().live().bitEquals(before));
        assertEquals(0, learner.model().samplesSeen());
    }

    /** A sequence that does not fit the model is refused before anything is touched. */
    @Test
    void sequencesThatDoNotFitAreRefusedUntouched() {
        RnnConfig c = config(Activation.RELU, 0.05f, 2).withMaxSteps(8);
        RnnLearner learner = new RnnLearner(RnnModel.create(c));
        learner.observe(RnnTestData.sequences(1, 3, 2, 4, 4, 1L).get(0));
        byte[] before = RnnModelFile.toBytes(learner.model());
        List<SequenceSample> bad = new ArrayList<>();
        bad.add(RnnTestData.sequences(1, 4, 2, 4, 4, 2L).get(0));
        bad.add(RnnTestData.sequences(1, 3, 3, 4, 4, 2L).get(0));
        bad.add(RnnTestData.sequences(1, 3, 2, 9, 9, 2L).get(0));
        float[] x = new float[12];
        x[5] = Float.NaN;
        bad.add(new SequenceSample(null, 4, 3, x, 2, new float[8]));
        for (SequenceSample s : bad) {
            assertThrows(IllegalArgumentException.class, () -> learner.observe(s));
        }
        assertTrue(java.util.Arrays.equals(before, RnnModelFile.toBytes(learner.model())));
    }

    static double[] toDouble(float[] f) {
        return ReferenceRnn.toDouble(f);
    }

    static void assertClose(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        double scale = 0;
        for (double v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-4 * Math.max(1, scale), what + "[" + i + "]");
        }
    }
}
