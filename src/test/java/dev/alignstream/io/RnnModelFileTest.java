package dev.alignstream.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.alignstream.core.Activation;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import dev.alignstream.data.DelayedSumDataset;
import dev.alignstream.data.SequenceSample;
import dev.alignstream.rnn.RnnConfig;
import dev.alignstream.rnn.RnnLearner;
import dev.alignstream.rnn.RnnMatrix;
import dev.alignstream.rnn.RnnModel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** RNN model files: the SPEC section 6 layout and exact round trips of the complete state. */
class RnnModelFileTest {

    @TempDir
    Path dir;

    private static RnnModel trained(RuleName rule, int batch, int sequences, boolean track) {
        RnnConfig c = new RnnConfig(new ModelConfig(new int[] {2, 6, 3}, Activation.TANH, rule, 0.02f, batch, 5L,
                0f, 1.5f, track), 500);
        RnnModel m = RnnModel.create(c);
        RnnLearner l = new RnnLearner(m);
        Random r = new Random(3);
        for (int i = 0; i < sequences; i++) {
            int steps = 1 + r.nextInt(9);
            float[] x = new float[steps * 2];
            float[] y = new float[steps * 3];
            for (int j = 0; j < x.length; j++) {
                x[j] = (float) r.nextGaussian();
            }
            for (int j = 0; j < y.length; j++) {
                y[j] = (float) r.nextGaussian();
            }
            l.observe(new SequenceSample(null, steps, 2, x, 3, y));
        }
        return m;
    }

    @Test
    void layoutFollowsSpecSection6() {
        RnnModel m = trained(RuleName.ALIGN_ADA, 1, 3, true);
        SafetensorsContent c = Safetensors.read(RnnModelFile.toBytes(m));
        Map<String, int[]> shapes = Map.of(
                "rnn.w_ih", new int[] {6, 2}, "rnn.w_hh", new int[] {6, 6}, "rnn.b_h", new int[] {6},
                "rnn.w_ho", new int[] {3, 6}, "rnn.b_o", new int[] {3});
        for (var e : shapes.entrySet()) {
            assertArrayEquals(e.getValue(), c.tensors().get(e.getKey()).shape(), e.getKey());
            assertArrayEquals(e.getValue(), c.tensors().get("frozen." + e.getKey()).shape(), "frozen." + e.getKey());
        }
        // the stored weight is the raw W, untransposed
        assertArrayEquals(m.live().weight(RnnMatrix.RECURRENT), c.tensors().get("rnn.w_hh").data());
        assertArrayEquals(m.frozen().initial().weight(RnnMatrix.INPUT), c.tensors().get("frozen.rnn.w_ih").data());
        Map<String, String> meta = c.metadata();
        assertEquals("rnn", meta.get("arch"));
        assertEquals("align-ada", meta.get("rule"));
        assertEquals("2,6,3", meta.get("layers"));
        assertEquals("tanh", meta.get("activation"));
        assertEquals("3", meta.get("samples_seen"));
        assertEquals("500", meta.get("max_steps"));
        for (String k : List.of("learning_rate", "batch_size", "seed", "target_offset", "input_scale", "format_version")) {
            assertTrue(meta.containsKey(k), k);
        }
    }

    @ParameterizedTest
    @EnumSource(value = RuleName.class, names = {"BP", "ALIGN_ZERO", "ALIGN_ADA", "READOUT"})
    void roundTripIsExactIncludingPendingBatchAndAlignment(RuleName rule) throws Exception {
        RnnModel m = trained(rule, 3, 8, true); // two steps of 3, two sequences pending
        m.setPaused(true);
        assertEquals(2, m.pending().count());
        Path f = dir.resolve("m.safetensors");
        RnnModelFile.write(f, m);
        RnnModel back = RnnModelFile.read(f);
        assertEquals(m.config(), back.config());
        assertEquals(6, back.samplesSeen());
        assertTrue(back.paused());
        assertEquals(2, back.pending().count());
        assertTrue(back.live().bitEquals(m.live()));
        assertTrue(back.frozen().initial().bitEquals(m.frozen().initial()));
        assertTrue(back.pending().gradient().bitEquals(m.pending().gradient()));
        for (RnnMatrix x : RnnMatrix.values()) {
            assertTrue(back.alignment().predictedT(x).bitEquals(m.alignment().predictedT(x)), x.weightName());
        }
        assertArrayEquals(RnnModelFile.toBytes(m), RnnModelFile.toBytes(back), "byte-identical re-export");
        // the snapshot form re-derives the frozen copy from the seed
        RnnModel snap = RnnModelFile.fromBytes(RnnModelFile.toSnapshotBytes(m));
        assertFalse(Safetensors.read(RnnModelFile.toSnapshotBytes(m)).tensors().containsKey("frozen.rnn.w_ih"));
        assertArrayEquals(RnnModelFile.toBytes(m), RnnModelFile.toBytes(snap));
    }

    @Test
    void withoutAlignmentTrackingThereAreNoAccumulators() {
        RnnModel m = trained(RuleName.BP, 1, 2, false);
        SafetensorsContent c = Safetensors.read(RnnModelFile.toBytes(m));
        assertFalse(c.tensors().keySet().stream().anyMatch(k -> k.startsWith("alignment.")));
        assertArrayEquals(RnnModelFile.toBytes(m), RnnModelFile.toBytes(RnnModelFile.fromBytes(RnnModelFile.toBytes(m))));
    }

    @Test
    void readersDispatchOnArchWithClearErrors() {
        byte[] rnn = RnnModelFile.toBytes(trained(RuleName.BP, 1, 1, true));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelFile.fromBytes(rnn));
        assertTrue(e.getMessage().contains("rnn model file"), e.getMessage());
        assertTrue(RnnModelFile.isRnn(Safetensors.read(rnn)));
        dev.alignstream.core.Model mlp = dev.alignstream.core.Model.create(ModelConfig.of(RuleName.BP, 0.1f, 2, 3, 1));
        byte[] mlpBytes = ModelFile.toBytes(mlp);
        assertFalse(RnnModelFile.isRnn(Safetensors.read(mlpBytes)));
        e = assertThrows(IllegalArgumentException.class, () -> RnnModelFile.fromBytes(mlpBytes));
        assertTrue(e.getMessage().contains("not rnn"), e.getMessage());
    }

    @Test
    void delayedSumRecordsTrainTheModelTheyAreMeantFor() {
        RnnModel m = RnnModel.create(RnnConfig.of(RuleName.BP, 0.01f, 1, 8, 1));
        RnnLearner l = new RnnLearner(m);
        for (SequenceSample s : DelayedSumDataset.generate(new Random(1), 3, 20)) {
            assertEquals(dev.alignstream.core.Prediction.StepOutcome.APPLIED, l.observe(s).step());
        }
        assertEquals(3, m.samplesSeen());
    }
}
