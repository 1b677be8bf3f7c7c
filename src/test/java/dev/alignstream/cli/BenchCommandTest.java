package dev.alignstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench --peer --pairs}: the peer and our step alternate, and the reported ratio is the
 * median of the pairs' ratios, not the ratio of two separately taken medians. A stand-in peer
 * script reports 1,000, 4,000 and 2,000 samples/s on its successive runs.
 */
class BenchCommandTest {

    @TempDir
    Path dir;

    @Test
    void thePeerAndOursAlternateAndTheRatioIsTheMedianOfThePairs() throws Exception {
        assumeTrue(python3(), "python3 not on PATH");
        Path calls = dir.resolve("calls");
        Path peer = dir.resolve("peer.py");
        Files.writeString(peer, String.join("\n",
                "import json, os, sys",
                "p = " + pyString(calls.toString()),
                "n = int(open(p).read()) if os.path.exists(p) else 0",
                "open(p, 'w').write(str(n + 1))",
                "rate = [1000.0, 4000.0, 2000.0][n]",
                "print(json.dumps({'samples_per_second': rate, 'path': 'stand-in', 'argv': sys.argv[1:]}))",
                ""));
        Path report = dir.resolve("bench.json");
        CliRun run = CliRun.of("bench", "--layers", "4,8,2", "--rule", "bp", "--batch", "1", "--track-alignment", "off",
                "--seconds", "0.05", "--pairs", "3", "--peer", peer.toString(), "--report", report.toString());
        assertEquals(0, run.code(), run.err());
        assertEquals("3", Files.readString(calls), "the peer runs once per pair");
        JsonNode result = new ObjectMapper().readTree(report.toFile()).get("results").get(0);
        JsonNode pairs = result.get("pairs");
        assertEquals(3, pairs.size());
        double[] expectedPeer = {1000, 4000, 2000};
        double[] ratios = new double[3];
        for (int i = 0; i < 3; i++) {
            JsonNode p = pairs.get(i);
            assertEquals(expectedPeer[i], p.get("peer_samples_per_second").asDouble());
            assertTrue(p.get("samples_per_second").asDouble() > 0);
            ratios[i] = p.get("samples_per_second").asDouble() / expectedPeer[i];
            assertEquals(ratios[i], p.get("ratio").asDouble(), 0.01);
        }
        java.util.Arrays.sort(ratios);
        assertEquals(2000.0, result.get("peer_samples_per_second").asDouble(), "median of the peer's windows");
        assertEquals(ratios[1], result.get("ratio_to_peer").asDouble(), 0.01, "median of the pairs' ratios");
        assertTrue(run.out().contains("(pair 3 of 3)") || run.err().contains("(pair 3 of 3)"), run.err());
    }

    /**
     * {@code --tracking-cost}: one paired measurement per rule and batch. Tracked {@code bp} runs
     * the frozen forward and backward passes and the accumulator that untracked {@code bp} does
     * not (about twice the work at these sizes), so its median cost must exceed 1.2.
     */
    @Test
    void trackingCostIsMeasuredInPairedSlicesPerRuleAndBatch() throws Exception {
        Path report = dir.resolve("cost.json");
        CliRun run = CliRun.of("bench", "--layers", "64,32,10", "--rule", "bp,align-ada", "--batch", "1",
                "--track-alignment", "off", "--seconds", "0.2", "--tracking-cost", "--report", report.toString());
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("tracking cost"), run.out());
        JsonNode costs = new ObjectMapper().readTree(report.toFile()).get("tracking_cost");
        assertEquals(2, costs.size(), costs.toString());
        for (JsonNode c : costs) {
            assertEquals(20, c.get("pairs").asInt());
            assertEquals(0.02, c.get("slice_seconds").asDouble(), 1e-9);
            assertTrue(c.get("min_cost").asDouble() <= c.get("cost").asDouble()
                    && c.get("cost").asDouble() <= c.get("max_cost").asDouble(), c.toString());
            assertTrue(c.get("untracked_samples_per_second").asDouble() > 0 && c.get("tracked_samples_per_second").asDouble() > 0);
        }
        assertEquals("bp", costs.get(0).get("rule").asText());
        assertTrue(costs.get(0).get("cost").asDouble() > 1.2, costs.get(0).toString());
    }

    @Test
    void aPairCountOutsideItsRangeIsRefusedWithTheReason() {
        CliRun run = CliRun.of("bench", "--layers", "4,8,2", "--pairs", "0", "--seconds", "0.05");
        assertEquals(1, run.code(), run.out() + run.err());
        assertTrue(run.err().contains("--pairs must be between 1 and 100"), run.err());
    }

    private static boolean python3() {
        try {
            Process p = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    private static String pyString(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
