package dev.alignstream.deploy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs an external program for a test (promtool, the deployment shell scripts) and returns its
 * exit code and combined output. A program that does not finish within the limit is killed and
 * the test fails, so a hanging tool cannot hang the build.
 */
record ProcessRun(int exitCode, String output) {

    private static final long LIMIT_SECONDS = 60;

    /** Runs a command with the test's environment changed by extraEnv (a null value removes a variable). */
    static ProcessRun run(List<String> command, Map<String, String> extraEnv) {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        // a null value removes the variable from the inherited environment
        extraEnv.forEach((k, v) -> {
            if (v == null) {
                builder.environment().remove(k);
            } else {
                builder.environment().put(k, v);
            }
        });
        try {
            Process p = builder.start();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Thread reader = new Thread(() -> copy(p.getInputStream(), out), "process-output");
            reader.start();
            if (!p.waitFor(LIMIT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish within " + LIMIT_SECONDS + " s");
            }
            reader.join();
            return new ProcessRun(p.exitValue(), out.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + command, e);
        }
    }

    static ProcessRun run(String... command) {
        return run(List.of(command), Map.of());
    }

    /** An executable of that name on the PATH, if any. */
    static Optional<Path> onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return Optional.of(Path.of(dir, name));
            }
        }
        return Optional.empty();
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try (in) {
            in.transferTo(out);
        } catch (IOException e) {
            // the process was killed; what was read so far is the output
        }
    }
}
