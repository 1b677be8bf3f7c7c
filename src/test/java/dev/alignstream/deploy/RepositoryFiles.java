package dev.alignstream.deploy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Locates the deployment files of the repository (Dockerfile, compose file, chart, Grafana and
 * Prometheus configuration) for the tests that check them, and reads their YAML. The tests run
 * with the Maven project directory as working directory; the root is found by walking up to the
 * directory that holds pom.xml, so an IDE that starts tests elsewhere in the tree works too.
 */
final class RepositoryFiles {

    private static final YAMLMapper YAML = new YAMLMapper();

    private RepositoryFiles() {
    }

    /** The repository root: the nearest directory at or above the working directory with a pom.xml. */
    static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("pom.xml"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no pom.xml at or above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    /** A file of the repository, asserting that it exists. */
    static Path existing(String relative) {
        Path p = root().resolve(relative);
        assertTrue(Files.exists(p), () -> relative + " is missing (looked at " + p + ")");
        return p;
    }

    /** The one YAML document in a file; a file that is not YAML fails with its name. */
    static JsonNode yaml(Path file) {
        List<JsonNode> docs = yamlDocuments(read(file), file.toString());
        if (docs.size() != 1) {
            throw new AssertionError(file + ": expected one YAML document, found " + docs.size());
        }
        return docs.get(0);
    }

    /** Every non-empty document of a multi-document YAML text (such as `helm template` output). */
    static List<JsonNode> yamlDocuments(String text, String source) {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(text)) {
            while (it.hasNextValue()) {
                JsonNode doc = it.nextValue();
                if (doc != null && !doc.isNull() && !doc.isMissingNode() && !doc.isEmpty()) {
                    docs.add(doc);
                }
            }
        } catch (IOException e) {
            throw new AssertionError(source + " is not valid YAML: " + e.getMessage(), e);
        }
        return docs;
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
