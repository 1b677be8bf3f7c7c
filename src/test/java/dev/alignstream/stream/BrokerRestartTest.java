package dev.alignstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.alignstream.broker.EmbeddedKafkaBroker;
import dev.alignstream.core.Activation;
import dev.alignstream.core.Model;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SyntheticDataset;
import dev.alignstream.testing.Await;
import dev.alignstream.testing.ChildJvm;
import dev.alignstream.testing.CommittedRecords;
import dev.alignstream.testing.StreamingFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8: the broker goes away for 15 s while the service learns, and comes back on the same data
 * directory; every model ends bit-identical to offline training, with exactly one committed
 * prediction per sample and model. The broker is this test's own (the shared one must stay up for
 * the other tests).
 */
@Tag("kafka")
class BrokerRestartTest {

    @TempDir
    Path dir;

    @Test
    void modelsStayExactWhenTheBrokerStopsAndComesBack() throws Exception {
        int kafkaPort = ExactlyOnceCrashTest.freePort();
        Path data = dir.resolve("kafka");
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(kafkaPort, data);
        String bootstrap = broker.bootstrapServers();
        String prefix = "br" + Long.toHexString(System.nanoTime());
        var topics = StreamingFixture.topics(prefix);
        ModelConfig base = new ModelConfig(new int[] {16, 24, 4}, Activation.RELU, RuleName.ALIGN_ADA, 0.1f, 1, 3L,
                -0.1f, 1f, true);
        ModelSpec ada = new ModelSpec("ada", "s", base, false);
        ModelSpec bp = new ModelSpec("bp", "s", base.withRule(RuleName.BP).withBatchSize(2), false);
        List<Sample> samples = SyntheticDataset.teacher(800, 16, 4, 21L);
        int half = samples.size() / 2;

        int port = ExactlyOnceCrashTest.freePort();
        String[] serve = {"serve", "--bootstrap-servers", bootstrap, "--http-port", Integer.toString(port),
                "--state-dir", dir.resolve("state").toString(), "--instance-id", "br-1", "--application-id", prefix,
                "--topic-prefix", prefix, "--partitions", "1", "--snapshot-every", "100", "--alignment-every", "0"};
        ChildJvm service = ChildJvm.start(dir.resolve("serve.log"), serve);
        try {
            service.awaitLine(Pattern.compile("service ready"), 0, Duration.ofSeconds(120));
            StreamingFixture.declare(bootstrap, topics, ada, bp);
            StreamingFixture.awaitDeclared(port, Duration.ofSeconds(60), "ada", "bp");
            try (KafkaProducer<String, byte[]> p = StreamingFixture.producer(bootstrap)) {
                for (Sample s : samples.subList(0, half)) {
                    StreamingFixture.send(p, topics, "s", s);
                }
            }
            // stop the broker while the service is still learning the first half
            Await.until("ada learning the first half", Duration.ofSeconds(120),
                    () -> StreamingFixture.get(port, "/models/ada"), a -> a.contains("\"samples_seen\":")
                            && Long.parseLong(a.replaceAll("(?s).*\"samples_seen\":(\\d+).*", "$1")) >= half / 4);
            broker.close();
            // the outage itself is the scenario (issue 8: "stop it 15 s"), not a wait for a result
            Thread.sleep(Duration.ofSeconds(15).toMillis());
            broker = EmbeddedKafkaBroker.start(kafkaPort, data);
            try (KafkaProducer<String, byte[]> p = StreamingFixture.producer(bootstrap)) {
                for (Sample s : samples.subList(half, samples.size())) {
                    StreamingFixture.send(p, topics, "s", s);
                }
            }
            Duration wait = Duration.ofSeconds(180);
            StreamingFixture.awaitSamplesSeen(port, "ada", samples.size(), wait);
            StreamingFixture.awaitSamplesSeen(port, "bp", samples.size(), wait);
            for (ModelSpec spec : List.of(ada, bp)) {
                Model streamed = StreamingFixture.export(port, spec.id(), null);
                assertTrue(StreamingFixture.offline(spec, samples).live().bitEquals(streamed.live()),
                        spec.id() + ": parameters differ from offline after the broker outage");
            }
            // samples_seen is the live model; its last predictions commit with the next transaction
            try (CommittedRecords committed = new CommittedRecords(bootstrap, topics.predictions())) {
                committed.await(m -> m.getOrDefault("ada", 0L) >= samples.size() && m.getOrDefault("bp", 0L) >= samples.size(),
                        "all predictions committed", wait);
            }
        } finally {
            service.close();
        }
        try {
            Map<String, Long> perModel = StreamingFixture.readAll(bootstrap, topics.predictions()).stream()
                    .collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
            assertEquals(Map.of("ada", (long) samples.size(), "bp", (long) samples.size()), perModel,
                    "exactly one committed prediction per sample and model");
        } finally {
            broker.close();
        }
    }
}
