package dev.alignstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.alignstream.bench.Machine;
import dev.alignstream.bench.ModelMemory;
import dev.alignstream.bench.NumpyPeer;
import dev.alignstream.bench.StepBenchmark;
import dev.alignstream.core.Kernels;
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
 * {@code bench}: samples per second of the learning step, per rule, batch size and alignment
 * tracking, one thread, with each rule's cost relative to {@code bp}, the bytes one model holds
 * and, when the numpy peer script is given, the peer running the same rule (same batch, same
 * tracking) in the same run and the ratio to it.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measures the learning step alone (one thread, synthetic data): samples/s per rule, batch and",
                "alignment tracking, cost relative to bp, bytes per model, and the ratio to the numpy/OpenBLAS peer",
                "running the same rule in the same session (peer rules: bp, align-ada, align-zero).",
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

    @Option(names = "--seconds", defaultValue = "10", description = "measured seconds per configuration (default ${DEFAULT-VALUE})")
    double seconds;

    @Option(names = "--track-alignment", defaultValue = "on", paramLabel = "on|off|both",
            description = "alignment tracking of the measured models: on (the service's default, and this option's),"
                    + " off, or both")
    String trackAlignment;

    @Option(names = "--peer", description = "path of numpy_peer.py; run it with the same rule, layers, batch and"
            + " tracking and report ratios")
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
        System.out.printf(Locale.ROOT, "%-11s %5s %5s %11s %8s %11s %8s %9s%n", "rule", "batch", "align",
                "samples/s", "vs bp", "numpy same", "ratio", "MB/model");
        for (int b : batches) {
            for (boolean track : tracking) {
                for (RuleName r : rules) {
                    Double peerRate = null;
                    NumpyPeer.Result pr = null;
                    if (peer != null && NumpyPeer.RULES.contains(r)) {
                        System.err.printf("running numpy peer, %s batch %d tracking %s ...%n", r.id(), b, track ? "on" : "off");
                        pr = NumpyPeer.run(peer, layers, r, b, track, seconds);
                        peerRate = pr.samplesPerSecond();
                    }
                    System.err.printf("measuring %s, batch %d, tracking %s ...%n", r.id(), b, track ? "on" : "off");
                    StepBenchmark.Result res = StepBenchmark.run(sizes, r, b, seconds, track);
                    String key = b + "/" + track;
                    if (r == RuleName.BP) {
                        bpRate.put(key, res.samplesPerSecond());
                    }
                    ModelMemory f = res.footprint();
                    ObjectNode o = results.addObject();
                    o.put("rule", res.rule());
                    o.put("layers", layers);
                    o.put("batch", b);
                    o.put("track_alignment", track);
                    o.put("samples_per_second", round(res.samplesPerSecond()));
                    o.put("min_samples_per_second", round(res.minRate()));
                    o.put("max_samples_per_second", round(res.maxRate()));
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
                        double c = bp / res.samplesPerSecond();
                        o.put("cost_relative_to_bp", round(c));
                        cost = String.format(Locale.ROOT, "%.2fx", c);
                    }
                    String peerCol = "";
                    String ratio = "";
                    if (peerRate != null) {
                        o.put("peer_rule", r.id());
                        o.put("peer_samples_per_second", round(peerRate));
                        o.put("peer_path", pr.path());
                        o.put("ratio_to_peer", round(res.samplesPerSecond() / peerRate));
                        peerCol = String.format(Locale.ROOT, "%.1f", peerRate);
                        ratio = String.format(Locale.ROOT, "%.2fx", res.samplesPerSecond() / peerRate);
                    }
                    System.out.printf(Locale.ROOT, "%-11s %5d %5s %11.1f %8s %11s %8s %9.1f%n", r.id(), b,
                            track ? "on" : "off", res.samplesPerSecond(), cost, peerCol, ratio, f.total() / 1e6);
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
            out.set("results", results);
            Files.writeString(report, json.writeValueAsString(out) + "\n");
        }
        return 0;
    }

    private static double round(double v) {
        return Math.round(v * 100.0) / 100.0;
    }
}
