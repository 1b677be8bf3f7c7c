package dev.alignstream.stream;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code alignstream serve} in a child JVM with the test classpath, so a test can SIGKILL it
 * ({@link Process#destroyForcibly()} is SIGKILL on Linux) the way a crash would end it. Output goes
 * to a log file next to the state directory and is scanned for lines a test waits for.
 */
final class ServiceProcess implements AutoCloseable {

    private final Process process;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final long startedNanos = System.nanoTime();

    private ServiceProcess(Process process, Path log) {
        this.process = process;
        Thread pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                 var w = Files.newBufferedWriter(log, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                         java.nio.file.StandardOpenOption.APPEND)) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                    w.write(line);
                    w.newLine();
                    w.flush();
                }
            } catch (IOException ignored) {
                // the process was killed
            }
        }, "child-output");
        pump.setDaemon(true);
        pump.start();
    }

    /** Starts {@code serve} with {@code args}; output is appended to {@code log}. */
    static ServiceProcess serve(Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.alignstream.cli.Main");
        cmd.add("serve");
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        return new ServiceProcess(pb.start(), log);
    }

    /** Waits for an output line containing {@code text}; returns it. */
    String awaitLine(String text, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            String l = lines.poll(100, TimeUnit.MILLISECONDS);
            if (l != null && l.contains(text)) {
                return l;
            }
            if (l == null && !process.isAlive() && lines.isEmpty()) {
                throw new IllegalStateException("serve exited with code " + process.exitValue() + " before printing '"
                        + text + "'");
            }
        }
        throw new IllegalStateException("serve did not print '" + text + "' within " + timeout.toSeconds() + " s");
    }

    double secondsSinceStart() {
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    /** SIGKILL: no shutdown hook, no flush, no commit. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
