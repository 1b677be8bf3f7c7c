package dev.alignstream.experiments;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;

/**
 * Writes {@code results.json} and {@code results.md}. Each file is written to a temporary sibling
 * and moved into place, so a failed run never leaves a half-written file.
 */
public final class ResultsWriter {

    public static final String JSON = "results.json";
    public static final String MARKDOWN = "results.md";

    private ResultsWriter() {
    }

    /** The JSON document: run info, config, then the lists of the issue and the supporting ones. */
    public static ObjectNode json(Results r, ExperimentConfig c, ExperimentData data, RnnGrid g, RunInfo info) {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        root.put("title", "alignstream experiments: the claims of Boopathy & Fiete (ICML 2022) on the MNIST stream");
        root.put("grid", c.quick() ? "quick" : "full");
        root.put("date", info.date());
        ObjectNode machine = root.putObject("machine");
        machine.put("cpu", info.cpu());
        machine.put("cores", info.cores());
        machine.put("jvm", info.jvm());
        machine.put("os", info.os());
        machine.put("threads", info.threads());
        machine.put("wall_seconds", Math.round(info.wallSeconds() * 10) / 10.0);
        root.put("command", info.command());
        ObjectNode cfg = root.putObject("config");
        cfg.put("train_file", data.trainFile().toString());
        cfg.put("train_samples", data.train().size());
        cfg.put("test_file", data.testFile().toString());
        cfg.put("test_samples", data.test().size());
        cfg.put("layers", data.inputs() + ",w,w," + ExperimentConfig.CLASSES);
        cfg.put("activation", "relu");
        cfg.put("batch", 1);
        cfg.put("input_scale", ExperimentConfig.INPUT_SCALE);
        cfg.put("target_offset", ExperimentConfig.TARGET_OFFSET);
        cfg.put("passes", 1);
        cfg.put("dtype", "float32");
        ObjectNode a = cfg.putObject("alignment_vs_width");
        a.put("rule", "bp");
        ints(a.putArray("widths"), c.alignmentWidths());
        ArrayNode seeds = a.putArray("seeds");
        for (long s : c.alignmentSeeds()) {
            seeds.add(s);
        }
        a.put("samples", Math.min(c.alignmentSamples(), data.train().size()));
        a.put("lr", c.alignmentLr());
        ObjectNode s = cfg.putObject("accuracy_vs_width");
        ints(s.putArray("widths"), c.sweepWidths());
        ArrayNode lrs = s.putArray("learning_rates");
        for (float lr : c.learningRates()) {
            lrs.add(lr);
        }
        ArrayNode rules = s.putArray("rules");
        c.rules().forEach(x -> rules.add(x.id()));
        s.put("seed", c.sweepSeed());
        s.put("samples", c.streamSamples() == 0 ? data.train().size() : Math.min(c.streamSamples(), data.train().size()));
        s.put("best_lr_by", "prequential accuracy over the whole stream (ties: the earlier rate)");
        ObjectNode ld = cfg.putObject("low_data");
        ld.put("width", c.lowDataWidth());
        ints(ld.putArray("samples"), c.lowDataSamples());
        ld.put("lr", "the best rate of accuracy_vs_width at that width");
        if (g != null) {
            cfg.set("rnn", rnnConfig(g));
        }

        ArrayNode al = root.putArray("alignment_vs_width");
        for (Results.AlignmentRow x : r.alignmentVsWidth()) {
            ObjectNode o = al.addObject();
            o.put("rule", x.rule());
            o.put("width", x.width());
            o.put("layer", x.layer());
            o.put("seed", x.seed());
            o.put("samples", x.samples());
            o.put("lr", x.lr());
            o.put("score", x.score());
            o.put("baseline", x.baseline());
        }
        accuracyRows(root.putArray("accuracy_vs_width"), r.accuracyVsWidth());
        ArrayNode low = root.putArray("low_data");
        for (Results.LowDataRow x : r.lowData()) {
            ObjectNode o = low.addObject();
            o.put("rule", x.rule());
            o.put("width", x.width());
            o.put("lr", x.lr());
            o.put("samples", x.samples());
            o.put("prequential_accuracy", x.prequentialAccuracy());
            o.put("test_accuracy", x.testAccuracy());
            strings(o.putArray("reproduce"), x.reproduce());
        }
        rnnRows(root.putArray("rnn"), r);
        if (r.rnnNote() != null) {
            root.put("rnn_note", r.rnnNote());
        }
        accuracyRows(root.putArray("learning_rate_sweep"), r.learningRateSweep());
        ArrayNode curves = root.putArray("learning_curves");
        for (Results.CurveRow x : r.learningCurves()) {
            ObjectNode o = curves.addObject();
            o.put("rule", x.rule());
            o.put("width", x.width());
            o.put("lr", x.lr());
            o.put("block", x.block());
            ints(o.putArray("samples"), x.samples());
            ArrayNode acc = o.putArray("prequential_accuracy");
            for (double v : x.accuracy()) {
                acc.add(v);
            }
        }
        return root;
    }

