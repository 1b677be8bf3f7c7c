package dev.alignstream.experiments;

import dev.alignstream.core.Activation;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import java.util.Arrays;
import java.util.List;

/**
 * The grid of the {@code experiments} command: which widths, seeds, learning rates and sample
 * counts each experiment uses. Every model is the MNIST setting of the issue: two hidden layers
 * ({@code n_in-w-w-10}), relu, batch 1, input scale 3, target offset -0.1, one prequential pass.
 *
 * @param quick              whether this is the small {@code --quick} grid (labelled in the outputs)
 * @param alignmentWidths    experiment 1: hidden widths
 * @param alignmentSeeds     experiment 1: model seeds (mean and spread are taken over them)
 * @param alignmentSamples   experiment 1: samples learned before the score is taken
 * @param alignmentLr        experiment 1: learning rate of the {@code bp} runs
 * @param sweepWidths        experiments 2 and 3: hidden widths
 * @param learningRates      experiments 2 and 3: the sweep; the best by prequential accuracy is kept
 * @param rules              experiments 2 and 3: rules, in the order tables and legends list them
 * @param sweepSeed          experiments 2 and 3: the one model seed
 * @param streamSamples      experiments 2 and 3: length of the stream (0: the whole training file)
 * @param lowDataSamples     experiment 3: sample counts at which the test set is scored
 * @param curveBlock         learning curves: prequential accuracy is averaged over blocks of this many samples
 */
public record ExperimentConfig(
        boolean quick,
        int[] alignmentWidths,
        long[] alignmentSeeds,
        int alignmentSamples,
        float alignmentLr,
        int[] sweepWidths,
        float[] learningRates,
        List<RuleName> rules,
        long sweepSeed,
        int streamSamples,
        int[] lowDataSamples,
        int curveBlock) {

    public static final int CLASSES = 10;
    public static final float INPUT_SCALE = 3f;
    public static final float TARGET_OFFSET = -0.1f;
    /** Rules in the order of SPEC section 2. */
    public static final List<RuleName> ALL_RULES = List.of(RuleName.BP, RuleName.ALIGN_ZERO, RuleName.ALIGN_ADA,
            RuleName.FA, RuleName.DFA, RuleName.READOUT);

    public ExperimentConfig {
        alignmentWidths = positive(alignmentWidths, "alignment widths");
        sweepWidths = positive(sweepWidths, "widths");
        lowDataSamples = positive(lowDataSamples, "low-data sample counts");
        alignmentSeeds = alignmentSeeds.clone();
        learningRates = learningRates.clone();
        rules = List.copyOf(rules);
        if (alignmentSeeds.length == 0 || learningRates.length == 0 || rules.isEmpty()) {
            throw new IllegalArgumentException("seeds, learning rates and rules must not be empty");
        }
        for (float lr : learningRates) {
            if (!(lr > 0) || Float.isInfinite(lr)) {
                throw new IllegalArgumentException("learning rates must be finite and > 0, got " + lr);
            }
        }
        if (alignmentSamples < 1 || streamSamples < 0 || curveBlock < 1) {
            throw new IllegalArgumentException("sample counts must be positive");
        }
    }

    /** The grid of the issue: about an hour on one core of a small machine. */
    public static ExperimentConfig fullGrid() {
        return new ExperimentConfig(false, new int[] {64, 256, 1024}, new long[] {7, 8, 9}, 2000, 0.2f,
                new int[] {128, 512, 2048}, new float[] {0.05f, 0.1f, 0.2f, 0.5f}, ALL_RULES, 7, 0,
                new int[] {100, 500, 2000, 8000}, 200);
    }

    /** A small version of the same experiments: a minute or two, one seed, small widths, 2,000 samples. */
    public static ExperimentConfig quickGrid() {
        return new ExperimentConfig(true, new int[] {32, 128}, new long[] {7}, 500, 0.2f,
                new int[] {32, 128, 256}, new float[] {0.1f, 0.2f}, ALL_RULES, 7, 2000,
                new int[] {100, 500, 2000}, 100);
    }

    public ExperimentConfig withSweepWidths(int[] w) {
        return new ExperimentConfig(quick, alignmentWidths, alignmentSeeds, alignmentSamples, alignmentLr, w,
                learningRates, rules, sweepSeed, streamSamples, lowDataSamples, curveBlock);
    }

    public ExperimentConfig withAlignmentWidths(int[] w) {
        return new ExperimentConfig(quick, w, alignmentSeeds, alignmentSamples, alignmentLr, sweepWidths,
                learningRates, rules, sweepSeed, streamSamples, lowDataSamples, curveBlock);
    }

    public ExperimentConfig withLearningRates(float[] lrs) {
        return new ExperimentConfig(quick, alignmentWidths, alignmentSeeds, alignmentSamples, alignmentLr,
                sweepWidths, lrs, rules, sweepSeed, streamSamples, lowDataSamples, curveBlock);
    }

    public ExperimentConfig withAlignmentSeeds(long[] seeds) {
        return new ExperimentConfig(quick, alignmentWidths, seeds, alignmentSamples, alignmentLr, sweepWidths,
                learningRates, rules, sweepSeed, streamSamples, lowDataSamples, curveBlock);
    }

    /** The width experiment 3 (low data) reports: the largest sweep width. */
    public int lowDataWidth() {
        return Arrays.stream(sweepWidths).max().orElseThrow();
    }

    /** The model of every experiment: {@code inputs-w-w-10}, relu, batch 1, the MNIST scale and offset. */
    public static ModelConfig model(int inputs, int width, RuleName rule, float lr, long seed, boolean alignment) {
        return new ModelConfig(new int[] {inputs, width, width, CLASSES}, Activation.RELU, rule, lr, 1, seed,
                TARGET_OFFSET, INPUT_SCALE, alignment);
    }

    private static int[] positive(int[] v, String what) {
        if (v.length == 0 || Arrays.stream(v).anyMatch(x -> x < 1)) {
            throw new IllegalArgumentException(what + " must be a non-empty list of positive numbers");
        }
        return v.clone();
    }
}
