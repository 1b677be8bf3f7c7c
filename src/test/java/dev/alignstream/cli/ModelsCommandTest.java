package dev.alignstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.alignstream.stream.ModelSpec;
import dev.alignstream.testing.SharedBroker;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code models create|list|delete} against a real broker on which no service has run yet: the
 * first declaration creates the compacted models topic, a listing reads it to the end, and a
 * delete leaves a tombstone that hides the model.
 */
@Tag("kafka")
class ModelsCommandTest {

    @Test
    void declaresListsAndDeletesModelsBeforeAnyServiceRan() throws Exception {
        String bootstrap = SharedBroker.bootstrapServers();
        String prefix = "mc" + Long.toHexString(System.nanoTime());
        assertEquals(0, Main.run("models", "create", "--bootstrap-servers", bootstrap, "--topic-prefix", prefix,
                "--id", "m1", "--stream", "s1", "--layers", "4,8,3", "--rule", "align-zero", "--lr", "0.02"));
        assertEquals(0, Main.run("models", "create", "--bootstrap-servers", bootstrap, "--topic-prefix", prefix,
                "--id", "m2", "--stream", "s1", "--layers", "4,8,3", "--rule", "bp", "--lr", "0.1"));
        Map<String, byte[]> all = ModelsCommand.readAll(KafkaClientOptions.of(bootstrap), prefix + ".models");
        assertEquals(java.util.Set.of("m1", "m2"), all.keySet());
        ModelSpec m1 = ModelSpec.parse(all.get("m1"));
        assertEquals("s1", m1.stream());
        assertEquals("align-zero", m1.config().rule().id());
        assertEquals(0.02f, m1.config().learningRate());

        // a change of fixed settings is refused before anything is written; a learning-rate change keeps the generation
        long generation = ModelsCommand.readDeclared(KafkaClientOptions.of(bootstrap), prefix + ".models").get("m1").generation();
        assertEquals(1, Main.run("models", "create", "--bootstrap-servers", bootstrap, "--topic-prefix", prefix,
                "--id", "m1", "--stream", "s1", "--layers", "4,16,3", "--rule", "align-zero", "--lr", "0.02"));
        assertEquals(0, Main.run("models", "create", "--bootstrap-servers", bootstrap, "--topic-prefix", prefix,
                "--id", "m1", "--stream", "s1", "--layers", "4,8,3", "--rule", "align-zero", "--lr", "0.01"));
        var redeclared = ModelSpec.parseDeclaration(ModelsCommand.readAll(KafkaClientOptions.of(bootstrap), prefix + ".models").get("m1"));
        assertEquals(generation, redeclared.generation());
        assertEquals(0.01f, redeclared.spec().config().learningRate());

        assertEquals(0, Main.run("models", "delete", "--bootstrap-servers", bootstrap, "--topic-prefix", prefix, "--id", "m1"));
        all = ModelsCommand.readAll(KafkaClientOptions.of(bootstrap), prefix + ".models");
        assertFalse(all.containsKey("m1"));
        assertTrue(all.containsKey("m2"));
    }
}
