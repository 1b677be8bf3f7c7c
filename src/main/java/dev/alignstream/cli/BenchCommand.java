package dev.alignstream.cli;

import static dev.alignstream.bench.StepBenchmark.median;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.alignstream.bench.Machine;
import dev.alignstream.bench.ModelMemory;
import dev.alignstream.bench.NumpyPeer;
import dev.alignstream.bench.StepBenchmark;
import dev.alignstream.bench.TrackingCost;
import dev.alignstream.core.Kernels;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench}: samples per second of the learning step, per rule, batch size and alignment
 * tracking, one thread, with each rule's cost relative to {@code bp}, the bytes one model holds
 * and, when the numpy peer script is given, the peer running the same rule (same batch, same
 * tracking) in the same run and the ratio to it. With the peer, each configuration is measured
 * in {@code --pairs} alternating windows (peer, ours, peer, ours, ...) and the ratio reported is
 * the median of the pairs' ratios: on a shared machine the speed of both sides drifts by tens of
 * percent between windows a few seconds apart, and a pair taken back to back shares most of it.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measures the learning step alone (one thread, synthetic data): samples/s per rule, batch and",
                "alignment tracking, cost relative to bp, bytes per model, and the ratio to the numpy/OpenBLAS peer",
                "running the same rule in the same session (peer rules: bp, align-ada, align-zero), in alternating",
                "windows (--pairs) with the median ratio and its range.",
                "The machine line says whether the vector kernels are on (start java with"
                        + " --add-modules jdk.incubator.vector for them).",
                "Example: bench --layers 784,1024,1024,10 --rule bp,align-ada --batch 1,32 --track-alignment both"
                        + " --peer ../shared/bench/numpy_peer.py"})
public final class BenchCommand implements Callable<Integer> {

    @Option(names = "--layers", defaultValue = "784,1024,1024,10", description = "layer sizes (default ${DEFAULT-VALUE})")
    String layers;

    @Option(names = "--rule", defaultValue = "align-ada",
            description = "rule, comma-separated rules, or 'all' (default ${DEFAULT-VALUE})")
    String rule;

    @Option(names = "--batch", defaultValue = "1", description = "batch size(s), comma-separated (default ${DEFAULT-VALUE})")
    String batch;

    @Option(names = "--seconds", defaultValue = "10", description = "measured seconds per configuration, per window with --peer (default ${DEFAULT-VALUE})")
    double seconds;

    @Option(names = "--track-alignment", defaultValue = "on", paramLabel = "on|off|both",
            description = "alignment tracking of the measured models: on (the service's default, and this option's),"
                    + " off, or both")
    String trackAlignment;

    @Option(names = "--peer", description = "path of numpy_peer.py; run it with the same rule, layers, batch and"
            + " tracking and report ratios")
    Path peer;

    @Option(names = "--pairs", defaultValue = "3",
            description = "with --peer: measure the peer and ours this many times, alternating, --seconds each,"
                    + " and report the median of the pairs' ratios with their range; the machine's speed drifts"
                    + " between windows of a few seconds, so one pair's ratio says little (default ${DEFAULT-VALUE})")
    int pairs;

    @Option(names = "--report", description = "write the results as JSON to this file")
    Path report;

