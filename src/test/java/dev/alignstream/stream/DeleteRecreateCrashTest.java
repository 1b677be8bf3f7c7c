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
import dev.alignstream.testing.Await;
import dev.alignstream.testing.ChildJvm;
import dev.alignstream.testing.CommittedRecords;
import dev.alignstream.testing.SharedBroker;
import dev.alignstream.testing.StreamingFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A delete is a reset, even across crashes. The service is SIGKILLed between a model's delete and
 * its re-creation (the model stays deleted after the restart, and the re-created one learns from
 * its seed), and again right after a delete and a re-declaration with no sample in between, while
 * the task's stores still hold the deleted generation's snapshot and journal: after the restart
 * the model equals, bit for bit, a fresh offline run on only the samples sent after it was
 * declared again. Each step waits for observable
 * state (committed predictions, answers of the HTTP API), never for a length of time.
 */
@Tag("kafka")
class DeleteRecreateCrashTest {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final Pattern READY = Pattern.compile("service ready");

    @TempDir
    Path dir;

    @Test
    void aModelDeletedAndDeclaredAgainAcrossSigkillsStartsFromItsSeed() throws Exception {
        String bootstrap = SharedBroker.bootstrapServers();
        String prefix = "dr" + Long.toHexString(System.nanoTime());
        var topics = StreamingFixture.topics(prefix);
        ModelConfig config = new ModelConfig(new int[] {8, 16, 3}, Activation.RELU, RuleName.ALIGN_ADA, 0.1f, 1, 3L,
                -0.1f, 1f, true);
        ModelSpec m = new ModelSpec("m", "s", config, false);
        ModelSpec marker = new ModelSpec("marker", "elsewhere", config, false);
        List<Sample> first = SyntheticDataset.teacher(60, 8, 3, 31L);
        List<Sample> second = SyntheticDataset.teacher(40, 8, 3, 32L);
        List<Sample> third = SyntheticDataset.teacher(30, 8, 3, 33L);
        long total = first.size() + second.size() + third.size();
        int port = ExactlyOnceCrashTest.freePort();
        Path log = dir.resolve("serve.log");
        // snapshots every 20 samples: the deleted generation leaves a snapshot and a journal behind
        String[] serve = {"serve", "--bootstrap-servers", bootstrap, "--http-port", Integer.toString(port),
                "--state-dir", dir.resolve("state").toString(), "--instance-id", "dr-1", "--application-id", prefix,
                "--topic-prefix", prefix, "--partitions", "1", "--snapshot-every", "20", "--alignment-every", "0"};
        ChildJvm service = ChildJvm.start(log, serve);
        service.awaitLine(READY, 0, WAIT); // the service creates the topics
        try (KafkaProducer<String, byte[]> p = StreamingFixture.producer(bootstrap);
             CommittedRecords committed = new CommittedRecords(bootstrap, topics.predictions())) {
            StreamingFixture.declare(bootstrap, topics, m);
            StreamingFixture.awaitDeclared(port, WAIT, "m");
            for (Sample s : first) {
                StreamingFixture.send(p, topics, "s", s);
            }
            committed.await(c -> c.getOrDefault("m", 0L) >= first.size(), "the first samples' predictions committed", WAIT);

            // delete, and kill once the service has taken the delete in
            p.send(new ProducerRecord<>(topics.models(), "m", null)).get();
            awaitAnswer(port, "/models/m", "404");
            // the marker is declared after the delete: once a restarted service lists it, it has read the delete too
            StreamingFixture.declare(bootstrap, topics, marker);
            StreamingFixture.awaitDeclared(port, WAIT, "marker");
            service = restartAfterSigkill(service, log, serve);
            StreamingFixture.awaitDeclared(port, WAIT, "marker");
            assertTrue(StreamingFixture.get(port, "/models/m").startsWith("404"), "the deleted model stays deleted after a crash");

            // declare it again: generation 1 learns the second samples
            StreamingFixture.declare(bootstrap, topics, m);
            awaitAnswer(port, "/models/m", "200", "\"samples_seen\":0");
            for (Sample s : second) {
                StreamingFixture.send(p, topics, "s", s);
            }
            committed.await(c -> c.getOrDefault("m", 0L) >= first.size() + second.size(),
                    "the second samples' predictions committed", WAIT);
            assertTrue(StreamingFixture.offline(m, second).live().bitEquals(StreamingFixture.export(port, "m", null).live()),
                    "generation 1 learned from its seed");

            // delete and declare again with no sample in between, and kill before generation 2 has seen one:
            // the stores still hold generation 1's snapshot and journal
            p.send(new ProducerRecord<>(topics.models(), "m", null)).get();
            awaitAnswer(port, "/models/m", "404");
            StreamingFixture.declare(bootstrap, topics, m);
            awaitAnswer(port, "/models/m", "200", "\"samples_seen\":0");
            service = restartAfterSigkill(service, log, serve);
            awaitAnswer(port, "/models/m", "200", "\"samples_seen\":0");

            for (Sample s : third) {
                StreamingFixture.send(p, topics, "s", s);
            }
            StreamingFixture.awaitSamplesSeen(port, "m", third.size(), WAIT);
            Model streamed = StreamingFixture.export(port, "m", null);
            assertEquals(third.size(), streamed.samplesSeen());
            assertTrue(StreamingFixture.offline(m, third).live().bitEquals(streamed.live()),
                    "the re-created model equals a fresh offline run on the samples sent after it was declared again");
            assertFalse(StreamingFixture.offline(m, concat(second, third)).live().bitEquals(streamed.live()),
                    "and not the deleted generation's history continued");
            committed.await(c -> c.getOrDefault("m", 0L) >= total, "every prediction committed", WAIT);
        } finally {
            service.close();
        }
        long predictions = StreamingFixture.readAll(bootstrap, topics.predictions()).stream()
                .filter(r -> r.key().equals("m")).count();
        assertEquals(total, predictions, "exactly one committed prediction per sample, across three generations and two crashes");
    }

    private static ChildJvm restartAfterSigkill(ChildJvm service, Path log, String[] serve) throws Exception {
        service.kill();
        long from = service.logSize();
        ChildJvm next = ChildJvm.start(log, serve);
        next.awaitLine(READY, from, WAIT);
        return next;
    }

    private static String awaitAnswer(int port, String path, String... parts) throws Exception {
        return Await.until(path + " answering " + List.of(parts), WAIT, () -> StreamingFixture.get(port, path),
                answer -> java.util.Arrays.stream(parts).allMatch(answer::contains));
    }

    private static List<Sample> concat(List<Sample> a, List<Sample> b) {
        java.util.ArrayList<Sample> all = new java.util.ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
