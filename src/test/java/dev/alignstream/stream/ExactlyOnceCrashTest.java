package dev.alignstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance test 1 of the streaming issue: the service is SIGKILLed three times while it
 * learns from two streams with three models, and restarted each time; the kills are sequenced
 * by observable progress (committed predictions at 15, 40 and 65 % of the total), so the test
 * means the same on a fast and a slow machine; in the end every model
 * equals, bit for bit, the offline result on the same samples, and every sample produced exactly
 * one committed prediction per model. The service runs with the parallel, run-ahead path forced
 * ({@link TaskModels#FORCE_PARALLEL_PROPERTY}), so commits and kills fall while the two models of
 * stream-a may be records apart and records' outputs owed ({@link RunAheadTest} covers an owed
 * commit deterministically; here it depends on where the kills fall).
 */
@Tag("kafka")
class ExactlyOnceCrashTest {

    @TempDir
    Path dir;

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void modelsSurviveRepeatedSigkillsWithoutLosingOrRepeatingASample() throws Exception {
        String bootstrap = SharedBroker.bootstrapServers();
        String prefix = "eo" + Long.toHexString(System.nanoTime());
        var topics = StreamingFixture.topics(prefix);
        ModelConfig base = new ModelConfig(new int[] {16, 24, 4}, Activation.RELU, RuleName.ALIGN_ADA, 0.1f, 1, 3L,
                -0.1f, 1f, true);
        ModelSpec adaA = new ModelSpec("ada-a", "stream-a", base, false);
        ModelSpec bpA = new ModelSpec("bp-a", "stream-a", base.withRule(RuleName.BP).withBatchSize(2), false);
        ModelSpec faB = new ModelSpec("fa-b", "stream-b", base.withRule(RuleName.FA).withSeed(5L), false);
        List<Sample> a = SyntheticDataset.teacher(1200, 16, 4, 11L);
        List<Sample> b = SyntheticDataset.teacher(1000, 16, 4, 12L);

        int port = freePort();
        Path log = dir.resolve("serve.log");
        String[] serve = {"serve", "--bootstrap-servers", bootstrap, "--http-port", Integer.toString(port),
                "--state-dir", dir.resolve("state").toString(), "--instance-id", "eo-1", "--application-id", prefix,
                "--topic-prefix", prefix, "--partitions", "2", "--snapshot-every", "150", "--alignment-every", "0"};
        long total = 2L * a.size() + b.size();
        // kill points by observable state, committed predictions (read_committed), never by
        // wall-clock: each kill lands while samples are still being produced or processed
        long[] killAt = {total * 15 / 100, total * 40 / 100, total * 65 / 100};
        AtomicReference<Exception> producerFailed = new AtomicReference<>();
        Thread producer = new Thread(() -> {
            try (KafkaProducer<String, byte[]> p = StreamingFixture.producer(bootstrap)) {
                for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
                    if (i < a.size()) {
                        StreamingFixture.send(p, topics, "stream-a", a.get(i));
                    }
                    if (i < b.size()) {
                        StreamingFixture.send(p, topics, "stream-b", b.get(i));
                    }
                }
            } catch (Exception e) {
                producerFailed.set(e);
            }
        }, "crash-test-producer");
        producer.setDaemon(true);
        // the parallel, run-ahead path forced (these models' steps are too small to choose it): a
        // commit may fall while records' outputs are owed, which the restarted service emits once
        List<String> jvm = List.of("-D" + TaskModels.FORCE_PARALLEL_PROPERTY + "=true");
        ChildJvm service = ChildJvm.start(log, jvm, serve);
        try {
            service.awaitLine(Pattern.compile("service ready"), 0, Duration.ofSeconds(90));
            StreamingFixture.declare(bootstrap, topics, adaA, bpA, faB);
            StreamingFixture.awaitDeclared(port, Duration.ofSeconds(60), adaA.id(), bpA.id(), faB.id());
            producer.start();
            int kills = 0;
            try (CommittedRecords committed = new CommittedRecords(bootstrap, topics.predictions())) {
                for (long threshold : killAt) {
                    committed.awaitTotal(threshold, Duration.ofSeconds(180));
                    service.kill();
                    kills++;
                    assertTrue(committed.total() < total, "killed while predictions were outstanding");
                    long from = service.logSize();
                    service = ChildJvm.start(log, jvm, serve);
                    service.awaitLine(Pattern.compile("service ready"), from, Duration.ofSeconds(90));
                }
            }
            producer.join(Duration.ofSeconds(180).toMillis());
            assertTrue(producerFailed.get() == null, () -> "producer failed: " + producerFailed.get());
            assertFalse(producer.isAlive(), "the producer finished");
            assertEquals(3, kills, "the service was killed three times while predictions were outstanding");
            String text = java.nio.file.Files.readString(log);
            long restores = Pattern.compile("restored model").matcher(text).results().count();
            assertTrue(restores >= 3, "restarts rebuilt models from snapshots and the journal (" + restores + " restores)");
            Duration wait = Duration.ofSeconds(120);
            StreamingFixture.awaitSamplesSeen(port, "ada-a", 1200, wait);
            StreamingFixture.awaitSamplesSeen(port, "bp-a", 1200, wait);
            StreamingFixture.awaitSamplesSeen(port, "fa-b", 1000, wait);
            for (Map.Entry<ModelSpec, List<Sample>> e : Map.of(adaA, a, bpA, a, faB, b).entrySet()) {
                Model streamed = StreamingFixture.export(port, e.getKey().id(), null);
                Model offline = StreamingFixture.offline(e.getKey(), e.getValue());
                assertEquals(e.getValue().size(), streamed.samplesSeen(), e.getKey().id());
                assertTrue(offline.live().bitEquals(streamed.live()),
                        e.getKey().id() + ": streamed parameters differ from the offline result");
            }
            // samples_seen is the live model; its last predictions commit with the next transaction
            try (CommittedRecords committed = new CommittedRecords(bootstrap, topics.predictions())) {
                committed.await(m -> m.getOrDefault("ada-a", 0L) >= 1200 && m.getOrDefault("bp-a", 0L) >= 1200
                        && m.getOrDefault("fa-b", 0L) >= 1000, "all predictions committed", wait);
            }
        } finally {
            service.close();
        }
        List<ConsumerRecord<String, byte[]>> predictions = StreamingFixture.readAll(bootstrap, topics.predictions());
        Map<String, Long> perModel = predictions.stream().collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
        assertEquals(Map.of("ada-a", 1200L, "bp-a", 1200L, "fa-b", 1000L), perModel,
                "exactly one committed prediction per sample and model");
    }
}
