package dev.alignstream.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Strict reading of a config's text form: defaults from one place, wrong types refused with the key named. */
class ModelConfigParseTest {

    private static Map<String, String> base() {
        Map<String, String> m = new HashMap<>();
        m.put("layers", "4,8,3");
        m.put("rule", "bp");
        m.put("learning_rate", "0.05");
        return m;
    }

    private static String refusal(String key, String value) {
        Map<String, String> m = base();
        m.put(key, value);
        return assertThrows(IllegalArgumentException.class, () -> ModelConfig.fromMetadata(m)).getMessage();
    }

    @Test
    void absentOptionalKeysTakeTheDocumentedDefaults() {
        ModelConfig c = ModelConfig.fromMetadata(base());
        assertEquals(Activation.RELU, c.activation());
        assertEquals(1, c.batchSize());
        assertEquals(7L, c.seed());
        assertEquals(0f, c.targetOffset());
        assertEquals(1f, c.inputScale());
        assertTrue(c.trackAlignment());
        assertEquals(0.05f, c.learningRate());
        assertEquals(c, ModelConfig.of(RuleName.BP, 0.05f, 4, 8, 3));
        assertEquals(c, ModelConfig.fromMetadata(c.toMetadata()), "round trip");
    }

    @Test
    void valuesOfTheWrongTypeAreRefusedNotCoerced() {
        assertTrue(refusal("learning_rate", "abc").contains("'learning_rate' must be a decimal number"));
        assertTrue(refusal("learning_rate", "0x1p-3").contains("learning_rate"));
        assertTrue(refusal("learning_rate", "NaN").contains("learning_rate"));
        assertTrue(refusal("batch_size", "2.9").contains("'batch_size' must be an integer, got '2.9'"));
        assertTrue(refusal("seed", "").contains("'seed' must be an integer"));
        assertTrue(refusal("track_alignment", "yes").contains("'track_alignment' must be true or false"));
        assertTrue(refusal("rule", "sgd").contains("unknown rule 'sgd'"));
        assertTrue(refusal("activation", "gelu").contains("unknown activation 'gelu'"));
        assertTrue(refusal("layers", "4,,3").contains("layers must be comma-separated integers"));
        assertTrue(refusal("batch_size", "5000").contains("batch size must be in 1..4096"));
        Map<String, String> noRate = base();
        noRate.remove("learning_rate");
        assertThrows(IllegalArgumentException.class, () -> ModelConfig.fromMetadata(noRate));
    }

    @Test
    void depthIsBounded() {
        String deep = "2" + ",2".repeat(ModelConfig.MAX_DEPTH + 1);
        assertTrue(refusal("layers", deep).contains("at most " + ModelConfig.MAX_DEPTH + " weight layers"));
    }
}