    @Option(names = "--tracking-cost",
            description = "also measure what alignment tracking costs each rule and batch: a tracked and an untracked"
                    + " model in this JVM, stepped in " + TrackingCost.PAIRS + " alternating pairs of slices of"
                    + " --seconds / 10 each; the cost is the median of the pairs' untracked/tracked rate ratios."
                    + " Two rows of the main table are minutes apart and drift with the machine; these slices are not")
    boolean trackingCost;

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
        if (rules.remove(RuleName.BP)) {
            rules.add(0, RuleName.BP);
        }
        List<Integer> batches = new ArrayList<>();
        for (String b : batch.split(",")) {
            try {
                batches.add(Integer.parseInt(b.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--batch: not a number: '" + b.trim() + "'");
            }
        }
        List<Boolean> tracking = switch (trackAlignment.trim().toLowerCase(Locale.ROOT)) {
            case "on" -> List.of(true);
            case "off" -> List.of(false);
            case "both" -> List.of(false, true);
            default -> throw new IllegalArgumentException("--track-alignment must be on, off or both, not '"
                    + trackAlignment + "'");
        };
        if (pairs < 1 || pairs > 100) {
            throw new IllegalArgumentException("--pairs must be between 1 and 100, not " + pairs);
        }
        if (peer != null && !Files.isRegularFile(peer)) {
            throw new IllegalArgumentException("numpy peer script not found: " + peer);
        }
        Machine machine = Machine.current();
        String kernel = peer != null ? NumpyPeer.kernel() : null;
        System.out.println("machine: " + machine + "; vector kernels " + Kernels.vectorStatus());
        if (peer != null) {
            System.out.println("numpy peer: OpenBLAS kernel " + kernel + " (OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset for it)");
        }
        System.out.println("alignment tracking: " + switch (tracking.size()) {
            case 2 -> "off and on";
            default -> tracking.get(0) ? "on (the service's default)" : "off";
        });
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ArrayNode results = json.createArrayNode();
        Map<String, Double> bpRate = new LinkedHashMap<>();
        System.out.printf(Locale.ROOT, "%-11s %5s %5s %11s %8s %11s %8s %11s %9s%n", "rule", "batch", "align",
                "samples/s", "vs bp", "numpy same", "ratio", "range", "MB/model");
        for (int b : batches) {
            for (boolean track : tracking) {
                for (RuleName r : rules) {
                    boolean withPeer = peer != null && NumpyPeer.RULES.contains(r);
                    int windows = withPeer ? pairs : 1;
                    double[] peerRates = new double[windows];
                    double[] ourRates = new double[windows];
                    double[] ratios = new double[windows];
                    NumpyPeer.Result pr = null;
                    StepBenchmark.Result res = null;
                    double minRate = Double.POSITIVE_INFINITY;
                    double maxRate = 0;
                    for (int w = 0; w < windows; w++) {
                        String of = windows > 1 ? String.format(Locale.ROOT, " (pair %d of %d)", w + 1, windows) : "";
                        if (withPeer) {
                            System.err.printf("running numpy peer, %s batch %d tracking %s%s ...%n", r.id(), b,
                                    track ? "on" : "off", of);
                            pr = NumpyPeer.run(peer, layers, r, b, track, seconds);
                            peerRates[w] = pr.samplesPerSecond();
                        }
                        System.err.printf("measuring %s, batch %d, tracking %s%s ...%n", r.id(), b, track ? "on" : "off", of);
                        res = StepBenchmark.run(sizes, r, b, seconds, track);
                        ourRates[w] = res.samplesPerSecond();
                        minRate = Math.min(minRate, res.minRate());
                        maxRate = Math.max(maxRate, res.maxRate());
                        if (withPeer) {
                            ratios[w] = ourRates[w] / peerRates[w];
                        }
                    }
                    Double peerRate = withPeer ? median(peerRates) : null;
                    double ours = median(ourRates);
                    String key = b + "/" + track;
                    if (r == RuleName.BP) {
                        bpRate.put(key, ours);
                    }
                    ModelMemory f = res.footprint();
                    ObjectNode o = results.addObject();
                    o.put("rule", res.rule());
                    o.put("layers", layers);
                    o.put("batch", b);
                    o.put("track_alignment", track);
                    o.put("samples_per_second", round(ours));
                    o.put("min_samples_per_second", round(minRate));
                    o.put("max_samples_per_second", round(maxRate));
                    ObjectNode mem = o.putObject("bytes_per_model");
                    mem.put("total", f.total());
                    mem.put("live", f.live());
                    mem.put("frozen", f.frozen());
                    mem.put("alignment", f.alignment());
                    mem.put("buffers", f.buffers());
                    mem.put("weight_sized_copies", round(f.weightSized()));
                    Double bp = bpRate.get(key);
                    String cost = "";
                    if (bp != null) {
                        double c = bp / ours;
                        o.put("cost_relative_to_bp", round(c));
                        cost = String.format(Locale.ROOT, "%.2fx", c);
                    }
                    String peerCol = "";
                    String ratio = "";
                    String range = "";
                    if (peerRate != null) {
                        o.put("peer_rule", r.id());
                        o.put("peer_samples_per_second", round(peerRate));
                        o.put("peer_path", pr.path());
                        double ratioMedian = median(ratios);
                        o.put("ratio_to_peer", round(ratioMedian));
                        ArrayNode each = o.putArray("pairs");
                        for (int w = 0; w < windows; w++) {
                            each.addObject().put("samples_per_second", round(ourRates[w]))
                                    .put("peer_samples_per_second", round(peerRates[w])).put("ratio", round(ratios[w]));
                        }
                        peerCol = String.format(Locale.ROOT, "%.1f", peerRate);
                        ratio = String.format(Locale.ROOT, "%.2fx", ratioMedian);
                        if (windows > 1) {
                            double[] sorted = ratios.clone();
                            Arrays.sort(sorted);
                            range = String.format(Locale.ROOT, "%.2f-%.2f", sorted[0], sorted[windows - 1]);
                        }
                    }
                    System.out.printf(Locale.ROOT, "%-11s %5d %5s %11.1f %8s %11s %8s %11s %9.1f%n", r.id(), b,
                            track ? "on" : "off", ours, cost, peerCol, ratio, range, f.total() / 1e6);
                }
            }
        }
        ArrayNode costs = json.createArrayNode();
        if (trackingCost) {
            double slice = seconds / 10;
            System.out.printf(Locale.ROOT, "%ntracking cost (a tracked and an untracked model in this JVM, %d alternating"
                    + " pairs of %.2f s slices):%n", TrackingCost.PAIRS, slice);
            System.out.printf(Locale.ROOT, "%-11s %5s %11s %11s %8s %11s%n", "rule", "batch", "untracked", "tracked",
                    "cost", "range");
            for (int b : batches) {
                for (RuleName r : rules) {
                    System.err.printf("measuring the tracking cost of %s, batch %d ...%n", r.id(), b);
                    TrackingCost.Result c = TrackingCost.run(sizes, r, b, slice);
                    System.out.printf(Locale.ROOT, "%-11s %5d %11.1f %11.1f %7.2fx %11s%n", r.id(), b, c.untrackedRate(),
                            c.trackedRate(), c.cost(), String.format(Locale.ROOT, "%.2f-%.2f", c.minCost(), c.maxCost()));
                    costs.addObject().put("rule", c.rule()).put("batch", b)
                            .put("untracked_samples_per_second", round(c.untrackedRate()))
                            .put("tracked_samples_per_second", round(c.trackedRate())).put("cost", round(c.cost()))
                            .put("min_cost", round(c.minCost())).put("max_cost", round(c.maxCost()))
                            .put("pairs", c.pairs()).put("slice_seconds", c.sliceSeconds());
                }
            }
        }
        if (report != null) {
            ObjectNode out = json.createObjectNode();
            ObjectNode m = out.putObject("machine");
            m.put("cpu", machine.cpu());
            m.put("cores", machine.cores());
            m.put("jvm", machine.jvm());
            m.put("arch", machine.arch());
            m.put("vector_kernels", Kernels.vectorized());
            if (kernel != null) {
                out.put("peer_openblas_kernel", kernel);
            }
            out.put("seconds_per_configuration", seconds);
            out.put("pairs", peer != null ? pairs : 1);
            out.set("results", results);
            if (trackingCost) {
                out.set("tracking_cost", costs);
            }
            Files.writeString(report, json.writeValueAsString(out) + "\n");
        }
        return 0;
    }

    private static double round(double v) {
        return Math.round(v * 100.0) / 100.0;
    }
}
