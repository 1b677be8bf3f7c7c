package dev.alignstream.stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.alignstream.api.AlignstreamServer;
import dev.alignstream.testing.SharedBroker;
import dev.alignstream.testing.StreamingFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Liveness against a real broker: a service that can no longer process (its samples topic was
 * deleted under it) answers {@code /health/live} with 503 and a reason, so a Kubernetes liveness
 * probe restarts it (a restart creates the topic again), instead of reporting a client that
 * stopped consuming as healthy. Kafka Streams fails the stream thread with
 * {@code MissingSourceTopicException} at every rebalance; the service replaces it, and more than
 * three replacements within 60 s make it not live (here after ~25 s: a rebalance every ~6 s).
 * {@link ServiceHealthTest} covers the rules on a fake clock; this is the wiring on a real broker.
 */
@Tag("kafka")
class ServiceNotLiveTest {

    @TempDir
    Path dir;

    @Test
    void aServiceWhoseSamplesTopicIsDeletedStopsBeingLive() throws Exception {
        String bootstrap = SharedBroker.bootstrapServers();
        String prefix = "nl" + Long.toHexString(System.nanoTime());
        ServiceConfig config = new ServiceConfig(bootstrap, prefix, "nl-1", dir.resolve("state"),
                StreamingFixture.topics(prefix), 50, 1, Map.of(), "exactly_once_v2");
        try (AlignstreamServer server = AlignstreamServer.start(config, 0, null, 0, Duration.ofSeconds(90))) {
            int port = server.httpPort();
            StreamingFixture.awaitStatus(port, "/health/ready", "200 ", Duration.ofSeconds(60));
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.deleteTopics(List.of(config.topics().samples())).all().get();
            }
            String answer = StreamingFixture.awaitStatus(port, "/health/live", "503 ", Duration.ofSeconds(120));
            assertTrue(answer.contains("\"error\":\"not live\""), answer);
            assertTrue(answer.contains("\"detail\":"), answer);
            assertTrue(StreamingFixture.get(port, "/health/ready").startsWith("503 "), "not live is not ready either");
        }
    }
}
