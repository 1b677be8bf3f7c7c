package dev.alignstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.alignstream.api.AlignstreamServer;
import dev.alignstream.cli.Main;
import dev.alignstream.testing.SharedBroker;
import dev.alignstream.testing.StreamingFixture;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The samples topic's partition count is part of the model state: a service refuses to start
 * when it differs from the count the state's changelogs were created with. Also checks, on a
 * real service, that the health endpoints are wired to Kafka Streams.
 */
@Tag("kafka")
class PartitionCountTest {

    @TempDir
    Path dir;

    private static String serveError(String bootstrap, String prefix, Path state) {
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = Main.run("serve", "--bootstrap-servers", bootstrap, "--http-port", "0", "--state-dir", state.toString(),
                    "--application-id", prefix, "--topic-prefix", prefix, "--partitions", "4");
        } finally {
            System.setErr(oldErr);
        }
        assertEquals(1, code, err.toString(StandardCharsets.UTF_8));
        List<String> lines = err.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("error: ")).toList();
        assertEquals(1, lines.size(), err.toString(StandardCharsets.UTF_8));
        return lines.get(0);
    }

    @Test
    void serveRefusesASamplesTopicWhosePartitionCountDiffersFromTheState() throws Exception {
        String bootstrap = SharedBroker.bootstrapServers();
        String prefix = "pc" + Long.toHexString(System.nanoTime());
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(prefix + ".samples", 4, (short) 1),
                    new NewTopic(prefix + "-alignstream-journal-changelog", 2, (short) 1))).all().get();
        }
        String line = serveError(bootstrap, prefix, dir.resolve("state"));
        assertEquals("error: the samples topic " + prefix + ".samples has 4 partitions but the model state of application '"
                + prefix + "' was built with 2 (topic " + prefix + "-alignstream-journal-changelog): stream ids would move"
                + " to other partitions and fork their models. Give " + prefix + ".samples 2 partitions again, or start"
                + " over under a new --application-id", line);
    }

    @Test
    void aServiceIsLiveAndReadyAndAfterThePartitionsGrowItRefusesToRestart() throws Exception {
        String bootstrap = SharedBroker.bootstrapServers();
        String prefix = "pg" + Long.toHexString(System.nanoTime());
        ServiceConfig config = new ServiceConfig(bootstrap, prefix, "pg-1", dir.resolve("state"),
                StreamingFixture.topics(prefix), 50, 1, Map.of(), "exactly_once_v2");
        try (AlignstreamServer server = AlignstreamServer.start(config, 0, null, 0, Duration.ofSeconds(90))) {
            int port = server.httpPort();
            assertTrue(StreamingFixture.get(port, "/health/live").startsWith("200 "));
            StreamingFixture.awaitStatus(port, "/health/ready", "200 ", Duration.ofSeconds(60));
            assertTrue(StreamingFixture.get(port, "/health").startsWith("200 "));
        }
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            assertEquals(1, admin.describeTopics(List.of(prefix + "-alignstream-journal-changelog")).allTopicNames().get()
                    .get(prefix + "-alignstream-journal-changelog").partitions().size(), "Streams created the changelog");
            admin.createPartitions(Map.of(prefix + ".samples", NewPartitions.increaseTo(3))).all().get();
        }
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> AlignstreamServer.start(config, 0, null, 0, Duration.ofSeconds(90)).close());
        assertTrue(e.getMessage().startsWith("the samples topic " + prefix + ".samples has 3 partitions but the model state"
                + " of application '" + prefix + "' was built with 1"), e.getMessage());
    }
}
