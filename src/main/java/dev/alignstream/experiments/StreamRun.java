package dev.alignstream.experiments;

import dev.alignstream.core.AlignmentTracker;
import dev.alignstream.core.Learner;
import dev.alignstream.core.Model;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.Prediction;
import dev.alignstream.data.Sample;
import dev.alignstream.eval.PrequentialTotals;
import dev.alignstream.rules.Rules;
import dev.alignstream.train.OfflineTrainer;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * One prequential pass of a fresh model over the first {@code samples} training samples, in file
 * order, through {@link Learner} — the code path of offline {@code train} — with the test set
 * scored (no learning) whenever the count of learned samples reaches a checkpoint. Scoring the
 * test set does not change the model, so the parameters at checkpoint {@code c} are those
 * {@code train --limit c} ends with, and the figures here are the ones {@code train}/{@code evaluate}
 * print for the same config.
 *
 * <p>A run owns its model and learner and shares only the read-only sample lists, so runs can
 * execute on several threads and give the same bits as on one.
 *
 * @param config      the model (fixes rule, widths, learning rate and seed)
 * @param samples     training samples learned, at most the training set's size
 * @param checkpoints ascending sample counts in {@code 1..samples} at which the test set is scored
 */
public record StreamRun(ModelConfig config, int samples, int[] checkpoints) {

    /** Samples between two progress reports. */
    private static final int PROGRESS_EVERY = 64;

    public StreamRun {
        checkpoints = checkpoints.clone();
        for (int i = 0; i < checkpoints.length; i++) {
            if (checkpoints[i] < 1 || checkpoints[i] > samples || (i > 0 && checkpoints[i] <= checkpoints[i - 1])) {
                throw new IllegalArgumentException("checkpoints must ascend within 1.." + samples + ": "
                        + Arrays.toString(checkpoints));
            }
        }
    }

    /**
     * What a run measured.
     *
     * @param run                  the run
     * @param prequentialAccuracy  over all {@code samples}, as {@code train} reports it
     * @param prequentialLoss      mean prequential loss over the same samples
     * @param correct              bit {@code i} set when sample {@code i} was predicted right before learning
     * @param testAccuracy         test accuracy at each checkpoint
     * @param alignment            per weight layer (index {@code l-1}) the alignment score at the end, or null
     * @param alignmentBaseline    the same score with {@code dW} permuted, or null
     * @param rejectedSteps        steps the divergence guard refused (a sign the learning rate is too high)
     */
    public record Outcome(StreamRun run, double prequentialAccuracy, double prequentialLoss, BitSet correct,
                          double[] testAccuracy, double[] alignment, double[] alignmentBaseline, long rejectedSteps) {

        /** Prequential accuracy over the first {@code n} samples, the figure {@code train --limit n} prints. */
        public double prequentialAccuracy(int n) {
            return (double) correct.get(0, n).cardinality() / n;
        }

        /** Test accuracy at checkpoint {@code n}; throws when {@code n} is not a checkpoint. */
        public double testAccuracyAt(int n) {
            int i = Arrays.binarySearch(run.checkpoints, n);
            if (i < 0) {
                throw new IllegalArgumentException(n + " is not a checkpoint of this run");
            }
            return testAccuracy[i];
        }

        /** Mean accuracy over consecutive blocks of {@code block} samples (the last block may be shorter). */
        public double[] blockAccuracy(int block) {
            int n = run.samples;
            double[] out = new double[(n + block - 1) / block];
            for (int b = 0; b < out.length; b++) {
                int from = b * block;
                int to = Math.min(n, from + block);
                out[b] = (double) correct.get(from, to).cardinality() / (to - from);
            }
            return out;
        }
    }

    /**
     * Runs the pass. {@code progress} receives the number of samples learned since its last call.
     *
     * @throws IllegalArgumentException if the data do not fit the model or are too short
     */
    public Outcome execute(List<Sample> train, List<Sample> test, LongConsumer progress) {
        if (train.size() < samples) {
            throw new IllegalArgumentException("run needs " + samples + " training samples, the file has " + train.size());
        }
        Model model = Model.create(config);
        Learner learner = new Learner(model, Rules.of(config.rule()));
        PrequentialTotals totals = new PrequentialTotals();
        BitSet correct = new BitSet(samples);
        double[] testAccuracy = new double[checkpoints.length];
        int next = 0;
        for (int i = 0; i < samples; i++) {
            Sample s = train.get(i);
            Prediction p = learner.observe(s);
            totals.add(p, s.label() != null);
            if (p.correct()) {
                correct.set(i);
            }
            if ((i + 1) % PROGRESS_EVERY == 0) {
                progress.accept(PROGRESS_EVERY);
            }
            if (next < checkpoints.length && checkpoints[next] == i + 1) {
                testAccuracy[next++] = OfflineTrainer.evaluate(learner, test, (d, t, tot) -> { }).accuracy();
            }
        }
        progress.accept(samples % PROGRESS_EVERY);
        learner.flush();
        double[] score = null;
        double[] baseline = null;
        AlignmentTracker tracker = model.alignment();
        if (tracker != null && model.samplesSeen() > 0) {
            int depth = config.depth();
            score = new double[depth];
            baseline = new double[depth];
            for (int l = 1; l <= depth; l++) {
                score[l - 1] = tracker.score(l, model.live(), model.frozen().initial());
                baseline[l - 1] = tracker.baselineScore(l, model.live(), model.frozen().initial(), 1L);
            }
        }
        return new Outcome(this, totals.accuracy(), totals.loss(), correct, testAccuracy, score, baseline,
                model.rejectedSteps());
    }

    /** Weight count: the unit of a run's cost, for scheduling the largest runs first. */
    public long cost() {
        int[] n = config.layers();
        long w = 0;
        for (int i = 1; i < n.length; i++) {
            w += (long) n[i] * n[i - 1];
        }
        return w * samples;
    }
}
