package dev.alignstream.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * deploy/Dockerfile read instruction by instruction: a Maven build stage and a JRE runtime, the
 * service stage (the default target) running `serve` as a non-root user with a health check on
 * the port it serves, and a build context (.dockerignore) that lets in every file the Dockerfile
 * copies. Building the image itself needs a Docker engine: {@link ServiceContainerTest}.
 */
class DockerfileTest {

    private static final String DOCKERFILE = RepositoryFiles.read(RepositoryFiles.existing("deploy/Dockerfile"));

    /** One Dockerfile instruction: keyword and arguments, continuation lines joined. */
    record Instruction(String keyword, String arguments) {
    }

    /** One build stage: its base image, its name (or null) and its instructions. */
    record Stage(String base, String name, List<Instruction> instructions) {

        Optional<Instruction> last(String keyword) {
            Instruction found = null;
            for (Instruction i : instructions) {
                if (i.keyword().equals(keyword)) {
                    found = i;
                }
            }
            return Optional.ofNullable(found);
        }
    }

    @Test
    void buildsWithMavenAndRunsOnASlimJre() {
        List<Stage> stages = stages(DOCKERFILE);
        assertTrue(stages.size() >= 2, "expected a multi-stage build");
        Stage build = stages.get(0);
        assertTrue(build.base().startsWith("maven:"), () -> "first stage should build with Maven, is " + build.base());
        assertTrue(build.instructions().stream().anyMatch(i -> i.keyword().equals("RUN") && i.arguments().contains("package")),
                "the build stage runs no mvn package");
        Stage runtime = stages.stream().filter(s -> s.base().startsWith("eclipse-temurin:")).findFirst()
                .orElseThrow(() -> new AssertionError("no eclipse-temurin runtime stage"));
        assertTrue(runtime.base().contains("-jre"), () -> "runtime should be a JRE image, is " + runtime.base());
        assertTrue(runtime.instructions().stream().anyMatch(i -> i.keyword().equals("COPY")
                && i.arguments().contains("--from=" + build.name()) && i.arguments().endsWith(".jar")),
                "the runtime does not copy the fat jar from the build stage");
    }

    @Test
    void theRuntimeRefusesAJreWithoutTheVectorModule() {
        Stage runtime = stages(DOCKERFILE).stream().filter(s -> s.base().startsWith("eclipse-temurin:")).findFirst()
                .orElseThrow();
        assertTrue(runtime.instructions().stream().anyMatch(i -> i.keyword().equals("RUN")
                        && i.arguments().contains("java --list-modules") && i.arguments().contains("jdk\\.incubator\\.vector@")
                        && i.arguments().contains("exit 1")),
                "the runtime stage does not fail its build when the JRE lacks jdk.incubator.vector");
    }

    @Test
    void defaultTargetServesAsANonRootUserWithAHealthCheck() {
        Stage service = stages(DOCKERFILE).get(stages(DOCKERFILE).size() - 1);
        assertEquals("service", service.name(), "the last stage (the default target) must be the service");

        String user = service.last("USER").orElseThrow(() -> new AssertionError("service stage sets no USER")).arguments();
        String uid = user.split(":")[0];
        assertFalse(uid.equals("root") || uid.equals("0"), () -> "service runs as " + user);

        List<String> entrypoint = jsonArray(service.last("ENTRYPOINT").orElseThrow().arguments());
        assertEquals("serve", entrypoint.get(entrypoint.size() - 1), () -> "entrypoint " + entrypoint + " does not run serve");

        String healthcheck = service.last("HEALTHCHECK").orElseThrow(() -> new AssertionError("no HEALTHCHECK")).arguments();
        Matcher url = Pattern.compile("http://(?:127\\.0\\.0\\.1|localhost):(\\d+)/health/live\\b").matcher(healthcheck);
        assertTrue(url.find(), () -> "health check does not call /health/live: " + healthcheck);

        List<String> cmd = jsonArray(service.last("CMD").orElseThrow().arguments());
        int httpPort = Integer.parseInt(cmd.get(cmd.indexOf("--http-port") + 1));
        assertEquals(httpPort, Integer.parseInt(url.group(1)), "health check port differs from --http-port");
        assertTrue(service.last("EXPOSE").orElseThrow().arguments().contains(String.valueOf(httpPort)));
    }

