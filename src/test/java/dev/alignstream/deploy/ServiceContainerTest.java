package dev.alignstream.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Predicate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * End to end through the real image: builds deploy/Dockerfile (service target), starts it next to
 * an apache/kafka container, declares a model and streams generated samples with the image's own
 * CLI, and watches the model learn through the HTTP API. Also checks what the Dockerfile
 * promises: a non-root user, a Docker health check that turns healthy, a heap sized from the
 * container's memory limit. Needs a Docker engine; where there is none the whole class is
 * reported as skipped ("disabledWithoutDocker").
 */
@Tag("docker")
@Testcontainers(disabledWithoutDocker = true)
class ServiceContainerTest {

    private static final String KAFKA_ALIAS = "kafka";
    private static final String KAFKA_IN_NETWORK = KAFKA_ALIAS + ":19092";
    private static final int HTTP_PORT = 8080;
    private static final long MEMORY_LIMIT = 768L * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final Network NETWORK = Network.newNetwork();

    @Container
    private static final KafkaContainer KAFKA = new KafkaContainer(DockerImageName.parse("apache/kafka:4.4.0"))
            .withNetwork(NETWORK)
            .withNetworkAliases(KAFKA_ALIAS)
            .withListener(KAFKA_IN_NETWORK);

    @Container
    private static final GenericContainer<?> SERVICE = new GenericContainer<>(
            new ImageFromDockerfile("alignstream-e2e", true)
                    .withDockerfile(RepositoryFiles.root().resolve("deploy/Dockerfile"))
                    // the build context is the repository root, as for `docker build -f deploy/Dockerfile .`
                    .withBuildImageCmdModifier(cmd -> cmd.withBaseDirectory(RepositoryFiles.root().toFile()))
                    .withTarget("service"))
            .withNetwork(NETWORK)
            .dependsOn(KAFKA)
            .withCommand("--bootstrap-servers", KAFKA_IN_NETWORK, "--http-port", String.valueOf(HTTP_PORT),
                    "--state-dir", "/var/lib/alignstream/state", "--instance-id", "e2e-0")
            .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withMemory(MEMORY_LIMIT))
            .withExposedPorts(HTTP_PORT)
            .waitingFor(Wait.forHttp("/health").forStatusCode(200).withStartupTimeout(Duration.ofMinutes(3)));

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void serviceLearnsFromSamplesStreamedWithTheImageCli() throws Exception {
        exec("alignstream", "models", "create", "--bootstrap-servers", KAFKA_IN_NETWORK, "--id", "e2e", "--stream", "e2e",
                "--layers", "784,64,10", "--rule", "align-ada", "--lr", "0.05");
        exec("alignstream", "datasets", "synthetic", "--out", "/tmp/e2e-data");
        String csv = exec("sh", "-c", "ls /tmp/e2e-data/*.csv | head -n 1").strip();
        exec("alignstream", "produce", "--bootstrap-servers", KAFKA_IN_NETWORK, "--data", csv, "--stream", "e2e");

        JsonNode model = awaitJson("/models", models -> {
            for (JsonNode m : models) {
                if ("e2e".equals(m.path("id").asText()) && m.path("samples_seen").asLong() > 0) {
                    return true;
                }
            }
            return false;
        });
        assertTrue(model.isArray(), model::toString);
        String metrics = get("/metrics").body();
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("alignstream_")), "no alignstream_ metrics in /metrics");
    }

    @Test
    void imageRunsAsNonRootAndTurnsHealthy() throws Exception {
        assertNotEquals("0", exec("id", "-u").strip(), "the service runs as root");
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        String status = "";
        while (System.nanoTime() < deadline) {
            status = SERVICE.getCurrentContainerInfo().getState().getHealth().getStatus();
            if ("healthy".equals(status)) {
                break;
            }
            Thread.sleep(2_000);
        }
        assertEquals("healthy", status, "the Dockerfile's HEALTHCHECK never passed");
    }

    @Test
    void heapFollowsTheContainerMemoryLimit() throws Exception {
        String flags = exec("sh", "-c", "JAVA_OPTS=-XX:+PrintFlagsFinal alignstream --version | grep -w MaxHeapSize");
        long maxHeap = Long.parseLong(flags.replaceAll(".*MaxHeapSize\\s*=\\s*(\\d+).*", "$1").strip());
        assertTrue(maxHeap < MEMORY_LIMIT * 0.8 && maxHeap > MEMORY_LIMIT * 0.3,
                () -> "max heap " + maxHeap + " is not a share of the " + MEMORY_LIMIT + "-byte limit: " + flags);
    }

    private static String exec(String... command) throws IOException, InterruptedException {
        ExecResult r = SERVICE.execInContainer(command);
        assertEquals(0, r.getExitCode(), () -> String.join(" ", command) + " failed:\n" + r.getStdout() + r.getStderr());
        return r.getStdout();
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        URI uri = URI.create("http://" + SERVICE.getHost() + ":" + SERVICE.getMappedPort(HTTP_PORT) + path);
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Polls a JSON endpoint until the answer satisfies the condition (at most two minutes). */
    private JsonNode awaitJson(String path, Predicate<JsonNode> condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = get(path);
            if (response.statusCode() == 200) {
                last = JSON.readTree(response.body());
                if (condition.test(last)) {
                    return last;
                }
            }
            Thread.sleep(1_000);
        }
        throw new AssertionError(path + " never showed the expected state; last answer: " + last);
    }
}
