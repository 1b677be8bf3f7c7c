package dev.alignstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
    void anRnnDeclarationIsRefusedNotBuiltAsAnMlp() {
        String rnn = "{\"id\":\"r\",\"stream\":\"s\",\"arch\":\"rnn\",\"layers\":\"1,32,1\",\"rule\":\"bp\","
                + "\"learning_rate\":0.01}";
        assertTrue(refusal(rnn).contains("not served by the streaming service yet"), refusal(rnn));
        assertTrue(refusal(rnn.replace("\"rnn\"", "\"lstm\"")).contains("'arch' must be"));
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
