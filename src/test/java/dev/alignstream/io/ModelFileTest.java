package dev.alignstream.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.alignstream.core.Activation;
import dev.alignstream.core.Learner;
import dev.alignstream.core.Model;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SyntheticDataset;
import dev.alignstream.rules.Rules;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** Model files: exact round trips of the complete state, and the SPEC section 6 layout. */
class ModelFileTest {

    private static Model trained(RuleName rule, int batch, int samples) {
        ModelConfig c = new ModelConfig(new int[] {12, 9, 7, 3}, Activation.TANH, rule, 0.1f, batch, 5L, -0.1f, 2f, true);
        Model m = Model.create(c);
        Learner l = new Learner(m, Rules.of(rule));
        SyntheticDataset.teacher(samples, 12, 3, 1L).forEach(l::observe);
        return m;
    }

    @ParameterizedTest
    @EnumSource(RuleName.class)
    void roundTripIsBitExactAndTrainingContinuesIdentically(RuleName rule) {
        Model m = trained(rule, 4, 30); // 30 = 7 batches of 4 + 2 pending samples
        assertEquals(2, m.pending().count());
        Model back = ModelFile.fromBytes(ModelFile.toBytes(m));
        assertEquals(m.config(), back.config());
        assertEquals(m.samplesSeen(), back.samplesSeen());
        assertTrue(m.live().bitEquals(back.live()));
        assertTrue(m.frozen().initial().bitEquals(back.frozen().initial()));
        for (int l = 1; l <= 3; l++) {
            assertArrayEquals(m.frozen().feedbackTensor(l), back.frozen().feedbackTensor(l));
            assertTrue(m.alignment().predictedT(l).bitEquals(back.alignment().predictedT(l)));
        }
        assertEquals(2, back.pending().count());
        // the restored model continues exactly as the original would
        List<Sample> more = SyntheticDataset.teacher(10, 12, 3, 2L);
        Learner a = new Learner(m, Rules.of(rule));
        Learner b = new Learner(back, Rules.of(rule));
        more.forEach(a::observe);
        more.forEach(b::observe);
        assertTrue(m.live().bitEquals(back.live()));
        assertArrayEquals(ModelFile.toBytes(m), ModelFile.toBytes(back), "same state, same bytes");
    }

    @Test
    void snapshotFormRederivesTheFrozenCopyFromTheSeed() {
        Model m = trained(RuleName.FA, 1, 20);
        byte[] snap = ModelFile.toSnapshotBytes(m);
        assertTrue(snap.length < ModelFile.toBytes(m).length);
        Model back = ModelFile.fromBytes(snap);
        assertTrue(m.live().bitEquals(back.live()));
        assertTrue(m.frozen().initial().bitEquals(back.frozen().initial()));
        assertArrayEquals(m.frozen().feedbackTensor(2), back.frozen().feedbackTensor(2));
    }

    @Test
    void aNegativeZeroWeightIsReadAsPositiveZero() {
        Model m = trained(RuleName.BP, 1, 3);
        float[] w = m.live().weight(2);
        w[5] = -0f;
        w[6] = 0f;
        m.live().setWeight(2, w);
        Model back = ModelFile.fromBytes(ModelFile.toBytes(m));
        float[] read = back.live().weight(2);
        // -0 is the one value the vector and scalar weight updates could treat differently
        assertEquals(Float.floatToRawIntBits(0f), Float.floatToRawIntBits(read[5]));
        assertEquals(Float.floatToRawIntBits(0f), Float.floatToRawIntBits(read[6]));
        assertEquals(Float.floatToRawIntBits(w[7]), Float.floatToRawIntBits(read[7]), "other weights as written");
    }

    @Test
    void fileFollowsTheContractLayout() {
        Model m = trained(RuleName.DFA, 1, 5);
        SafetensorsContent c = Safetensors.read(ModelFile.toBytes(m));
        assertArrayEquals(new int[] {9, 12}, c.tensors().get("layers.0.weight").shape());
        assertArrayEquals(new int[] {9}, c.tensors().get("layers.0.bias").shape());
        assertArrayEquals(new int[] {3, 7}, c.tensors().get("frozen.2.weight").shape());
        assertArrayEquals(new int[] {9, 3}, c.tensors().get("feedback.0.weight").shape(), "dfa D^1 is n_1 x n_L");
        assertTrue(!c.tensors().containsKey("feedback.2.weight"), "dfa has no feedback for the last layer");
        for (String key : List.of("rule", "layers", "activation", "learning_rate", "batch_size", "seed",
                "target_offset", "input_scale", "samples_seen", "format_version")) {
            assertTrue(c.metadata().containsKey(key), key);
        }
        assertEquals("12,9,7,3", c.metadata().get("layers"));
        assertEquals("dfa", c.metadata().get("rule"));
        assertEquals("5", c.metadata().get("samples_seen"));
        // the stored weight is the raw W: row i of W^1 is what neuron i sees
        float[] w = c.tensors().get("layers.0.weight").data();
        assertArrayEquals(m.live().weight(1), w);
    }

    @Test
    void readsAHandWrittenSafetensorsFile() {
        String header = "{\"__metadata__\":{\"k\":\"v\"},\"t\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + 16).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).putFloat(1f).putFloat(-2f).putFloat(0.5f).putFloat(Float.MIN_VALUE);
        SafetensorsContent c = Safetensors.read(b.array());
        assertArrayEquals(new float[] {1f, -2f, 0.5f, Float.MIN_VALUE}, c.tensors().get("t").data());
        assertEquals("v", c.metadata().get("k"));
    }

    @Test
    void corruptFilesGetClearErrors() {
        byte[] good = ModelFile.toBytes(trained(RuleName.BP, 1, 3));
        assertMessage(() -> Safetensors.read(java.util.Arrays.copyOf(good, 5)), "at least 8");
        byte[] hugeHeader = good.clone();
        ByteBuffer.wrap(hugeHeader).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
        assertMessage(() -> Safetensors.read(hugeHeader), "header length");
        assertMessage(() -> Safetensors.read(java.util.Arrays.copyOf(good, good.length - 4)), "data_offsets");
        byte[] f16 = new String(good, StandardCharsets.ISO_8859_1).replaceFirst("\"F32\"", "\"F16\"")
                .getBytes(StandardCharsets.ISO_8859_1);
        assertMessage(() -> Safetensors.read(f16), "dtype F16");
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable e, String part) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().contains(part), x.getMessage());
    }
}
