package dev.alignstream.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/prometheus.yml, the scrape configuration docker-compose mounts into Prometheus: valid for
 * Prometheus' own checker (promtool, from Debian's prometheus package; skipped where it is not
 * installed), and scraping the service's /metrics every 5 seconds.
 */
class PrometheusConfigTest {

    static final String CONFIG = "deploy/prometheus.yml";

    @Test
    void promtoolAcceptsTheConfiguration() {
        Path promtool = promtool().orElse(null);
        assumeTrue(promtool != null, "promtool is not installed (apt-get install prometheus); skipping promtool check config");
        ProcessRun result = ProcessRun.run(promtool.toString(), "check", "config", RepositoryFiles.existing(CONFIG).toString());
        assertEquals(0, result.exitCode(), () -> "promtool check config " + CONFIG + " failed:\n" + result.output());
        assertTrue(result.output().contains("SUCCESS"), result.output());
    }

    @Test
    void promtoolRejectsABrokenConfiguration(@TempDir Path tmp) throws IOException {
        Path promtool = promtool().orElse(null);
        assumeTrue(promtool != null, "promtool is not installed (apt-get install prometheus); skipping promtool check config");
        // the same file with an invalid duration: shows that the check above can fail
        Path broken = tmp.resolve("prometheus.yml");
        Files.writeString(broken, Files.readString(RepositoryFiles.existing(CONFIG)).replace("scrape_interval: 5s", "scrape_interval: often"));
        ProcessRun result = ProcessRun.run(promtool.toString(), "check", "config", broken.toString());
        assertNotEquals(0, result.exitCode(), result.output());
    }

    @Test
    void scrapesTheServiceMetricsEveryFiveSeconds() {
        JsonNode config = RepositoryFiles.yaml(RepositoryFiles.existing(CONFIG));
        JsonNode job = alignstreamJob(config);
        assertEquals("/metrics", job.path("metrics_path").asText("/metrics"));
        assertEquals("5s", job.path("scrape_interval").asText(config.path("global").path("scrape_interval").asText()));
        assertEquals(List.of("alignstream:8080"), targets(job));
    }

    static JsonNode alignstreamJob(JsonNode config) {
        for (JsonNode job : config.path("scrape_configs")) {
            if ("alignstream".equals(job.path("job_name").asText())) {
                return job;
            }
        }
        throw new AssertionError(CONFIG + " has no scrape job named alignstream");
    }

    static List<String> targets(JsonNode job) {
        return job.path("static_configs").findValues("targets").stream()
                .flatMap(t -> java.util.stream.StreamSupport.stream(t.spliterator(), false))
                .map(JsonNode::asText)
                .toList();
    }

    private static Optional<Path> promtool() {
        return ProcessRun.onPath("promtool");
    }
}