    @Test
    void heapIsSizedFromTheContainerMemoryLimit() {
        String launcher = RepositoryFiles.read(RepositoryFiles.existing("deploy/alignstream.sh")).lines()
                .filter(l -> !l.strip().startsWith("#"))
                .collect(java.util.stream.Collectors.joining("\n"));
        assertTrue(launcher.contains("-XX:MaxRAMPercentage="), "the launcher does not size the heap from the container limit");
        assertFalse(launcher.matches("(?s).*-Xmx\\d.*"), "a fixed -Xmx would ignore the container limit");
        assertTrue(DOCKERFILE.contains("/opt/alignstream/bin/alignstream"), "the image does not use the launcher");
    }

    @Test
    void buildContextAdmitsEveryCopiedFile() {
        List<String> ignore = RepositoryFiles.read(RepositoryFiles.existing(".dockerignore")).lines()
                .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        for (Stage stage : stages(DOCKERFILE)) {
            for (Instruction i : stage.instructions()) {
                if (!i.keyword().equals("COPY") || i.arguments().contains("--from=")) {
                    continue;
                }
                String[] words = i.arguments().split("\\s+");
                for (int w = 0; w < words.length - 1; w++) {
                    String source = words[w].replaceFirst("^\\./", "").replaceFirst("/$", "");
                    assertTrue(admitted(ignore, source), () -> "COPY " + source + " is excluded by .dockerignore");
                    assertTrue(java.nio.file.Files.exists(RepositoryFiles.root().resolve(source)), () -> "COPY " + source + ": no such file");
                }
            }
        }
    }

    /** Names of the stages (FROM ... AS name) of a Dockerfile. */
    static List<String> stageNames(String dockerfile) {
        return stages(dockerfile).stream().map(Stage::name).filter(n -> n != null).toList();
    }

    static List<Stage> stages(String dockerfile) {
        List<Stage> stages = new ArrayList<>();
        for (Instruction i : instructions(dockerfile)) {
            if (i.keyword().equals("FROM")) {
                String[] words = i.arguments().split("\\s+");
                String name = words.length >= 3 && words[1].equalsIgnoreCase("AS") ? words[2] : null;
                stages.add(new Stage(words[0], name, new ArrayList<>()));
            } else if (!stages.isEmpty()) {
                stages.get(stages.size() - 1).instructions().add(i);
            }
        }
        return stages;
    }

    private static List<Instruction> instructions(String dockerfile) {
        List<Instruction> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : dockerfile.lines().toList()) {
            String trimmed = line.strip();
            if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.length() == 0)) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                current.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            current.append(trimmed);
            String text = current.toString().strip();
            current.setLength(0);
            if (text.isEmpty()) {
                continue;
            }
            int space = text.indexOf(' ');
            out.add(new Instruction(text.substring(0, space).toUpperCase(Locale.ROOT), text.substring(space + 1).strip()));
        }
        return out;
    }

    private static List<String> jsonArray(String text) {
        try {
            List<String> out = new ArrayList<>();
            for (JsonNode n : new ObjectMapper().readTree(text)) {
                out.add(n.asText());
            }
            return out;
        } catch (IOException e) {
            throw new AssertionError("not an exec-form JSON array: " + text, e);
        }
    }

    /** Whether .dockerignore lets a path in: the last matching pattern decides, "!" re-admits. */
    private static boolean admitted(List<String> patterns, String path) {
        boolean admitted = true;
        for (String p : patterns) {
            boolean negated = p.startsWith("!");
            String pattern = (negated ? p.substring(1) : p).replaceFirst("/$", "");
            boolean matches = pattern.equals("*") || pattern.equals(path) || path.startsWith(pattern + "/");
            if (matches) {
                admitted = negated;
            }
        }
        return admitted;
    }
}
