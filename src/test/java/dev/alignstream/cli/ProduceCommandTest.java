package dev.alignstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.alignstream.data.SampleJson;
import dev.alignstream.data.SyntheticDataset;
import dev.alignstream.testing.SharedBroker;
import dev.alignstream.testing.StreamingFixture;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code produce} reports only acknowledged records: an unreachable broker and a missing topic
 * are non-zero exits with a clear line within the timeout, and a good run's count is what the
 * topic holds. {@code --kafka-config} reaches the clients.
 */
@Tag("kafka")
class ProduceCommandTest {

    @TempDir
    Path dir;

    private Path data(int n) throws Exception {
        Path csv = dir.resolve("data.csv");
        SyntheticDataset.writeCsv(SyntheticDataset.teacher(n, 4, 3, 5L), csv);
        return csv;
    }

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The command's one error line (Kafka's own log lines go to stderr too in a test JVM). */
    private static String errorLine(CliRun r) {
        List<String> lines = r.err().lines().filter(l -> l.startsWith("error: ")).toList();
        assertEquals(1, lines.size(), r.err());
        return lines.get(0);
    }

    @Test
    void anUnreachableBrokerFailsWithinTheTimeout() throws Exception {
        String bootstrap = "127.0.0.1:" + closedPort();
        long start = System.nanoTime();
        CliRun r = CliRun.of("produce", "--bootstrap-servers", bootstrap, "--data", data(3).toString(), "--stream", "s",
                "--kafka-timeout", "3");
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(1, r.code(), r.out() + r.err());
        assertEquals("error: cannot reach Kafka at " + bootstrap
                + " within 3 s (list topics); check --bootstrap-servers and --kafka-config", errorLine(r));
        assertTrue(seconds < 20, "took " + seconds + " s");
        assertTrue(!r.out().contains("sent"), r.out());
    }

    @Test
    void aMissingTopicIsAnErrorAndIsNotCreated() throws Exception {
        String bootstrap = SharedBroker.bootstrapServers();
        String topic = "missing-" + Long.toHexString(System.nanoTime());
        CliRun r = CliRun.of("produce", "--bootstrap-servers", bootstrap, "--data", data(3).toString(), "--stream", "s",
                "--topic", topic, "--kafka-timeout", "10");
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(errorLine(r).startsWith("error: topic " + topic + " does not exist on " + bootstrap), r.err());
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            assertTrue(!admin.listTopics().names().get().contains(topic), "produce must not create the topic");
        }
    }

    @Test
    void everySampleIsAcknowledgedAndTheKafkaConfigIsUsed() throws Exception {
        String bootstrap = SharedBroker.bootstrapServers();
        String topic = "produce-" + Long.toHexString(System.nanoTime());
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
        }
        Path csv = data(25);
        Path props = dir.resolve("client.properties");
        Files.writeString(props, "client.id=produce-test\n");
        CliRun ok = CliRun.of("produce", "--bootstrap-servers", bootstrap, "--data", csv.toString(), "--stream", "s1",
                "--topic", topic, "--kafka-config", props.toString());
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().contains("sent 25 samples to " + topic), ok.out());
        List<ConsumerRecord<String, byte[]>> got = StreamingFixture.readAll(bootstrap, topic);
        assertEquals(25, got.size());
        assertTrue(got.stream().allMatch(c -> c.key().equals("s1")));
        assertEquals(SampleJson.parse(got.get(0).value()).label(), SyntheticDataset.teacher(25, 4, 3, 5L).get(0).label());

        // a client setting the broker's listener cannot speak proves the file reaches the clients
        Files.writeString(props, "security.protocol=SSL\n");
        CliRun ssl = CliRun.of("produce", "--bootstrap-servers", bootstrap, "--data", csv.toString(), "--stream", "s1",
                "--topic", topic, "--kafka-config", props.toString(), "--kafka-timeout", "3");
        assertEquals(1, ssl.code(), ssl.out());
        assertTrue(errorLine(ssl).startsWith("error: "), ssl.err());
        assertEquals(25, StreamingFixture.readAll(bootstrap, topic).size(), "nothing more was written");
    }
}
