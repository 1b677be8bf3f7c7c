package dev.alignstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The models-topic JSON is read strictly, with the same defaults as model files and the CLI. */
class ModelSpecParseTest {

    private static ModelSpec.Declared parse(String json) {
        return ModelSpec.parseDeclaration(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String refusal(String json) {
        return assertThrows(IllegalArgumentException.class, () -> parse(json)).getMessage();
    }

    @Test
    void minimalDeclarationTakesTheDefaults() {
        ModelSpec.Declared d = parse("{\"id\":\"m\",\"stream\":\"s\",\"layers\":[4,8,3],\"rule\":\"bp\",\"learning_rate\":0.05}");
        assertEquals(ModelConfig.of(RuleName.BP, 0.05f, 4, 8, 3), d.spec().config());
        assertNull(d.generation());
        assertEquals(d.spec(), ModelSpec.parse(d.spec().toJson()), "round trip");
        assertEquals(42L, ModelSpec.parseDeclaration(d.spec().toJson(42)).generation());
    }

    @Test
    void anRnnDeclarationIsReadAsAnRnnAndRoundTrips() {
        String rnn = "{\"id\":\"r\",\"stream\":\"s\",\"arch\":\"rnn\",\"layers\":\"1,32,1\",\"rule\":\"bp\","
                + "\"learning_rate\":0.01}";
        ModelSpec spec = parse(rnn).spec();
        assertEquals(dev.alignstream.core.Arch.RNN, spec.arch());
        assertEquals(10_000, spec.maxSteps(), "default max_steps");
        assertEquals(1, spec.rnnConfig().inputSize());
        assertEquals(32, spec.rnnConfig().hidden());
        assertEquals(spec, ModelSpec.parse(spec.toJson()), "round trip keeps arch and max_steps");
        assertEquals(500, parse(rnn.replace("}", ",\"max_steps\":500}")).spec().maxSteps());
        // an RNN of other fixed settings (max_steps, or the arch itself) is not a run-time change
        assertFalse(spec.isCompatibleChange(parse(rnn.replace("}", ",\"max_steps\":500}")).spec()));
        assertFalse(spec.isCompatibleChange(parse(rnn.replace("\"arch\":\"rnn\",", "")).spec()));
        assertTrue(spec.isCompatibleChange(parse(rnn.replace("0.01", "0.02")).spec()));
        assertTrue(refusal(rnn.replace("\"rnn\"", "\"lstm\"")).contains("'arch' must be"));
        assertTrue(refusal(rnn.replace("\"bp\"", "\"fa\"")).contains("not defined for RNNs"), refusal(rnn.replace("\"bp\"", "\"fa\"")));
        assertTrue(refusal(rnn.replace("1,32,1", "1,32,32,1")).contains("n_in,n,n_out"));
        assertTrue(refusal(rnn.replace("}", ",\"max_steps\":0}")).contains("max steps"));
        assertTrue(refusal(rnn.replace("}", ",\"max_steps\":\"x\"}")).contains("'max_steps' must be an integer"));
        assertTrue(refusal("{\"id\":\"m\",\"stream\":\"s\",\"layers\":[4,8,3],\"rule\":\"bp\",\"max_steps\":5}")
                .contains("'max_steps' is for RNN models"));
        assertEquals("m", parse("{\"id\":\"m\",\"stream\":\"s\",\"arch\":\"mlp\",\"layers\":[4,8,3],\"rule\":\"bp\","
                + "\"learning_rate\":0.05}").spec().id());
    }

    @Test
    void wrongTypesAreRefusedWithTheFieldNamed() {
        String head = "{\"id\":\"m\",\"stream\":\"s\",\"layers\":\"4,8,3\",\"rule\":\"bp\",";
        assertTrue(refusal(head + "\"learning_rate\":\"abc\"}").contains("'learning_rate' must be a number, got \"abc\""));
        assertTrue(refusal(head + "\"learning_rate\":0.1,\"batch_size\":2.9}").contains("'batch_size' must be an integer, got 2.9"));
        assertTrue(refusal(head + "\"learning_rate\":0.1,\"paused\":\"no\"}").contains("'paused' must be true or false"));
        assertTrue(refusal(head + "\"learning_rate\":0.1,\"track_alignment\":1}").contains("'track_alignment'"));
        assertTrue(refusal(head + "\"learning_rate\":0.1,\"activation\":\"gelu\"}").contains("unknown activation 'gelu'"));
        assertTrue(refusal("{\"id\":\"m\",\"stream\":\"s\",\"layers\":\"4,8\",\"rule\":\"sgd\",\"learning_rate\":0.1}")
                .contains("unknown rule 'sgd'"));
        assertTrue(refusal("{\"id\":\"m\",\"stream\":\"s\",\"layers\":[4,8.5],\"rule\":\"bp\",\"learning_rate\":0.1}")
                .contains("'layers' must hold integers"));
        assertTrue(refusal(head + "\"learning_rate\":0.1,\"generation\":\"x\"}").contains("'generation' must be an integer"));
    }
}
