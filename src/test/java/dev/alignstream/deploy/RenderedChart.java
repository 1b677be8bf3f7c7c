package dev.alignstream.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.StreamSupport;

/**
 * The manifests {@code helm template} renders from helm/alignstream for given values, with the
 * look-ups the chart tests need (a resource by kind, a container's env and args). Rendering runs
 * the real Helm library in-process through helm-java, so no helm binary or cluster is needed.
 */
final class RenderedChart {

    static final Path CHART = RepositoryFiles.existing("helm/alignstream");
    static final String RELEASE = "demo";
    static final String NAMESPACE = "learning";

    private final List<JsonNode> manifests;

    private RenderedChart(List<JsonNode> manifests) {
        this.manifests = manifests;
    }

    /** Renders with {@code --set key=value} for each entry, plus an optional values file. */
    static RenderedChart render(Map<String, Object> values, Path valuesFile) {
        TemplateCommand template = new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE);
        values.forEach(template::set);
        if (valuesFile != null) {
            template.withValuesFile(valuesFile);
        }
        return new RenderedChart(RepositoryFiles.yamlDocuments(template.call(), "helm template " + CHART));
    }

    static RenderedChart render(Map<String, Object> values) {
        return render(values, null);
    }

    /** Values every render needs: the chart refuses to render without bootstrap servers. */
    static Map<String, Object> withBootstrap(Object... keysAndValues) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("kafka.bootstrapServers", "kafka:9092");
        for (int i = 0; i < keysAndValues.length; i += 2) {
            values.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return values;
    }

    List<JsonNode> ofKind(String kind) {
        List<JsonNode> found = new ArrayList<>();
        for (JsonNode m : manifests) {
            if (kind.equals(m.path("kind").asText())) {
                found.add(m);
            }
        }
        return found;
    }

    /** The one resource of a kind; fails naming the kinds that were rendered otherwise. */
    JsonNode only(String kind) {
        List<JsonNode> found = ofKind(kind);
        assertEquals(1, found.size(), () -> "expected one " + kind + ", rendered kinds: " + kinds());
        return found.get(0);
    }

    Optional<JsonNode> named(String kind, String name) {
        return ofKind(kind).stream().filter(m -> name.equals(m.path("metadata").path("name").asText())).findFirst();
    }

    List<String> kinds() {
        return manifests.stream().map(m -> m.path("kind").asText() + "/" + m.path("metadata").path("name").asText()).toList();
    }

    JsonNode statefulSet() {
        return only("StatefulSet");
    }

    JsonNode podSpec() {
        return statefulSet().path("spec").path("template").path("spec");
    }

    /** The service container (the one named alignstream). */
    JsonNode container() {
        return StreamSupport.stream(podSpec().path("containers").spliterator(), false)
                .filter(c -> "alignstream".equals(c.path("name").asText()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no container named alignstream in the StatefulSet"));
    }

    List<String> args() {
        return StreamSupport.stream(container().path("args").spliterator(), false).map(JsonNode::asText).toList();
    }

    /** The value following an option in the container's args; fails if the option is absent. */
    String arg(String option) {
        List<String> args = args();
        int i = args.indexOf(option);
        if (i < 0 || i + 1 >= args.size()) {
            throw new AssertionError("option " + option + " with a value not in args " + args);
        }
        return args.get(i + 1);
    }

    Optional<JsonNode> env(String name) {
        return StreamSupport.stream(container().path("env").spliterator(), false)
                .filter(e -> name.equals(e.path("name").asText()))
                .findFirst();
    }

    Optional<JsonNode> volume(String name) {
        return StreamSupport.stream(podSpec().path("volumes").spliterator(), false)
                .filter(v -> name.equals(v.path("name").asText()))
                .findFirst();
    }

    /** The mount of the container whose mount path is the longest prefix of the given path. */
    Optional<JsonNode> mountHolding(String path) {
        JsonNode best = null;
        for (JsonNode m : container().path("volumeMounts")) {
            String mp = m.path("mountPath").asText();
            boolean holds = path.equals(mp) || path.startsWith(mp.endsWith("/") ? mp : mp + "/");
            if (holds && (best == null || mp.length() > best.path("mountPath").asText().length())) {
                best = m;
            }
        }
        return Optional.ofNullable(best);
    }
}
