package dev.alignstream.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What the Grafana files promise without needing Prometheus: the learning dashboard has its
 * title, its two template variables and the panels the operators rely on, every query uses the
 * provisioned datasource (uid {@code prometheus}), and any copy a Helm chart carries is
 * identical to the one under {@code grafana/dashboards} (the chart cannot read files outside itself).
 */
class DashboardFilesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path DASHBOARDS = Path.of("grafana", "dashboards");

    @Test
    void theLearningDashboardHasItsVariablesAndPanels() throws IOException {
        JsonNode d = JSON.readTree(DASHBOARDS.resolve("alignstream-learning.json").toFile());
        assertEquals("alignstream — learning", d.path("title").asText());
        List<String> variables = new ArrayList<>();
        d.path("templating").path("list").forEach(v -> variables.add(v.path("name").asText()));
        assertEquals(List.of("stream", "model"), variables);
        List<String> titles = new ArrayList<>();
        Set<Integer> ids = new HashSet<>();
        for (JsonNode p : d.path("panels")) {
            titles.add(p.path("title").asText());
            assertTrue(ids.add(p.path("id").asInt()), "duplicate panel id " + p.path("id"));
            assertEquals("prometheus", p.path("datasource").path("uid").asText(), p.path("title").asText());
            assertFalse(p.path("targets").isEmpty(), p.path("title") + " has no query");
            for (JsonNode t : p.path("targets")) {
                assertEquals("prometheus", t.path("datasource").path("uid").asText(), p.path("title").asText());
                assertFalse(t.path("expr").asText().isBlank(), p.path("title").asText());
            }
        }
        for (String needed : List.of("Prequential accuracy", "Prequential loss", "Alignment score per layer",
                "Samples learned per second", "Update latency p50 / p99", "Consumer lag (max records)",
                "Dead letters by reason", "JVM heap")) {
            assertTrue(titles.contains(needed), "panel '" + needed + "' missing from " + titles);
        }
    }

    @Test
    void helmChartCopiesEqualTheDashboards() throws IOException {
        Path helm = Path.of("helm");
        if (!Files.isDirectory(helm)) {
            return;
        }
        List<Path> copies;
        try (Stream<Path> s = Files.walk(helm)) {
            copies = s.filter(p -> p.getParent() != null && p.getParent().getFileName().toString().equals("dashboards")
                    && p.toString().endsWith(".json")).toList();
        }
        for (Path copy : copies) {
            Path original = DASHBOARDS.resolve(copy.getFileName());
            assertTrue(Files.exists(original), copy + " has no original under " + DASHBOARDS);
            assertEquals(Files.readString(original), Files.readString(copy),
                    copy + " differs from " + original + "; run scripts/make-dashboard.py");
        }
    }
}