    /** The {@code config.rnn} object: the delayed-sum data, widths, rules with rates, epochs. */
    static ObjectNode rnnConfig(RnnGrid g) {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("task", "delayed-sum: x_t ~ Bernoulli(0.5), target_t = 0.5 + 0.5 x_{t-2} - 0.25 x_{t-5}");
        o.put("data", "datasets delayed-sum" + g.datasetOptions() + " (generated in memory from its seed)");
        o.put("train_sequences", g.train());
        o.put("test_sequences", g.test());
        o.put("length", g.length());
        o.put("data_seed", g.dataSeed());
        o.put("layers", "1,w,1");
        ints(o.putArray("widths"), g.widths());
        ObjectNode rates = o.putObject("learning_rates");
        g.rates().forEach((rule, lr) -> rates.put(rule.id(), lr));
        o.put("lr_chosen_by", "lowest prequential training loss over {0.0003, 0.001, 0.003, 0.01, 0.03} at widths 32 "
                + "and 256 (scripts/rnn-delayed-sum.sh); larger widths reuse the width-256 rate");
        o.put("epochs", g.epochs());
        o.put("activation", "relu");
        o.put("batch", 1);
        o.put("seed", g.modelSeed());
        o.put("loss", "mean over test sequences of the mean over steps of 0.5 (y_t - target_t)^2");
        o.put("mean_predictor", "always output the mean of all training targets");
        return o;
    }

    private static void rnnRows(ArrayNode rnn, Results r) {
        for (Results.RnnRow x : r.rnn()) {
            ObjectNode o = rnn.addObject();
            o.put("rule", x.rule());
            o.put("width", x.width());
            o.put("epochs", x.epochs());
            o.put("lr", x.lr());
            o.put("test_loss", x.testLoss());
            o.put("mean_predictor_loss", x.meanPredictorLoss());
            o.put("rejected_steps", x.rejectedSteps());
            doubles(o.putArray("train_loss_per_epoch"), x.trainLoss());
            doubles(o.putArray("test_loss_per_epoch"), x.testLosses());
            strings(o.putArray("reproduce"), x.reproduce());
        }
    }

    private static void accuracyRows(ArrayNode arr, List<Results.AccuracyRow> rows) {
        for (Results.AccuracyRow x : rows) {
            ObjectNode o = arr.addObject();
            o.put("rule", x.rule());
            o.put("width", x.width());
            o.put("lr", x.lr());
            o.put("samples", x.samples());
            o.put("prequential_accuracy", x.prequentialAccuracy());
            o.put("test_accuracy", x.testAccuracy());
            o.put("rejected_steps", x.rejectedSteps());
            strings(o.putArray("reproduce"), x.reproduce());
        }
    }

    private static void ints(ArrayNode a, int[] v) {
        for (int x : v) {
            a.add(x);
        }
    }

    private static void doubles(ArrayNode a, double[] v) {
        for (double x : v) {
            a.add(x);
        }
    }

    private static void strings(ArrayNode a, List<String> v) {
        v.forEach(a::add);
    }

