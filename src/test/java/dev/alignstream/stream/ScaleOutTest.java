package dev.alignstream.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.alignstream.broker.EmbeddedKafkaBroker;
import dev.alignstream.cli.Main;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SyntheticDataset;
import dev.alignstream.io.ModelFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance test 2 of issue 3: two service instances share four partitions and four streams
 * (one model each, four rules); one instance is SIGKILLed mid-stream and never comes back. The
 * survivor takes over the dead instance's models from the changelog, and every model ends
 * bit-identical to offline training.
 */
@Tag("kafka")
class ScaleOutTest {

    private static final int[] LAYERS = {20, 32, 16, 4};
    private static final int PARTITIONS = 4;
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

    /** Stream ids that the default partitioner sends to four different partitions. */
    private static List<String> streamsOnDistinctPartitions() {
        List<String> out = new ArrayList<>();
        Set<Integer> used = new HashSet<>();
        for (int i = 0; out.size() < PARTITIONS; i++) {
            String s = "stream-" + i;
            int p = Utils.toPositive(Utils.murmur2(s.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
            if (used.add(p)) {
                out.add(s);
            }
        }
        return out;
    }

    @Test
    void survivorTakesOverTheKilledInstancesModels() throws Exception {
        String bootstrap = broker.bootstrapServers();
        String prefix = "scale";
        Topics topics = new Topics(prefix + ".samples", prefix + ".models", prefix + ".predictions", prefix + ".dead-letters");
        ServiceConfig survivorConfig = new ServiceConfig(bootstrap, "scale-app", "scale-b", dir.resolve("state-b"), topics,
                100, PARTITIONS, Map.of(), "exactly_once_v2");
        AlignstreamService.ensureTopics(survivorConfig);

        RuleName[] rules = {RuleName.ALIGN_ADA, RuleName.BP, RuleName.ALIGN_ZERO, RuleName.DFA};
        List<String> streams = streamsOnDistinctPartitions();
        Map<String, ModelSpec> models = new LinkedHashMap<>();
        Map<String, List<Sample>> data = new LinkedHashMap<>();
        for (int i = 0; i < PARTITIONS; i++) {
            ModelSpec m = new ModelSpec("m" + i, streams.get(i), ModelConfig.of(rules[i], 0.05f, LAYERS), false);
            models.put(m.id(), m);
            data.put(m.stream(), SyntheticDataset.teacher(600, 20, 4, 200 + i));
            assertEquals(0, Main.run("models", "create", "--bootstrap-servers", bootstrap, "--topic-prefix", prefix,
                    "--id", m.id(), "--stream", m.stream(), "--layers", m.config().layersString(),
                    "--rule", m.config().rule().id(), "--lr", "0.05"));
        }

        ServiceProcess doomed = ServiceProcess.serve(dir.resolve("serve-a.log"), "--bootstrap-servers", bootstrap,
                "--http-port", "0", "--state-dir", dir.resolve("state-a").toString(), "--instance-id", "scale-a",
                "--application-id", "scale-app", "--partitions", Integer.toString(PARTITIONS), "--snapshot-every", "100",
                "--topic-prefix", prefix);
        try (AlignstreamService survivor = new AlignstreamService(survivorConfig)) {
            doomed.awaitLine("ready", Duration.ofSeconds(120));
            survivor.start();
            assertTrue(survivor.awaitRunning(Duration.ofSeconds(120)));
            Thread producer = new Thread(() -> {
                try {
                    StreamTestKit.produceInterleaved(bootstrap, topics.samples(), data, 200);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, "producer");
            producer.start();
            StreamTestKit.await("both instances to learn", Duration.ofSeconds(60), () -> survivor.registry().models()
                    .stream().anyMatch(s -> s.samplesSeen() > 50));
            Thread.sleep(2000);
            Set<String> survivorsBefore = new HashSet<>();
            for (String id : models.keySet()) {
                if (survivor.registry().isLocal(id)) {
                    survivorsBefore.add(id);
                }
            }
            doomed.kill();
            System.out.println("SIGKILL of instance scale-a; the survivor hosted " + survivorsBefore);
            assertTrue(survivorsBefore.size() < models.size(), "the killed instance hosted some models");
            long t0 = System.nanoTime();
            for (ModelSpec m : models.values()) {
                long expected = data.get(m.stream()).size();
                StreamTestKit.await(m.id() + " to learn " + expected + " samples on the survivor", Duration.ofSeconds(120),
                        () -> {
                            ModelStatus s = survivor.registry().status(m.id());
                            return survivor.registry().isLocal(m.id()) && s.samplesSeen() == expected;
                        });
            }
            System.out.printf("survivor finished every model %.1f s after the kill%n", (System.nanoTime() - t0) / 1e9);
            producer.join(TimeUnit.MINUTES.toMillis(1));
            for (ModelSpec m : models.values()) {
                byte[] expected = ModelFile.toBytes(StreamTestKit.offline(m.config(), data.get(m.stream())));
                byte[] actual = survivor.registry().export(m.id()).get(30, TimeUnit.SECONDS);
                assertArrayEquals(expected, actual, m.id() + " (" + m.config().rule().id() + ") differs from offline training");
            }
        } finally {
            doomed.close();
        }
    }
}
