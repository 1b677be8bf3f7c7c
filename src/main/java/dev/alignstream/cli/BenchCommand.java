package dev.alignstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.alignstream.bench.NumpyPeer;
import dev.alignstream.bench.StepBenchmark;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench}: samples per second of the learning step, per rule and batch size, one thread,
 * with each rule's cost relative to {@code bp} and, when the numpy peer script is found, the ratio
 * to the numpy/OpenBLAS peer measured in the same run.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measures the learning step alone (one thread, synthetic data): samples/s per rule and batch,",
                "each rule's cost relative to bp, and the ratio to the numpy/OpenBLAS peer run in the same session.",
                "Example: bench --layers 784,1024,1024,10 --rule all --batch 1,32 --peer ../shared/bench/numpy_peer.py"})
public final class BenchCommand implements Callable<Integer> {

    @Option(names = "--layers", defaultValue = "784,1024,1024,10", description = "layer sizes (default ${DEFAULT-VALUE})")
    String layers;

    @Option(names = "--rule", defaultValue = "align-ada",
            description = "rule, comma-separated rules, or 'all' (default ${DEFAULT-VALUE})")
    String rule;

    @Option(names = "--batch", defaultValue = "1", description = "batch size(s), comma-separated (default ${DEFAULT-VALUE})")
    String batch;

    @Option(names = "--seconds", defaultValue = "10", description = "measured seconds per configuration (default ${DEFAULT-VALUE})")
    double seconds;

    @Option(names = "--track-alignment", description = "also accumulate the alignment score's prediction matrix")
    boolean trackAlignment;

    @Option(names = "--peer", description = "path of numpy_peer.py; run it (bp, same layers and batches) and report ratios")
    Path peer;

    @Option(names = "--report", description = "write the results as JSON to this file")
    Path report;

    @Override
    public Integer call() throws Exception {
        int[] sizes = ModelConfig.parseLayers(layers);
        List<RuleName> rules = new ArrayList<>();
        if (rule.trim().equalsIgnoreCase("all")) {
            rules.addAll(List.of(RuleName.values()));
        } else {
            for (String r : rule.split(",")) {
                rules.add(RuleName.parse(r));
            }
        }
        List<Integer> batches = new ArrayList<>();
        for (String b : batch.split(",")) {
            batches.add(Integer.parseInt(b.trim()));
        }
        if (peer != null && !Files.isRegularFile(peer)) {
            throw new IllegalArgumentException("numpy peer script not found: " + peer);
        }
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ArrayNode results = json.createArrayNode();
        Map<Integer, Double> bpRate = new LinkedHashMap<>();
        Map<Integer, Double> peerRate = new LinkedHashMap<>();
        System.out.printf(Locale.ROOT, "%-11s %6s %14s %12s %10s%n", "rule", "batch", "samples/s", "cost vs bp",
                peer != null ? "vs numpy" : "");
        for (int b : batches) {
            if (peer != null) {
                System.err.printf("running numpy peer, batch %d ...%n", b);
                peerRate.put(b, NumpyPeer.run(peer, layers, b, seconds));
            }
            List<RuleName> ordered = new ArrayList<>(rules);
            if (ordered.remove(RuleName.BP)) {
                ordered.add(0, RuleName.BP);
            }
            for (RuleName r : ordered) {
                System.err.printf("measuring %s, batch %d ...%n", r.id(), b);
                StepBenchmark.Result res = StepBenchmark.run(sizes, r, b, seconds, trackAlignment);
                if (r == RuleName.BP) {
                    bpRate.put(b, res.samplesPerSecond());
                }
                ObjectNode o = results.addObject();
                o.put("rule", res.rule());
                o.put("layers", layers);
                o.put("batch", b);
                o.put("samples_per_second", round(res.samplesPerSecond()));
                o.put("min_samples_per_second", round(res.minRate()));
                o.put("max_samples_per_second", round(res.maxRate()));
                Double bp = bpRate.get(b);
                String cost = "";
                if (bp != null) {
                    double c = bp / res.samplesPerSecond();
                    o.put("cost_relative_to_bp", round(c));
                    cost = String.format(Locale.ROOT, "%.2fx", c);
                }
                String vsPeer = "";
                Double p = peerRate.get(b);
                if (p != null) {
                    o.put("peer_samples_per_second", round(p));
                    o.put("ratio_to_peer", round(res.samplesPerSecond() / p));
                    vsPeer = String.format(Locale.ROOT, "%.2fx", res.samplesPerSecond() / p);
                }
                System.out.printf(Locale.ROOT, "%-11s %6d %14.1f %12s %10s%n", r.id(), b, res.samplesPerSecond(),
                        cost, vsPeer);
            }
            if (peerRate.containsKey(b)) {
                System.out.printf(Locale.ROOT, "%-11s %6d %14.1f %12s %10s%n", "numpy-bp", b, peerRate.get(b), "", "1.00x");
            }
        }
        if (report != null) {
            Object out = results.size() == 1 ? results.get(0) : json.createObjectNode()
                    .put("machine", machine())
                    .put("java", System.getProperty("java.version"))
                    .set("results", results);
            if (results.size() == 1) {
                ((ObjectNode) results.get(0)).put("machine", machine()).put("java", System.getProperty("java.version"));
            }
            Files.writeString(report, json.writeValueAsString(out) + "\n");
        }
        return 0;
    }

    private static double round(double v) {
        return Math.round(v * 100.0) / 100.0;
    }

    static String machine() {
        return System.getProperty("os.arch") + ", " + Runtime.getRuntime().availableProcessors() + " cores";
    }
}