    /** The Markdown report: run info, the claims with verdicts, the tables, the plots. */
    public static String markdown(Results r, ExperimentConfig c, ExperimentData data, RnnGrid g, RunInfo info,
                                  List<String> plots) {
        StringBuilder md = new StringBuilder();
        md.append("# Experiments: the paper's claims on the MNIST stream\n\n");
        if (c.quick()) {
            md.append("**Quick grid** (`--quick`): small widths, a short stream and one seed; the numbers are a smoke "
                    + "test of the pipeline, not evidence about the claims.\n\n");
        }
        md.append("Produced by `").append(info.command()).append("` on ").append(info.date()).append(" — ")
                .append(info.cpu()).append(", ").append(info.cores()).append(" cores, ").append(info.jvm())
                .append(", ").append(info.threads()).append(" thread(s), ")
                .append(String.format(Locale.ROOT, "%.0f", info.wallSeconds())).append(" s.\n\n");
        int stream = c.streamSamples() == 0 ? data.train().size() : Math.min(c.streamSamples(), data.train().size());
        md.append("Setting: `").append(data.trainFile()).append("` (").append(data.train().size())
                .append(" samples) learned once, in file order, prequentially (test-then-train), batch 1, float32, "
                        + "relu, layers ").append(data.inputs()).append("-w-w-").append(ExperimentConfig.CLASSES)
                .append(", input scale 3, target offset -0.1; test accuracy on `").append(data.testFile()).append("` (")
                .append(data.test().size()).append(" samples).\n\n");

        md.append("## Claims\n\n| claim | verdict here | criterion | evidence |\n|---|---|---|---|\n");
        for (ClaimChecks.Claim cl : ClaimChecks.check(r)) {
            md.append(claimRow(cl));
        }

        md.append("\n## 1. Alignment vs width (bp)\n\n");
        md.append("Alignment score (SPEC section 5) per layer after ")
                .append(Math.min(c.alignmentSamples(), data.train().size())).append(" samples at lr ")
                .append(ReproduceCommand.number(c.alignmentLr())).append(", mean ± standard deviation over ")
                .append(c.alignmentSeeds().length).append(" seed(s); in brackets the same score with the entries of dW "
                        + "permuted (what an unstructured change would get).\n\n");
        List<Integer> aw = Summaries.alignmentWidths(r);
        md.append("| layer |");
        aw.forEach(w -> md.append(" w = ").append(w).append(" |"));
        md.append("\n|---|").append("---|".repeat(aw.size())).append('\n');
        for (int l : Summaries.alignmentLayers(r)) {
            md.append("| ").append(l).append(" |");
            for (int w : aw) {
                Summaries.Stat s = Summaries.alignment(r, w, l, false);
                Summaries.Stat b = Summaries.alignment(r, w, l, true);
                md.append(String.format(Locale.ROOT, " %.3f ± %.3f (%.3f) |", s.mean(), s.std(), b.mean()));
            }
            md.append('\n');
        }

        md.append("\n## 2. Test accuracy vs width\n\n");
        md.append("Test accuracy after the ").append(stream).append("-sample stream, each rule at its best learning rate of {");
        for (int i = 0; i < c.learningRates().length; i++) {
            md.append(i == 0 ? "" : ", ").append(ReproduceCommand.number(c.learningRates()[i]));
        }
        md.append("} chosen by prequential accuracy; cells: test accuracy (lr, prequential accuracy).\n\n");
        List<Integer> sw = Summaries.sweepWidths(r);
        md.append("| rule |");
        sw.forEach(w -> md.append(" w = ").append(w).append(" |"));
        md.append("\n|---|").append("---|".repeat(sw.size())).append('\n');
        for (String rule : Summaries.rules(r)) {
            md.append("| ").append(rule).append(" |");
            for (int w : sw) {
                md.append(Summaries.accuracy(r, rule, w).map(a -> String.format(Locale.ROOT, " %.3f (%s, %.3f)%s |",
                        a.testAccuracy(), ReproduceCommand.number(a.lr()), a.prequentialAccuracy(),
                        a.rejectedSteps() > 0 ? " *" : "")).orElse(" |"));
            }
            md.append('\n');
        }
        if (r.accuracyVsWidth().stream().anyMatch(a -> a.rejectedSteps() > 0)) {
            md.append("\n\\* some steps were rejected by the divergence guard (learning rate too high for that rule).\n");
        }

        md.append("\n## 3. Low data (w = ").append(c.lowDataWidth()).append(")\n\n");
        md.append("Test accuracy after the first n samples of the stream (the best-rate runs of table 2; the rate was "
                + "chosen on the whole stream).\n\n");
        List<Integer> counts = Summaries.lowDataSamples(r);
        md.append("| rule |");
        counts.forEach(n -> md.append(" n = ").append(n).append(" |"));
        md.append("\n|---|").append("---|".repeat(counts.size())).append('\n');
        for (String rule : Summaries.rules(r)) {
            md.append("| ").append(rule).append(" |");
            for (int n : counts) {
                md.append(Summaries.lowData(r, rule, n).map(a -> String.format(Locale.ROOT, " %.3f |", a.testAccuracy()))
                        .orElse(" |"));
            }
            md.append('\n');
        }

        md.append('\n').append(rnnSection(r, g));

        md.append("\n## Reproducing one number\n\n");
        md.append("Every accuracy entry of `results.json` carries `reproduce`, the `train` and `evaluate` command lines "
                + "that print that number on their own (same learning code, same bits). For example bp at w = ")
                .append(c.lowDataWidth()).append(":\n\n```\n");
        r.accuracyVsWidth().stream().filter(a -> a.rule().equals("bp") && a.width() == c.lowDataWidth()).findFirst()
                .ifPresent(a -> a.reproduce().forEach(l -> md.append(l).append('\n')));
        md.append("```\n\nAll runs of the learning-rate sweep are in `learning_rate_sweep`, the learning curves in "
                + "`learning_curves`.\n");

        if (!plots.isEmpty()) {
            md.append("\n## Plots\n\n");
            for (String p : plots) {
                md.append("![").append(p).append("](").append(p).append(")\n\n");
            }
        }
        return md.toString();
    }

