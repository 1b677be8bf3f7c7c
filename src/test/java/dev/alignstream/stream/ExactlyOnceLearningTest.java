package dev.alignstream.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.alignstream.broker.EmbeddedKafkaBroker;
import dev.alignstream.cli.Main;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SyntheticDataset;
import dev.alignstream.io.ModelFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance test 1 of issue 3: two streams, three models (two with different rules on one
 * stream), 2,200 samples streamed while the service is SIGKILLed three times at random (seeded)
 * moments and restarted; then killed once more and finished by an in-process instance. Every
 * model's exported file must be bit-identical to offline training on the same samples, and the
 * predictions topic must hold exactly one committed prediction per (sample, model).
 */
@Tag("kafka")
class ExactlyOnceLearningTest {

    private static final int[] LAYERS = {20, 32, 16, 4};
    private static EmbeddedKafkaBroker broker;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = EmbeddedKafkaBroker.start(0, null);
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void modelStateSurvivesRepeatedSigkillBitForBit() throws Exception {
        String bootstrap = broker.bootstrapServers();
        String prefix = "eos";
        Topics topics = new Topics(prefix + ".samples", prefix + ".models", prefix + ".predictions", prefix + ".dead-letters");
        Path state = dir.resolve("state");
        ServiceConfig config = new ServiceConfig(bootstrap, "eos-app", "eos-1", state, topics, 100, 2, Map.of(),
                "exactly_once_v2");
        AlignstreamService.ensureTopics(config);

        Map<String, ModelSpec> models = new LinkedHashMap<>();
        models.put("s1-ada", new ModelSpec("s1-ada", "s1", ModelConfig.of(RuleName.ALIGN_ADA, 0.05f, LAYERS), false));
        models.put("s1-bp", new ModelSpec("s1-bp", "s1", ModelConfig.of(RuleName.BP, 0.1f, LAYERS), false));
        models.put("s2-fa", new ModelSpec("s2-fa", "s2", ModelConfig.of(RuleName.FA, 0.05f, LAYERS), false));
        for (ModelSpec m : models.values()) {
            ModelConfig c = m.config();
            assertEquals(0, Main.run("models", "create", "--bootstrap-servers", bootstrap, "--topic-prefix", prefix,
                    "--id", m.id(), "--stream", m.stream(), "--layers", c.layersString(), "--rule", c.rule().id(),
                    "--lr", Float.toString(c.learningRate())));
        }
        Map<String, List<Sample>> data = new LinkedHashMap<>();
        data.put("s1", SyntheticDataset.teacher(1200, 20, 4, 101));
        data.put("s2", SyntheticDataset.teacher(1000, 20, 4, 102));

        String[] serve = {"--bootstrap-servers", bootstrap, "--http-port", "0", "--state-dir", state.toString(),
                "--instance-id", "eos-1", "--application-id", "eos-app", "--partitions", "2", "--snapshot-every", "100",
                "--topic-prefix", prefix};
        Path log = dir.resolve("serve.log");
        Random random = new Random(20261127);
        ServiceProcess child = ServiceProcess.serve(log, serve);
        child.awaitLine("ready", Duration.ofSeconds(120));
        Thread producer = new Thread(() -> {
            try {
                StreamTestKit.produceInterleaved(bootstrap, topics.samples(), data, 100);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "producer");
        producer.start();
        for (int kill = 1; kill <= 4; kill++) {
            Thread.sleep(1000 + random.nextInt(3500));
            child.kill();
            System.out.printf("SIGKILL %d after %.1f s of service life%n", kill, child.secondsSinceStart());
            if (kill == 4) {
                break;
            }
            long t0 = System.nanoTime();
            child = ServiceProcess.serve(log, serve);
            child.awaitLine("ready", Duration.ofSeconds(120));
            System.out.printf("restart %d: ready after %.1f s%n", kill, (System.nanoTime() - t0) / 1e9);
        }
        producer.join(TimeUnit.MINUTES.toMillis(2));

        try (AlignstreamService service = new AlignstreamService(config)) {
            service.start();
            for (ModelSpec m : models.values()) {
                long expected = data.get(m.stream()).size();
                StreamTestKit.await(m.id() + " to learn " + expected + " samples", Duration.ofSeconds(120), () -> {
                    ModelStatus s = service.registry().status(m.id());
                    return s != null && s.samplesSeen() == expected;
                });
            }
            for (ModelSpec m : models.values()) {
                byte[] expected = ModelFile.toBytes(StreamTestKit.offline(m.config(), data.get(m.stream())));
                byte[] actual = service.registry().export(m.id()).get(30, TimeUnit.SECONDS);
                assertArrayEquals(expected, actual, m.id() + ": streamed model differs from offline training");
            }
        }

        ObjectMapper json = new ObjectMapper();
        Map<String, Integer> records = new HashMap<>();
        Map<String, Set<Long>> offsets = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : StreamTestKit.readAll(bootstrap, topics.predictions())) {
            records.merge(r.key(), 1, Integer::sum);
            offsets.computeIfAbsent(r.key(), k -> new HashSet<>()).add(json.readTree(r.value()).get("offset").asLong());
        }
        for (ModelSpec m : models.values()) {
            int n = data.get(m.stream()).size();
            assertEquals(n, records.get(m.id()), m.id() + ": committed predictions (none lost, none duplicated)");
            assertEquals(n, offsets.get(m.id()).size(), m.id() + ": distinct source offsets");
        }
    }
}
