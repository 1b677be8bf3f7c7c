package dev.alignstream.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image's shell scripts run by /bin/sh against stand-ins: deploy/alignstream.sh (the launcher:
 * heap from the container limit, the vector kernels' module, JAVA_OPTS last, arguments passed intact) with a fake `java`, and
 * deploy/demo-job.sh (the compose demo job: MNIST or generated data, one model per rule, then
 * produce) with a fake alignstream CLI that records its calls.
 */
class DeployScriptsTest {

    private static final Path LAUNCHER = RepositoryFiles.existing("deploy/alignstream.sh");
    private static final Path DEMO_JOB = RepositoryFiles.existing("deploy/demo-job.sh");

    @TempDir
    Path tmp;

    @Test
    void scriptsAreValidShell() {
        for (Path script : List.of(LAUNCHER, DEMO_JOB)) {
            ProcessRun r = ProcessRun.run("sh", "-n", script.toString());
            assertEquals(0, r.exitCode(), () -> script + ": " + r.output());
            assertTrue(Files.isExecutable(script), () -> script + " is not executable");
        }
    }

    @Test
    void launcherSizesTheHeapAndPassesJavaOptsAndArgumentsThrough() throws IOException {
        List<String> args = launch(true);
        assertEquals(List.of("-XX:MaxRAMPercentage=55", "-XX:+ExitOnOutOfMemoryError", "--add-modules=jdk.incubator.vector",
                "-Xss512k", "-Dalignstream.test=yes", "-jar", tmp.resolve("app.jar").toString(), "serve", "--instance-id",
                "pod 0"), args);
    }

    @Test
    void launcherAsksForTheVectorModuleOnlyWhenTheRuntimeHasIt() throws IOException {
        // a trimmed JRE without jdk.incubator.vector: java would refuse to start if asked for it
        List<String> args = launch(false);
        assertEquals(List.of("-XX:MaxRAMPercentage=55", "-XX:+ExitOnOutOfMemoryError", "-Xss512k", "-Dalignstream.test=yes",
                "-jar", tmp.resolve("app.jar").toString(), "serve", "--instance-id", "pod 0"), args);
    }

    /** Runs the launcher with a fake {@code java} (listing the vector module or not) and returns the arguments it got. */
    private List<String> launch(boolean runtimeHasVectorModule) throws IOException {
        Path jar = Files.writeString(tmp.resolve("app.jar"), "not really a jar");
        Path argsFile = tmp.resolve("java-args");
        String modules = "java.base@17.0.15\n" + (runtimeHasVectorModule ? "jdk.incubator.vector@17.0.15\n" : "")
                + "jdk.zipfs@17.0.15\n";
        Path bin = executable("bin/java", "#!/bin/sh\n"
                + "if [ \"$1\" = --list-modules ]; then printf '" + modules + "'; exit 0; fi\n"
                + "printf '%s\\n' \"$@\" > '" + argsFile + "'\n").getParent();

        Map<String, String> env = new HashMap<>();
        env.put("PATH", bin + ":" + System.getenv("PATH"));
        env.put("ALIGNSTREAM_JAR", jar.toString());
        env.put("ALIGNSTREAM_HEAP_PERCENTAGE", "55");
        env.put("JAVA_OPTS", "-Xss512k -Dalignstream.test=yes");
        ProcessRun r = ProcessRun.run(List.of("sh", LAUNCHER.toString(), "serve", "--instance-id", "pod 0"), env);

        assertEquals(0, r.exitCode(), r.output());
        return Files.readAllLines(argsFile);
    }

    @Test
    void launcherWithoutAJarSaysWhichPathIsMissing() {
        Map<String, String> env = new HashMap<>();
        env.put("ALIGNSTREAM_JAR", tmp.resolve("missing.jar").toString());
        ProcessRun r = ProcessRun.run(List.of("sh", LAUNCHER.toString(), "serve"), env);
        assertNotEquals(0, r.exitCode());
        assertTrue(r.output().contains(tmp.resolve("missing.jar").toString()), r.output());
    }

    @Test
    void demoJobDeclaresOneModelPerRuleAndStreamsMnist() throws IOException {
        List<List<String>> calls = runDemoJob(true, Map.of("DEMO_RULES", "bp align-ada", "DEMO_RATE", "40", "DEMO_STREAM", "digits"));
        Path data = tmp.resolve("data");

        assertEquals(List.of("datasets", "mnist", "--out", data.toString()), calls.get(0));
        assertModelCreated(calls.get(1), "bp", "digits", "3");
        assertModelCreated(calls.get(2), "align-ada", "digits", "3");
        List<String> produce = calls.get(3);
        assertEquals("produce", produce.get(0));
        assertEquals(data.resolve("mnist-train.csv").toString(), option(produce, "--data"));
        assertEquals("digits", option(produce, "--stream"));
        assertEquals("40", option(produce, "--rate"));
        assertEquals("kafka:19092", option(produce, "--bootstrap-servers"));
        assertEquals(4, calls.size(), () -> "unexpected calls " + calls);
    }

