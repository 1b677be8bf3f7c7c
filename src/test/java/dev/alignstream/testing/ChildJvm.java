package dev.alignstream.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A command of the CLI run in a child JVM with the test classpath, so a test can SIGKILL it the
 * way a crash or an evicted pod would end it. Output goes to a log file the test can wait on.
 */
public final class ChildJvm implements AutoCloseable {

    private final Process process;
    private final Path log;

    private ChildJvm(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    public static ChildJvm start(Path log, String... args) throws IOException {
        return start(log, List.of("-Xmx512m"), args);
    }

    /** Starts with the given JVM options (heap size and the like) instead of {@code -Xmx512m}. */
    public static ChildJvm start(Path log, List<String> jvmOptions, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.alignstream.cli.Main");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        ChildJvm c = new ChildJvm(p, log);
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
        return c;
    }

    /** Waits for a line of output matching {@code pattern} written after byte {@code from} of the log. */
    public void awaitLine(Pattern pattern, long from, Duration timeout) throws IOException, InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            String text = Files.readString(log, StandardCharsets.UTF_8);
            String recent = text.length() > from ? text.substring((int) Math.min(from, text.length())) : "";
            if (pattern.matcher(recent).find()) {
                return;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("child exited with " + process.exitValue() + " before printing "
                        + pattern + "; log:\n" + tail(text));
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("no line matching " + pattern + " within " + timeout + "; log:\n"
                + tail(Files.readString(log, StandardCharsets.UTF_8)));
    }

    private static String tail(String s) {
        return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
    }

    public long logSize() throws IOException {
        return Files.exists(log) ? Files.size(log) : 0;
    }

    /** SIGKILL: no shutdown hook, no clean close, exactly like a crash. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
