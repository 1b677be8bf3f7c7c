package dev.alignstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.alignstream.core.Activation;
import dev.alignstream.core.Model;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SyntheticDataset;
import dev.alignstream.testing.ChildJvm;
import dev.alignstream.testing.CommittedRecords;
import dev.alignstream.testing.SharedBroker;
import dev.alignstream.testing.StreamingFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance test 2: two instances share four partitions and four streams; one is SIGKILLed
 * mid-stream (once every model has committed 100 of its 400 predictions: sequenced by observable
 * state, not time); the survivor takes over its models (restoring them from the changelog) and every
 * model still ends bit-identical to the offline result.
 */
@Tag("kafka")
class ScaleOutTest {

    @TempDir
    Path dir;

    @Test
    void survivorTakesOverAKilledInstancesModelsWithoutLosingASample() throws Exception {
        String bootstrap = SharedBroker.bootstrapServers();
        String prefix = "so" + Long.toHexString(System.nanoTime());
        var topics = StreamingFixture.topics(prefix);
        ModelConfig base = new ModelConfig(new int[] {12, 20, 3}, Activation.TANH, RuleName.ALIGN_ZERO, 0.05f, 1, 9L,
                0f, 1f, false);
        List<ModelSpec> specs = new ArrayList<>();
        List<List<Sample>> data = new ArrayList<>();
        RuleName[] rules = {RuleName.ALIGN_ZERO, RuleName.ALIGN_ADA, RuleName.DFA, RuleName.READOUT};
        for (int s = 0; s < 4; s++) {
            specs.add(new ModelSpec("m" + s, "s" + s, base.withRule(rules[s]), false));
            data.add(SyntheticDataset.teacher(400, 12, 3, 100L + s));
        }
        int[] ports = {ExactlyOnceCrashTest.freePort(), ExactlyOnceCrashTest.freePort()};
        ChildJvm[] instances = new ChildJvm[2];
        Path[] logs = {dir.resolve("i0.log"), dir.resolve("i1.log")};
        try {
            for (int i = 0; i < 2; i++) {
                instances[i] = ChildJvm.start(logs[i], "serve", "--bootstrap-servers", bootstrap, "--http-port",
                        Integer.toString(ports[i]), "--state-dir", dir.resolve("state" + i).toString(), "--instance-id",
                        "so-" + i, "--application-id", prefix, "--topic-prefix", prefix, "--partitions", "4",
                        "--snapshot-every", "100", "--alignment-every", "0");
            }
            for (int i = 0; i < 2; i++) {
                instances[i].awaitLine(Pattern.compile("service ready"), 0, Duration.ofSeconds(90));
            }
            StreamingFixture.declare(bootstrap, topics, specs.toArray(new ModelSpec[0]));
            for (int port : ports) {
                StreamingFixture.awaitDeclared(port, Duration.ofSeconds(60), "m0", "m1", "m2", "m3");
            }
            AtomicReference<Exception> producerFailed = new AtomicReference<>();
            Thread producer = new Thread(() -> {
                try (KafkaProducer<String, byte[]> p = StreamingFixture.producer(bootstrap)) {
                    for (int k = 0; k < 400; k++) {
                        for (int s = 0; s < 4; s++) {
                            StreamingFixture.send(p, topics, "s" + s, data.get(s).get(k));
                        }
                    }
                } catch (Exception e) {
                    producerFailed.set(e);
                }
            }, "scale-out-producer");
            producer.setDaemon(true);
            producer.start();
            // kill by observable state: every model (on either instance) has committed 100
            // predictions, so both instances hold committed state, and 300 samples per model remain
            try (CommittedRecords committed = new CommittedRecords(bootstrap, topics.predictions())) {
                committed.await(perModel -> perModel.size() == 4 && perModel.values().stream().allMatch(n -> n >= 100),
                        "100 committed predictions for each of the 4 models", Duration.ofSeconds(180));
                instances[1].kill();
                assertTrue(committed.total() < 4 * 400, "killed while predictions were outstanding");
            }
            producer.join(Duration.ofSeconds(180).toMillis());
            assertTrue(producerFailed.get() == null, () -> "producer failed: " + producerFailed.get());
            for (int s = 0; s < 4; s++) {
                StreamingFixture.awaitSamplesSeen(ports[0], "m" + s, 400, Duration.ofSeconds(120));
                Model streamed = StreamingFixture.export(ports[0], "m" + s, null);
                Model offline = StreamingFixture.offline(specs.get(s), data.get(s));
                assertEquals(400, streamed.samplesSeen());
                assertTrue(offline.live().bitEquals(streamed.live()), "model m" + s + " differs from offline training");
            }
            String survivorLog = java.nio.file.Files.readString(logs[0]);
            assertTrue(survivorLog.contains("restored model"), "the survivor restored the killed instance's models");
        } finally {
            for (ChildJvm c : instances) {
                if (c != null) {
                    c.close();
                }
            }
        }
    }
}
