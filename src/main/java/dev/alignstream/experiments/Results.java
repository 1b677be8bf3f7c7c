package dev.alignstream.experiments;

import java.util.ArrayList;
import java.util.List;

/**
 * The rows the experiments produce, in the lists of {@code results.json}. Experiments append in a
 * fixed order (their jobs' order), never in completion order, so the file does not depend on
 * threads. Not thread-safe: only {@link Experiment#report} calls, on one thread, add rows.
 */
public final class Results {

    /** Experiment 1: the alignment score of one layer of one {@code bp} model. */
    public record AlignmentRow(String rule, int width, int layer, long seed, int samples, float lr, double score,
                               double baseline) {
    }

    /**
     * Experiment 2 (and every run of its sweep): one model after the stream.
     *
     * @param reproduce command lines whose output gives these numbers on their own
     */
    public record AccuracyRow(String rule, int width, float lr, int samples, double prequentialAccuracy,
                              double testAccuracy, long rejectedSteps, List<String> reproduce) {
    }

    /** Experiment 3: test accuracy after the first {@code samples} samples of the stream. */
    public record LowDataRow(String rule, int width, float lr, int samples, double prequentialAccuracy,
                             double testAccuracy, List<String> reproduce) {
    }

    /** Prequential accuracy per block of {@code block} samples; {@code samples[i]} ends block {@code i}. */
    public record CurveRow(String rule, int width, float lr, int block, int[] samples, double[] accuracy) {
    }

    /**
     * Experiment 4 (recurrent): held-out loss on delayed-sum after {@code epochs} epochs, the mean
     * predictor's loss on the same test sequences, and the per-epoch losses behind the curves.
     *
     * @param trainLoss prequential training loss of each epoch
     * @param testLosses held-out loss after each epoch ({@code testLoss} is the last)
     * @param reproduce command lines whose output gives these numbers on their own
     */
    public record RnnRow(String rule, int width, int epochs, float lr, double testLoss, double meanPredictorLoss,
                         double[] trainLoss, double[] testLosses, long rejectedSteps, List<String> reproduce) {
    }

    private final List<AlignmentRow> alignmentVsWidth = new ArrayList<>();
    private final List<AccuracyRow> accuracyVsWidth = new ArrayList<>();
    private final List<AccuracyRow> learningRateSweep = new ArrayList<>();
    private final List<LowDataRow> lowData = new ArrayList<>();
    private final List<CurveRow> learningCurves = new ArrayList<>();
    private final List<RnnRow> rnn = new ArrayList<>();
    private String rnnNote = "experiment 4 (held-out loss on delayed-sum per rule) was not part of this run";

    public List<AlignmentRow> alignmentVsWidth() {
        return alignmentVsWidth;
    }

    /** The best learning rate's run per rule and width. */
    public List<AccuracyRow> accuracyVsWidth() {
        return accuracyVsWidth;
    }

    /** Every run of the learning-rate sweep. */
    public List<AccuracyRow> learningRateSweep() {
        return learningRateSweep;
    }

    public List<LowDataRow> lowData() {
        return lowData;
    }

    public List<CurveRow> learningCurves() {
        return learningCurves;
    }

    public List<RnnRow> rnn() {
        return rnn;
    }

    /** Why {@link #rnn()} is empty, or null once an experiment fills it. */
    public String rnnNote() {
        return rnn.isEmpty() ? rnnNote : null;
    }

    public void setRnnNote(String note) {
        this.rnnNote = note;
    }
}
