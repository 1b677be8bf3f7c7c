package dev.alignstream.experiments;

import dev.alignstream.core.Activation;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import dev.alignstream.data.DelayedSumDataset;
import dev.alignstream.data.SequenceSample;
import dev.alignstream.rnn.RnnConfig;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The grid of experiment 4 (recurrent): the delayed-sum data of {@code datasets delayed-sum}
 * (regenerated in memory from its seed, so no file or network is needed), the hidden widths, the
 * rules with their learning rates, and the epochs. Every model is {@code 1-n-1}, relu, batch 1,
 * input scale 1, no target offset, model seed 7, alignment tracking off: the defaults of
 * {@code train --arch rnn}, so the {@code reproduce} lines need only the flags that differ.
 *
 * <p>The rates are fixed, not swept here: they are the ones {@code scripts/rnn-delayed-sum.sh}
 * chose by the lowest prequential training loss over {0.0003, 0.001, 0.003, 0.01, 0.03} at widths
 * 32 and 256 (README "Recurrent networks"); width 1024 uses the width-256 rate.
 *
 * @param quick      whether this is the {@code --quick} grid
 * @param train      training sequences
 * @param test       held-out sequences
 * @param length     steps per sequence T
 * @param dataSeed   seed of {@code datasets delayed-sum}
 * @param widths     hidden widths
 * @param rates      rule to learning rate, in reporting order
 * @param epochs     passes over the training sequences
 * @param modelSeed  seed of the initial weights
 */
public record RnnGrid(boolean quick, int train, int test, int length, long dataSeed, int[] widths,
                      Map<RuleName, Float> rates, int epochs, long modelSeed) {

    /** The defaults of {@code datasets delayed-sum}. */
    public static final int DEFAULT_TRAIN = 300;
    public static final int DEFAULT_TEST = 100;
    public static final int DEFAULT_LENGTH = 100;
    public static final long DEFAULT_DATA_SEED = 99;

    public RnnGrid {
        if (train < 1 || test < 1 || length < 1 || epochs < 1) {
            throw new IllegalArgumentException("RNN grid needs train, test, length and epochs >= 1");
        }
        if (widths.length == 0 || Arrays.stream(widths).anyMatch(w -> w < 1)) {
            throw new IllegalArgumentException("RNN widths must be a non-empty list of positive numbers");
        }
        widths = widths.clone();
        rates = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(rates));
        if (rates.isEmpty()) {
            throw new IllegalArgumentException("RNN grid needs at least one rule");
        }
    }

    /** The rules of SPEC section 3 with the rates measured by {@code scripts/rnn-delayed-sum.sh}. */
    static Map<RuleName, Float> measuredRates() {
        Map<RuleName, Float> m = new LinkedHashMap<>();
        m.put(RuleName.BP, 0.003f);
        m.put(RuleName.ALIGN_ZERO, 0.003f);
        m.put(RuleName.ALIGN_ADA, 0.003f);
        m.put(RuleName.READOUT, 0.01f);
        return m;
    }

    /** Issue 11 part 4: 300 / 100 sequences of T = 100, widths 32, 256, 1024, 5 epochs. */
    public static RnnGrid full() {
        return new RnnGrid(false, DEFAULT_TRAIN, DEFAULT_TEST, DEFAULT_LENGTH, DEFAULT_DATA_SEED,
                new int[] {32, 256, 1024}, measuredRates(), 5, 7);
    }

    /** A seconds-long smoke version: widths 8 and 16, 20 / 10 sequences of T = 20, one epoch. */
    public static RnnGrid quickGrid() {
        return new RnnGrid(true, 20, 10, 20, DEFAULT_DATA_SEED, new int[] {8, 16}, measuredRates(), 1, 7);
    }

    public RnnGrid withWidths(int[] w) {
        return new RnnGrid(quick, train, test, length, dataSeed, w, rates, epochs, modelSeed);
    }

    public RnnGrid withEpochs(int e) {
        return new RnnGrid(quick, train, test, length, dataSeed, widths, rates, e, modelSeed);
    }

    /** Training then test sequences, exactly as {@code datasets delayed-sum} with these settings writes them. */
    public List<List<SequenceSample>> data() {
        Random rnd = new Random(dataSeed);
        List<SequenceSample> tr = DelayedSumDataset.generate(rnd, train, length);
        List<SequenceSample> te = DelayedSumDataset.generate(rnd, test, length);
        return List.of(List.copyOf(tr), List.copyOf(te));
    }

    /** The model of one run: {@code 1-width-1}, relu, batch 1, the CLI defaults, no alignment tracking. */
    public RnnConfig model(RuleName rule, int width) {
        return new RnnConfig(new ModelConfig(new int[] {1, width, 1}, Activation.RELU, rule, rates.get(rule), 1,
                modelSeed, 0f, 1f, false));
    }

    /** The {@code datasets delayed-sum} options beyond the defaults (empty for the full grid). */
    String datasetOptions() {
        StringBuilder b = new StringBuilder();
        if (train != DEFAULT_TRAIN) {
            b.append(" --train ").append(train);
        }
        if (test != DEFAULT_TEST) {
            b.append(" --test ").append(test);
        }
        if (length != DEFAULT_LENGTH) {
            b.append(" --length ").append(length);
        }
        if (dataSeed != DEFAULT_DATA_SEED) {
            b.append(" --seed ").append(dataSeed);
        }
        return b.toString();
    }
}
