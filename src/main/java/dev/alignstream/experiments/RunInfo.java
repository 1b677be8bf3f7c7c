package dev.alignstream.experiments;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.stream.Stream;

/**
 * Where and how a set of results was produced: the machine, the JVM, the date, the threads, the
 * wall time and the command line. Only this part of the outputs may differ between two runs of
 * the same grid on the same data.
 *
 * @param cpu         CPU model ({@code /proc/cpuinfo}), or the architecture when unknown
 * @param cores       processors available to the JVM
 * @param jvm         JVM name and version
 * @param os          operating system name, version and architecture
 * @param threads     threads the runs used
 * @param wallSeconds wall time of all runs
 * @param date        when the run finished, UTC, to the second
 * @param command     the command line that produced the results
 */
public record RunInfo(String cpu, int cores, String jvm, String os, int threads, double wallSeconds, String date,
                      String command) {

    public static RunInfo current(int threads, double wallSeconds, String command) {
        return new RunInfo(cpuModel(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
                threads, wallSeconds, Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), command);
    }

    private static String cpuModel() {
        Path info = Path.of("/proc/cpuinfo");
        if (Files.isReadable(info)) {
            try (Stream<String> lines = Files.lines(info)) {
                String m = lines.filter(l -> l.startsWith("model name")).findFirst()
                        .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(null);
                if (m != null && !m.isEmpty()) {
                    return m;
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                // fall through to the architecture
            }
        }
        return System.getProperty("os.arch");
    }
}