    private static String claimRow(ClaimChecks.Claim cl) {
        return "| " + cl.claim() + " | **" + cl.verdict().text + "** | " + cl.criterion() + " | " + cl.evidence() + " |\n";
    }

    /** Section 4 of the report, from its heading to the blank line before the next section. */
    static String rnnSection(Results r, RnnGrid g) {
        StringBuilder md = new StringBuilder("## 4. Recurrent (delayed sum)\n\n");
        if (r.rnn().isEmpty() || g == null) {
            return md.append("Not run: ").append(r.rnnNote()).append(" (`rnn` is an empty list in `results.json`).\n")
                    .toString();
        }
        md.append("Held-out loss (mean over the ").append(g.test()).append(" test sequences of the mean step loss "
                        + "0.5 (y_t - target_t)^2) after ").append(g.epochs()).append(" epoch(s) over ").append(g.train())
                .append(" training sequences of T = ").append(g.length()).append(" (`datasets delayed-sum")
                .append(g.datasetOptions()).append("`, generated in memory), layers 1-w-1, relu, batch 1, seed ")
                .append(g.modelSeed()).append("; learning rate per rule fixed: the lowest prequential training loss of "
                        + "`scripts/rnn-delayed-sum.sh` over {0.0003, 0.001, 0.003, 0.01, 0.03} at widths 32 and 256, "
                        + "width 1024 reusing the width-256 rate. Always predicting the training-target mean scores **")
                .append(String.format(Locale.ROOT, "%.5f", r.rnn().get(0).meanPredictorLoss()))
                .append("**; cells: held-out loss (mean predictor's loss / it).\n\n");
        List<Integer> widths = r.rnn().stream().map(Results.RnnRow::width).distinct().sorted().toList();
        List<String> rules = r.rnn().stream().map(Results.RnnRow::rule).distinct().toList();
        md.append("| rule | lr |");
        widths.forEach(w -> md.append(" w = ").append(w).append(" |"));
        md.append("\n|---|---|").append("---|".repeat(widths.size())).append('\n');
        boolean rejected = false;
        for (String rule : rules) {
            List<Results.RnnRow> rows = r.rnn().stream().filter(x -> x.rule().equals(rule)).toList();
            md.append("| ").append(rule).append(" | ").append(ReproduceCommand.number(rows.get(0).lr())).append(" |");
            for (int w : widths) {
                for (Results.RnnRow x : rows) {
                    if (x.width() == w) {
                        md.append(String.format(Locale.ROOT, " %.5f (%.1fx)%s |", x.testLoss(),
                                x.meanPredictorLoss() / x.testLoss(), x.rejectedSteps() > 0 ? " *" : ""));
                        rejected |= x.rejectedSteps() > 0;
                    }
                }
            }
            md.append('\n');
        }
        if (rejected) {
            md.append("\n\\* some steps were rejected by the divergence guard.\n");
        }
        Results.RnnRow ex = r.rnn().get(r.rnn().size() - 1);
        md.append("\nEach row of `rnn` in `results.json` carries the per-epoch training and held-out losses and "
                + "`reproduce`, e.g. ").append(ex.rule()).append(" at w = ").append(ex.width()).append(":\n\n```\n");
        ex.reproduce().forEach(l -> md.append(l).append('\n'));
        return md.append("```\n").toString();
    }

