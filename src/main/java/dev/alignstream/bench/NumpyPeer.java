package dev.alignstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.alignstream.core.RuleName;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs the numpy/OpenBLAS peer benchmark ({@code numpy_peer.py}: the same rule with in-place BLAS
 * updates, one thread) as a child process, so the Java figures are compared with a baseline
 * measured on the same machine in the same run.
 *
 * <p>The child's environment drops {@code OPENBLAS_CORETYPE} and {@code OPENBLAS_L2_SIZE}: some
 * machines set them to work around old OpenBLAS builds, and they slow a current numpy (on this
 * project's machine they force the Haswell kernels instead of SkylakeX). {@link #kernel} reports
 * which kernel OpenBLAS then chose.
 */
public final class NumpyPeer {

    /** Rules the peer script implements. */
    public static final Set<RuleName> RULES = Set.of(RuleName.BP, RuleName.ALIGN_ADA, RuleName.ALIGN_ZERO);

    /** Asks the OpenBLAS builds numpy and scipy load which kernel they picked. */
    private static final String KERNEL_PROBE = String.join("\n",
            "import ctypes, glob, os, numpy",
            "try:",
            "    import scipy.linalg",
            "except ImportError:",
            "    pass",
            "base = os.path.dirname(os.path.dirname(numpy.__file__))",
            "names = set()",
            "for lib in glob.glob(base + '/numpy.libs/*openblas*.so*') + glob.glob(base + '/scipy.libs/*openblas*.so*'):",
            "    d = ctypes.CDLL(lib)",
            "    for sym in ('scipy_openblas_get_corename64_', 'scipy_openblas_get_corename', 'openblas_get_corename'):",
            "        if hasattr(d, sym):",
            "            f = getattr(d, sym); f.restype = ctypes.c_char_p; names.add(f().decode()); break",
            "print(','.join(sorted(names)) or 'unknown')");

    /** One peer measurement. */
    public record Result(double samplesPerSecond, String path, String numpy) {
    }

    private NumpyPeer() {
    }

    /** Runs the peer for one rule, batch and tracking setting. */
    public static Result run(Path script, String layers, RuleName rule, int batch, boolean trackAlignment, double seconds)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("python3", script.toString(), "--layers", layers, "--rule", rule.id(),
                "--batch", Integer.toString(batch), "--seconds", Double.toString(seconds)));
        if (trackAlignment) {
            cmd.add("--track-alignment");
        }
        String last = lastLine(exec(cmd));
        JsonNode node = new ObjectMapper().readTree(last);
        if (!node.has("samples_per_second")) {
            throw new IOException("numpy peer printed no samples_per_second: " + last);
        }
        return new Result(node.get("samples_per_second").asDouble(), node.path("path").asText(""),
                node.path("numpy").asText(""));
    }

    /** The OpenBLAS kernel (core type) the peer runs with, e.g. {@code SkylakeX}; "unknown" if it cannot be read. */
    public static String kernel() {
        try {
            return lastLine(exec(List.of("python3", "-c", KERNEL_PROBE)));
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    private static String exec(List<String> cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.remove("OPENBLAS_CORETYPE");
        env.remove("OPENBLAS_L2_SIZE");
        env.put("OPENBLAS_NUM_THREADS", "1");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        if (code != 0) {
            throw new IOException("numpy peer failed (exit " + code + "): " + out.strip());
        }
        return out;
    }

    private static String lastLine(String out) {
        return out.strip().lines().reduce((a, b) -> b).orElse("");
    }
}
