package dev.alignstream.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.alignstream.api.AlignstreamServer;
import dev.alignstream.core.Activation;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SyntheticDataset;
import dev.alignstream.stream.ModelSpec;
import dev.alignstream.stream.ServiceConfig;
import dev.alignstream.testing.SharedBroker;
import dev.alignstream.testing.StreamingFixture;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The honest test of the dashboards: a real Prometheus scrapes a running service (embedded
 * broker, two models, a few hundred samples and some bad records), then every panel query of
 * every dashboard under {@code grafana/dashboards} is run against Prometheus' HTTP API and must
 * return at least one series. Skipped, with a message, where Debian's prometheus is not installed.
 */
@Tag("kafka")
class DashboardQueriesTest {

    private static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @Test
    void everyPanelQueryReturnsDataFromARealPrometheus() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(PROMETHEUS),
                "Prometheus is not installed (apt-get install prometheus; .ci/run does this) - dashboard queries not checked");
        String bootstrap = SharedBroker.bootstrapServers();
        String prefix = "dash" + Long.toHexString(System.nanoTime());
        var topics = StreamingFixture.topics(prefix);
        ServiceConfig config = new ServiceConfig(bootstrap, prefix, "dash-1", dir.resolve("state"), topics, 100, 1, Map.of(),
                "exactly_once_v2");
        ModelConfig c = new ModelConfig(new int[] {8, 16, 3}, Activation.RELU, RuleName.ALIGN_ADA, 0.1f, 1, 1L, -0.1f, 1f, true);
        ModelSpec ada = new ModelSpec("dash-ada", "dash-stream", c, false);
        ModelSpec bp = new ModelSpec("dash-bp", "dash-stream", c.withRule(RuleName.BP), false);
        Process prometheus = null;
        try (AlignstreamServer server = AlignstreamServer.start(config, 0, null, 1, Duration.ofSeconds(60))) {
            StreamingFixture.declare(bootstrap, topics, ada, bp);
            Thread.sleep(1500);
            List<Sample> data = SyntheticDataset.teacher(400, 8, 3, 5L);
            try (KafkaProducer<String, byte[]> p = StreamingFixture.producer(bootstrap)) {
                for (int i = 0; i < 200; i++) {
                    StreamingFixture.send(p, topics, "dash-stream", data.get(i));
                }
                StreamingFixture.send(p, topics, "dash-stream", "not json".getBytes(StandardCharsets.UTF_8));
            }
            StreamingFixture.awaitSamplesSeen(server.httpPort(), "dash-ada", 200, Duration.ofSeconds(60));

            int promPort = freePort();
            Path cfg = dir.resolve("prometheus.yml");
            Files.writeString(cfg, "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n"
                    + "  - job_name: alignstream\n    metrics_path: /metrics\n    static_configs:\n"
                    + "      - targets: ['127.0.0.1:" + server.httpPort() + "']\n");
            prometheus = new ProcessBuilder(PROMETHEUS.toString(), "--config.file=" + cfg,
                    "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + promPort)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
            String base = "http://127.0.0.1:" + promPort;
            awaitQuery(base, "up{job=\"alignstream\"} == 1", Duration.ofSeconds(60));
            // keep samples flowing while Prometheus scrapes, so rates and histograms have something to show
            try (KafkaProducer<String, byte[]> p = StreamingFixture.producer(bootstrap)) {
                for (int i = 200; i < 400; i++) {
                    StreamingFixture.send(p, topics, "dash-stream", data.get(i));
                    Thread.sleep(25);
                }
            }
            Thread.sleep(3000);

            List<String> failures = new ArrayList<>();
            int checked = 0;
            List<Path> dashboards;
            try (Stream<Path> s = Files.list(Path.of("grafana", "dashboards"))) {
                dashboards = s.filter(f -> f.toString().endsWith(".json")).sorted().toList();
            }
            assertTrue(!dashboards.isEmpty(), "no dashboards under grafana/dashboards");
            for (Path d : dashboards) {
                JsonNode dash = JSON.readTree(d.toFile());
                for (JsonNode var : dash.path("templating").path("list")) {
                    String q = var.path("query").path("query").asText(var.path("query").asText());
                    String label = q.replaceAll(".*label_values\\((.*),\\s*(\\w+)\\)\\s*$", "$2");
                    String metric = q.replaceAll(".*label_values\\((.*),\\s*\\w+\\)\\s*$", "$1");
                    String expr = "count by (" + label + ") (" + substitute(metric) + ")";
                    checked++;
                    if (query(base, expr).isEmpty()) {
                        failures.add(d.getFileName() + " variable " + var.path("name").asText() + ": " + expr);
                    }
                }
                for (JsonNode panel : dash.path("panels")) {
                    for (JsonNode target : panel.path("targets")) {
                        String expr = substitute(target.path("expr").asText());
                        checked++;
                        if (query(base, expr).isEmpty()) {
                            failures.add(d.getFileName() + " panel '" + panel.path("title").asText() + "': " + expr);
                        }
                    }
                }
            }
            assertTrue(checked >= 12, "expected the dashboard's panels and variables, checked " + checked);
            assertEquals(List.of(), failures, "queries that returned no series");
        } finally {
            if (prometheus != null) {
                prometheus.destroyForcibly().waitFor();
            }
        }
    }

    /** Grafana's variables and macros, replaced as Grafana would for "All" streams and models. */
    private static String substitute(String expr) {
        return expr.replace("$stream", ".*").replace("$model", ".*").replace("$__rate_interval", "20s")
                .replace("$__interval", "5s");
    }

    private static JsonNode query(String base, String expr) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/query?query="
                + URLEncoder.encode(expr, StandardCharsets.UTF_8))).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode n = JSON.readTree(r.body());
        if (!"success".equals(n.path("status").asText())) {
            throw new AssertionError("Prometheus rejected '" + expr + "': " + r.body());
        }
        return n.path("data").path("result");
    }

    private static void awaitQuery(String base, String expr, Duration timeout) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            try {
                if (!query(base, expr).isEmpty()) {
                    return;
                }
            } catch (java.io.IOException e) {
                // Prometheus still starting
            }
            Thread.sleep(250);
        }
        throw new AssertionError("Prometheus never answered '" + expr + "'");
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
