package dev.alignstream.cli;

import dev.alignstream.experiments.Experiment;
import dev.alignstream.experiments.ExperimentConfig;
import dev.alignstream.experiments.ExperimentData;
import dev.alignstream.experiments.ExperimentPlan;
import dev.alignstream.experiments.ExperimentRunner;
import dev.alignstream.experiments.Plotter;
import dev.alignstream.experiments.Results;
import dev.alignstream.experiments.ResultsWriter;
import dev.alignstream.experiments.RnnGrid;
import dev.alignstream.experiments.RnnVsWidth;
import dev.alignstream.experiments.RunInfo;
import dev.alignstream.experiments.StreamRun;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code experiments}: the paper's claims on the MNIST stream (issue 11) — alignment vs width,
 * accuracy vs width, low data — and the recurrent one on delayed-sum, as {@code results.json},
 * {@code results.md} and PNG plots; {@code --only rnn} runs the last alone and merges it. The
 * work is in {@link dev.alignstream.experiments}; this class parses options and reports progress.
 */
@Command(name = "experiments", mixinStandardHelpOptions = true,
        description = {"Reproduces the paper's claims on the MNIST stream of 'datasets mnist'",
                "(one prequential pass, batch 1, float32, input scale 3, target offset -0.1):",
                "  1. alignment score vs width under bp (widths 64, 256, 1024; seeds 7, 8, 9)",
                "  2. test accuracy vs width for every rule at its best learning rate",
                "     (widths 128, 512, 2048; rates 0.05, 0.1, 0.2, 0.5)",
                "  3. test accuracy after 100, 500, 2000, 8000 samples at the largest width",
                "  4. RNN held-out loss on delayed-sum (generated in memory, seed 99: 300 + 100",
                "     sequences of T = 100) for bp, align-zero, align-ada, readout at hidden",
                "     widths 32, 256, 1024, 5 epochs, fixed rates, against the mean predictor",
                "Writes results.json, results.md and PNG plots to --out. Runs are independent",
                "and deterministic: any --threads gives the same numbers.",
                "Examples:",
                "  experiments --quick --out /tmp/quick          (a minute or two)",
                "  experiments --threads 2 --out docs/results    (the full grid, about an hour)",
                "  experiments --only rnn --threads 2 --out docs/results",
                "                      (experiment 4 alone, merged into the results already in --out)"})