    @Test
    void demoJobFallsBackToGeneratedDataWithoutMnist() throws IOException {
        List<List<String>> calls = runDemoJob(false, Map.of("DEMO_RULES", "align-zero"));
        assertEquals(List.of("datasets", "mnist"), calls.get(0).subList(0, 2));
        assertEquals(List.of("datasets", "synthetic"), calls.get(1).subList(0, 2));
        assertModelCreated(calls.get(2), "align-zero", "mnist", "1");
        List<String> produce = calls.get(3);
        Path produced = Path.of(option(produce, "--data"));
        assertTrue(produced.startsWith(Path.of(option(calls.get(1), "--out"))), () -> "produces " + produced);
        assertTrue(Files.isRegularFile(produced));
    }

    @Test
    void demoJobUsesCachedMnistWithoutFetching() throws IOException {
        Files.createDirectories(tmp.resolve("data"));
        Files.writeString(tmp.resolve("data/mnist-train.csv"), "7,0.5\n");
        List<List<String>> calls = runDemoJob(false, Map.of("DEMO_RULES", "bp"));
        assertEquals("models", calls.get(0).get(0), () -> "fetched again: " + calls);
    }

    @Test
    void demoJobWithoutBootstrapServersNamesTheVariable() throws IOException {
        Map<String, String> env = new HashMap<>();
        env.put("ALIGNSTREAM_CLI", fakeCli(true).toString());
        env.put("ALIGNSTREAM_BOOTSTRAP_SERVERS", null);
        env.put("DEMO_DATA_DIR", tmp.resolve("data").toString());
        ProcessRun r = ProcessRun.run(List.of("sh", DEMO_JOB.toString()), env);
        assertNotEquals(0, r.exitCode());
        assertTrue(r.output().contains("ALIGNSTREAM_BOOTSTRAP_SERVERS"), r.output());
    }

    // ---- helpers -------------------------------------------------------------------------------

    private List<List<String>> runDemoJob(boolean mnistAvailable, Map<String, String> settings) throws IOException {
        Map<String, String> env = new HashMap<>(settings);
        env.put("ALIGNSTREAM_CLI", fakeCli(mnistAvailable).toString());
        env.put("ALIGNSTREAM_BOOTSTRAP_SERVERS", "kafka:19092");
        env.put("DEMO_DATA_DIR", tmp.resolve("data").toString());
        ProcessRun r = ProcessRun.run(List.of("sh", DEMO_JOB.toString()), env);
        assertEquals(0, r.exitCode(), r.output());
        return Files.readAllLines(tmp.resolve("calls")).stream().map(l -> List.of(l.split("\t"))).toList();
    }

    /** A stand-in for the alignstream CLI: logs each call as one tab-separated line. */
    private Path fakeCli(boolean mnistAvailable) throws IOException {
        String script = String.join("\n",
                "#!/bin/sh",
                "line=''",
                "for a in \"$@\"; do line=\"$line${line:+\t}$a\"; done",
                "printf '%s\\n' \"$line\" >> '" + tmp.resolve("calls") + "'",
                "if [ \"$1 $2\" = 'datasets mnist' ]; then",
                mnistAvailable ? "  mkdir -p \"$4\" && echo '5,0.1' > \"$4/mnist-train.csv\"" : "  echo 'npm: not found' >&2; exit 1",
                "fi",
                "if [ \"$1 $2\" = 'datasets synthetic' ]; then mkdir -p \"$4\" && echo '3,0.2' > \"$4/generated.csv\"; fi",
                "exit 0",
                "");
        return executable("fake-alignstream", script);
    }

    private Path executable(String relative, String content) throws IOException {
        Path file = tmp.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    private static void assertModelCreated(List<String> call, String rule, String stream, String inputScale) {
        assertEquals(List.of("models", "create"), call.subList(0, 2), () -> "expected models create, got " + call);
        assertEquals(rule, option(call, "--rule"));
        assertEquals(rule, option(call, "--id"));
        assertEquals(stream, option(call, "--stream"));
        assertEquals(inputScale, option(call, "--input-scale"));
        assertEquals("kafka:19092", option(call, "--bootstrap-servers"));
        assertTrue(call.contains("--layers") && call.contains("--lr"), () -> "layers and lr are required: " + call);
    }

    private static String option(List<String> call, String name) {
        int i = call.indexOf(name);
        assertTrue(i >= 0 && i + 1 < call.size(), () -> name + " missing in " + call);
        return call.get(i + 1);
    }
}
