package dev.alignstream.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a benchmark ran on: CPU model (from {@code /proc/cpuinfo} where it exists), the cores
 * this JVM may use, the JVM version and the OS architecture.
 *
 * @param cpu   CPU model name, or the architecture when it cannot be read
 * @param cores available processors
 * @param jvm   {@code java.vm.name} and {@code java.runtime.version}
 * @param arch  {@code os.arch}
 */
public record Machine(String cpu, int cores, String jvm, String arch) {

    /** This machine. */
    public static Machine current() {
        String arch = System.getProperty("os.arch");
        String cpu = arch;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).strip();
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: the architecture is all we can say
        }
        String jvm = System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version");
        return new Machine(cpu, Runtime.getRuntime().availableProcessors(), jvm, arch);
    }

    @Override
    public String toString() {
        return cpu + ", " + cores + " cores, " + jvm;
    }
}