public final class ExperimentsCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--quick", description = "a small grid (widths 32..256, 2,000 samples, one seed) in a minute or two")
    boolean quick;

    @Option(names = "--data", defaultValue = "data",
            description = "directory with mnist-train.csv and mnist-test.csv from 'datasets mnist' (default ${DEFAULT-VALUE})")
    Path data;

    @Option(names = "--out", defaultValue = "results", description = "output directory (default ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--threads", description = "runs in parallel (default: available processors)")
    Integer threads;

    @Option(names = "--widths", description = "hidden widths of experiments 2 and 3 (default 128,512,2048; quick 32,128,256)")
    String widths;

    @Option(names = "--alignment-widths", description = "hidden widths of experiment 1 (default 64,256,1024; quick 32,128)")
    String alignmentWidths;

    @Option(names = "--lrs", description = "learning-rate sweep (default 0.05,0.1,0.2,0.5; quick 0.1,0.2)")
    String lrs;

    @Option(names = "--seeds", description = "seeds of experiment 1 (default 7,8,9; quick 7)")
    String seeds;

    @Option(names = "--only", paramLabel = "rnn",
            description = "run only this part: 'rnn' runs experiment 4 alone (no MNIST files needed) and merges it into "
                    + "results.json/results.md in --out when they exist, keeping the other experiments' results")
    String only;

    @Option(names = "--rnn-widths", description = "hidden widths of experiment 4 (default 32,256,1024; quick 8,16)")
    String rnnWidths;

    @Option(names = "--rnn-epochs", description = "epochs of experiment 4 (default 5; quick 1)")
    Integer rnnEpochs;

    @Override
    public Integer call() throws Exception {
        ExperimentConfig config = quick ? ExperimentConfig.quickGrid() : ExperimentConfig.fullGrid();
        if (widths != null) {
            config = config.withSweepWidths(ints(widths, "--widths"));
        }
        if (alignmentWidths != null) {
            config = config.withAlignmentWidths(ints(alignmentWidths, "--alignment-widths"));
        }
        if (lrs != null) {
            config = config.withLearningRates(floats(lrs, "--lrs"));
        }
        if (seeds != null) {
            config = config.withAlignmentSeeds(Arrays.stream(ints(seeds, "--seeds")).asLongStream().toArray());
        }
        int n = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        if (n < 1) {
            throw new IllegalArgumentException("--threads must be >= 1, got " + n);
        }
        RnnGrid rnn = quick ? RnnGrid.quickGrid() : RnnGrid.full();
        if (rnnWidths != null) {
            rnn = rnn.withWidths(ints(rnnWidths, "--rnn-widths"));
        }
        if (rnnEpochs != null) {
            rnn = rnn.withEpochs(rnnEpochs);
        }
        if (only != null && !only.equals("rnn")) {
            throw new IllegalArgumentException("--only accepts 'rnn', got '" + only + "'");
        }
        ExperimentData d = only == null ? ExperimentData.read(data) : null;
        List<Experiment<?>> plan = only == null ? ExperimentPlan.of(config, d, rnn) : ExperimentPlan.rnnOnly(rnn);
        long start = System.nanoTime();
        Results results = new ExperimentRunner(n, new Progress(System.err, System.console() != null)).run(plan);
        double seconds = (System.nanoTime() - start) / 1e9;
        // the parse result holds the whole command line, subcommand name included
        String command = String.join(" ", spec.commandLine().getParseResult().originalArgs());
        RunInfo info = RunInfo.current(n, seconds, command);
        if (only != null) {
            List<String> plots = Plotter.writeRnn(out, results);
            ResultsWriter.mergeRnn(out, results, rnn, info, plots);
            System.out.printf(Locale.ROOT, "merged experiment 4 into %s and %s, %d plots in %s (%.0f s)%n",
                    ResultsWriter.JSON, ResultsWriter.MARKDOWN, plots.size(), out, seconds);
            return 0;
        }
        List<String> plots = Plotter.writeAll(out, results);
        ResultsWriter.write(out, results, config, d, rnn, info, plots);
        System.out.printf(Locale.ROOT, "wrote %s, %s and %d plots to %s (%.0f s)%n", ResultsWriter.JSON,
                ResultsWriter.MARKDOWN, plots.size(), out, seconds);
        return 0;
    }

    private static int[] ints(String s, String option) {
        try {
            return Arrays.stream(s.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be comma-separated integers, got '" + s + "'");
        }
    }

    private static float[] floats(String s, String option) {
        try {
            String[] parts = s.split(",");
            float[] v = new float[parts.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = Float.parseFloat(parts[i].trim());
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be comma-separated numbers, got '" + s + "'");
        }
    }

    /**
     * Progress on stderr: a bar on a terminal; otherwise (logs, nohup) one line per finished run
     * with its numbers, the share of samples done and the elapsed time.
     */
    static final class Progress implements ExperimentRunner.Listener {
        private final PrintStream err;
        private final ProgressBar bar;
        private final long start = System.nanoTime();
        private volatile long total;
        private volatile int jobs;
        private volatile long done;
        private volatile String last = "";

        Progress(PrintStream err, boolean terminal) {
            this.err = err;
            this.bar = terminal ? new ProgressBar("experiments", err, true) : null;
        }

        @Override
        public synchronized void started(int jobs, long samples) {
            this.jobs = jobs;
            this.total = samples;
            err.printf(Locale.ROOT, "experiments: %d runs, %d samples to learn%n", jobs, samples);
        }

        @Override
        public synchronized void progress(long done) {
            this.done = done;
            if (bar != null) {
                bar.update(Math.min(done, total - 1), total, last);
            }
        }

        @Override
        public synchronized void finished(Experiment.Job<?> job, Object outcome, int jobsDone, double seconds) {
            String what = job.label();
            if (outcome instanceof StreamRun.Outcome o) {
                what += String.format(Locale.ROOT, ": prequential %.4f", o.prequentialAccuracy());
                if (o.testAccuracy().length > 0) {
                    what += String.format(Locale.ROOT, ", test %.4f", o.testAccuracy()[o.testAccuracy().length - 1]);
                }
                if (o.alignment() != null) {
                    what += ", alignment " + Arrays.toString(Arrays.stream(o.alignment())
                            .mapToObj(v -> String.format(Locale.ROOT, "%.3f", v)).toArray());
                }
            }
            if (outcome instanceof RnnVsWidth.Outcome o) {
                what += String.format(Locale.ROOT, ": held-out loss %.5f", o.finalTestLoss());
            }
            last = job.label();
            if (bar != null) {
                bar.update(jobsDone == jobs ? total : Math.min(done, total - 1), total, last);
                return;
            }
            err.printf(Locale.ROOT, "[%d/%d] %s (%.1f s) | %.0f%% of samples, %.0f s elapsed%n", jobsDone, jobs, what,
                    seconds, 100.0 * done / Math.max(1, total), (System.nanoTime() - start) / 1e9);
        }
    }
}