    /** Writes both files into {@code out} (created when missing). */
    public static void write(Path out, Results r, ExperimentConfig c, ExperimentData data, RnnGrid g, RunInfo info,
                             List<String> plots) throws IOException {
        Files.createDirectories(out);
        ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        atomicWrite(out.resolve(JSON), m.writeValueAsString(json(r, c, data, g, info)) + "\n");
        atomicWrite(out.resolve(MARKDOWN), markdown(r, c, data, g, info, plots));
    }

    /**
     * Writes only experiment 4 ({@code experiments --only rnn}) into {@code out}, keeping the other
     * experiments' results there: in {@code results.json} the {@code rnn} list, {@code config.rnn}
     * and {@code rnn_run} (how this part was produced) are replaced and {@code rnn_note} removed;
     * in {@code results.md} section 4, the recurrent claim's row and the plot links. Without an
     * earlier {@code results.json} both files hold experiment 4 alone. Both files are parsed and
     * built in memory before either is replaced.
     */
    public static void mergeRnn(Path out, Results r, RnnGrid g, RunInfo info, List<String> plots) throws IOException {
        Files.createDirectories(out);
        ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Path jf = out.resolve(JSON);
        Path mf = out.resolve(MARKDOWN);
        boolean existing = Files.isRegularFile(jf) && Files.isRegularFile(mf);
        ObjectNode root;
        String md;
        if (existing) {
            com.fasterxml.jackson.databind.JsonNode n = m.readTree(jf.toFile());
            if (!(n instanceof ObjectNode o) || !n.has("rnn")) {
                throw new IOException(jf + " is not a results.json of 'experiments' (no \"rnn\" list)");
            }
            root = o;
            md = Files.readString(mf);
            if (!md.contains("## 4. Recurrent")) {
                throw new IOException(mf + " has no section '## 4. Recurrent' to replace");
            }
        } else {
            root = m.createObjectNode();
            root.put("title", "alignstream experiments: experiment 4 (recurrent) alone");
            root.put("grid", g.quick() ? "quick" : "full");
            root.putObject("config");
            root.putArray("rnn");
            md = "# Experiments: the recurrent claim\n\n## Claims\n\n| claim | verdict here | criterion | evidence |\n"
                    + "|---|---|---|---|\n" + claimRow(ClaimChecks.recurrent(new Results())) + "\n"
                    + "## 4. Recurrent (delayed sum)\n\n";
        }
        ((ObjectNode) root.get("config")).set("rnn", rnnConfig(g));
        rnnRows(root.putArray("rnn"), r);
        root.remove("rnn_note");
        ObjectNode run = root.putObject("rnn_run");
        run.put("grid", g.quick() ? "quick" : "full");
        run.put("date", info.date());
        run.put("cpu", info.cpu());
        run.put("cores", info.cores());
        run.put("jvm", info.jvm());
        run.put("threads", info.threads());
        run.put("wall_seconds", Math.round(info.wallSeconds() * 10) / 10.0);
        run.put("command", info.command());

        // section 4: from its heading to the next "## " heading
        int s4 = md.indexOf("## 4. Recurrent");
        int next = md.indexOf("\n## ", s4 + 1);
        String section = rnnSection(r, g) + String.format(Locale.ROOT, "%nProduced separately by `%s` on %s (%.0f s, "
                + "%d thread(s)).%n", info.command(), info.date(), info.wallSeconds(), info.threads());
        md = md.substring(0, s4) + section + (next < 0 ? "" : md.substring(next));
        // the claim's row in the claims table
        String rowStart = "| " + ClaimChecks.RNN_CLAIM;
        int c0 = md.indexOf(rowStart);
        if (c0 >= 0) {
            int c1 = md.indexOf('\n', c0);
            md = md.substring(0, c0) + claimRow(ClaimChecks.recurrent(r)).stripTrailing() + md.substring(c1);
        }
        StringBuilder tail = new StringBuilder();
        for (String p : plots) {
            if (!md.contains("](" + p + ")")) {
                tail.append("![").append(p).append("](").append(p).append(")\n\n");
            }
        }
        if (tail.length() > 0) {
            md = md.stripTrailing() + "\n\n" + (md.contains("\n## Plots") ? "" : "## Plots\n\n") + tail;
        }
        atomicWrite(jf, m.writeValueAsString(root) + "\n");
        atomicWrite(mf, md);
    }

    static void atomicWrite(Path file, String text) throws IOException {
        atomicWrite(file, text.getBytes(StandardCharsets.UTF_8));
    }

    static void atomicWrite(Path file, byte[] bytes) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, bytes);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
