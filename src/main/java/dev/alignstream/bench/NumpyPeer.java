package dev.alignstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Runs the numpy/OpenBLAS peer benchmark ({@code numpy_peer.py}, {@code bp} with in-place BLAS
 * updates, one thread) as a child process, so the Java figures are compared with a baseline
 * measured on the same machine in the same run.
 */
public final class NumpyPeer {

    private NumpyPeer() {
    }

    /** Samples per second the peer reports for these layers and batch size. */
    public static double run(Path script, String layers, int batch, double seconds) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(List.of("python3", script.toString(), "--layers", layers,
                "--batch", Integer.toString(batch), "--seconds", Double.toString(seconds)));
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        if (code != 0) {
            throw new IOException("numpy peer failed (exit " + code + "): " + out.strip());
        }
        String last = out.strip().lines().reduce((a, b) -> b).orElse("");
        JsonNode node = new ObjectMapper().readTree(last);
        if (!node.has("samples_per_second")) {
            throw new IOException("numpy peer printed no samples_per_second: " + last);
        }
        return node.get("samples_per_second").asDouble();
    }
}
