package dev.alignstream.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import dev.alignstream.stream.Topics;
import dev.alignstream.testing.PrometheusServer;
import dev.alignstream.testing.SharedBroker;
import dev.alignstream.testing.StreamingFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The honest dashboard test (issue 4): a real broker, the service, three models learning a few
 * hundred samples, and a real Prometheus scraping {@code /metrics} every second; then every
 * query of every panel of every dashboard under {@code grafana/dashboards}, with its template
 * variables resolved the way Grafana resolves them (by asking Prometheus), must return at least
 * one series. A renamed metric or a typo in a panel fails here, not in front of a user.
 */
@Tag("kafka")
class DashboardQueriesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path DASHBOARDS = Path.of("grafana/dashboards");
    private static final Path SHIPPED_PROMETHEUS_CONFIG = Path.of("deploy/prometheus.yml");
    private static final Pattern LABEL_VALUES = Pattern.compile("^\\s*label_values\\((?:(.*),\\s*)?([a-zA-Z_][a-zA-Z0-9_]*)\\s*\\)\\s*$");
    private static final int SAMPLES = 300;

    @TempDir
    Path dir;

    @Test
    void shippedPrometheusConfigPassesPromtool() throws Exception {
        assumeTrue(PrometheusServer.installed(),
                "skipped: /usr/bin/prometheus and /usr/bin/promtool are absent (apt-get install -y prometheus)");
        if (Files.exists(SHIPPED_PROMETHEUS_CONFIG)) {
            PrometheusServer.checkConfig(SHIPPED_PROMETHEUS_CONFIG);
        } else {
            Path generated = dir.resolve("prometheus.yml");
            Files.writeString(generated, PrometheusServer.scrapeConfig("alignstream", "alignstream:8080"));
            System.err.println("note: " + SHIPPED_PROMETHEUS_CONFIG + " is absent in this tree; checked a generated config instead");
            PrometheusServer.checkConfig(generated);
        }
    }

    @Test
    void everyDashboardQueryReturnsSeriesFromARealScrape() throws Exception {
        assumeTrue(PrometheusServer.installed(),
                "skipped: /usr/bin/prometheus and /usr/bin/promtool are absent (apt-get install -y prometheus)");
        List<Path> dashboards;
        try (Stream<Path> s = Files.list(DASHBOARDS)) {
            dashboards = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertFalse(dashboards.isEmpty(), "no dashboards under " + DASHBOARDS.toAbsolutePath());

        String bootstrap = SharedBroker.bootstrapServers();
        String prefix = "dash" + Long.toHexString(System.nanoTime());
        Topics topics = StreamingFixture.topics(prefix);
        ServiceConfig config = new ServiceConfig(bootstrap, prefix, "dash-1", dir.resolve("state"), topics, 100, 1, Map.of(),
                "exactly_once_v2");
        List<ModelSpec> specs = new ArrayList<>();
        for (RuleName rule : List.of(RuleName.BP, RuleName.ALIGN_ADA, RuleName.ALIGN_ZERO)) {
            specs.add(new ModelSpec(rule.id(), "digits", new ModelConfig(new int[] {16, 32, 32, 4}, Activation.RELU, rule,
                    0.05f, 1, 7L, -0.1f, 1f, true), false));
        }
        List<Sample> samples = SyntheticDataset.teacher(SAMPLES, 16, 4, 5L);

        try (AlignstreamServer server = AlignstreamServer.start(config, 0, null, 1, Duration.ofSeconds(90))) {
            StreamingFixture.declare(bootstrap, topics, specs.toArray(ModelSpec[]::new));
            try (KafkaProducer<String, byte[]> p = StreamingFixture.producer(bootstrap)) {
                // the last 20 samples come with delayed labels, so the delayed-label panels have data
                for (int i = 0; i < samples.size(); i++) {
                    Sample s = samples.get(i);
                    if (i < SAMPLES - 20) {
                        StreamingFixture.send(p, topics, "digits", s);
                    } else {
                        StreamingFixture.send(p, topics, "digits", new Sample("d" + i, s.features(), null, null));
                    }
                }
                for (int i = SAMPLES - 20; i < SAMPLES; i++) {
                    StreamingFixture.send(p, topics, "digits", ("{\"id\":\"d" + i + "\",\"label\":" + samples.get(i).label()
                            + "}").getBytes(StandardCharsets.UTF_8));
                }
                // two unusable records, so the dead-letter panel has something to show
                StreamingFixture.send(p, topics, "digits", "{\"features\":[1,2".getBytes(StandardCharsets.UTF_8));
                StreamingFixture.send(p, topics, "digits", "{\"features\":[1,2],\"label\":0}".getBytes(StandardCharsets.UTF_8));
            }
            for (ModelSpec s : specs) {
                StreamingFixture.awaitSamplesSeen(server.httpPort(), s.id(), SAMPLES, Duration.ofSeconds(120));
            }
            awaitAlignmentComputed(server, specs);
            Files.writeString(Path.of("target", "metrics-scrape-sample.txt"), server.metrics().scrape());
            assertModelEndpoints(server.httpPort());

            try (PrometheusServer prometheus = PrometheusServer.start(
                    PrometheusServer.scrapeConfig("alignstream", "127.0.0.1:" + server.httpPort()), dir.resolve("prometheus"))) {
                awaitScrapes(prometheus, 5);
                List<String> failures = new ArrayList<>();
                int checked = 0;
                for (Path file : dashboards) {
                    JsonNode dashboard = JSON.readTree(file.toFile());
                    Map<String, String> variables = resolveVariables(prometheus, dashboard, file, failures);
                    for (JsonNode panel : panels(dashboard)) {
                        for (JsonNode target : panel.path("targets")) {
                            String raw = target.path("expr").asText("");
                            if (raw.isBlank()) {
                                continue;
                            }
                            String expr = substitute(raw, variables);
                            String where = file.getFileName() + " / '" + panel.path("title").asText() + "' / "
                                    + target.path("refId").asText() + ": " + expr;
                            checked++;
                            if (expr.contains("$")) {
                                failures.add(where + " -> unresolved variable");
                                continue;
                            }
                            try {
                                JsonNode result = prometheus.query(expr);
                                if (result.size() == 0) {
                                    failures.add(where + " -> no series");
                                }
                            } catch (java.io.IOException e) {
                                failures.add(where + " -> " + e.getMessage());
                            }
                        }
                    }
                }
                assertTrue(checked > 0, "the dashboards hold no queries");
                assertEquals(List.of(), failures, "dashboard queries without data (" + failures.size() + " of " + checked + ")");
            }
        }
    }

    /** The model endpoints report what the dashboards show: windows, alignment, and the model file. */
    private static void assertModelEndpoints(int port) throws Exception {
        JsonNode m = JSON.readTree(StreamingFixture.get(port, "/models/align-zero").substring(4));
        assertEquals(SAMPLES, m.path("samples_seen").asLong(), m.toString());
        assertEquals("16,32,32,4", m.path("layers").asText(), m.toString());
        assertTrue(m.path("prequential_accuracy_100").isNumber(), m.toString());
        assertEquals(1.0, m.path("alignment").path("1").path("score").asDouble(), 1e-3, m.toString());
        assertEquals(SAMPLES, StreamingFixture.export(port, "align-zero", null).samplesSeen());
    }

    /** Waits until the background refresh has computed every model's alignment gauges at least once. */
    private static void awaitAlignmentComputed(AlignstreamServer server, List<ModelSpec> specs) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < end) {
            boolean all = true;
            for (ModelSpec s : specs) {
                double[] a = server.metrics().alignment(s.id());
                all &= a.length > 1 && Double.isFinite(a[1]);
            }
            if (all) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("alignment gauges were not computed within 60 s");
    }

    /** Waits until Prometheus holds at least {@code n} successful scrapes of the service. */
    private static void awaitScrapes(PrometheusServer prometheus, int n) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String expr = "sum_over_time(up{job=\"alignstream\"}[1m])";
        while (System.nanoTime() < end) {
            JsonNode r = prometheus.query(expr);
            if (r.size() > 0 && r.get(0).path("value").get(1).asDouble() >= n) {
                return;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("prometheus did not scrape the service " + n + " times within 60 s; up: "
                + prometheus.query("up") + "\n" + prometheus.logText());
    }

    /** Resolves each query variable in order (later ones may use earlier ones), as a regex alternation of all its values. */
    private static Map<String, String> resolveVariables(PrometheusServer prometheus, JsonNode dashboard, Path file,
                                                        List<String> failures) throws Exception {
        Map<String, String> values = new LinkedHashMap<>();
        for (JsonNode v : dashboard.path("templating").path("list")) {
            String name = v.path("name").asText();
            String query = v.path("query").isTextual() ? v.path("query").asText() : v.path("query").path("query").asText();
            Matcher m = LABEL_VALUES.matcher(substitute(query, values));
            if (!m.matches()) {
                failures.add(file.getFileName() + " variable $" + name + ": not a label_values(...) query: " + query);
                continue;
            }
            String selector = m.group(1) == null ? "{" + m.group(2) + "!=\"\"}" : m.group(1);
            List<String> found = prometheus.labelValues(m.group(2), selector);
            if (found.isEmpty()) {
                failures.add(file.getFileName() + " variable $" + name + ": " + query + " -> no values");
                continue;
            }
            values.put(name, "(" + String.join("|", found.stream().map(DashboardQueriesTest::regexEscape).toList()) + ")");
        }
        return values;
    }

    /** Grafana's substitutions: template variables, then its built-in interval variables (for a 1 s scrape interval). */
    static String substitute(String expr, Map<String, String> variables) {
        String out = expr;
        for (Map.Entry<String, String> e : variables.entrySet()) {
            out = out.replace("${" + e.getKey() + "}", e.getValue()).replace("[[" + e.getKey() + "]]", e.getValue())
                    .replaceAll("\\$" + Pattern.quote(e.getKey()) + "\\b", Matcher.quoteReplacement(e.getValue()));
        }
        return out.replace("$__rate_interval", "15s").replace("$__interval", "5s").replace("$__range", "5m");
    }

    private static String regexEscape(String s) {
        return s.replaceAll("[\\\\.^$|?*+()\\[\\]{}]", "\\\\$0");
    }

    private static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        collect(dashboard.path("panels"), out);
        return out;
    }

    private static void collect(JsonNode panels, List<JsonNode> out) {
        for (JsonNode p : panels) {
            out.add(p);
            collect(p.path("panels"), out);
        }
    }
}
