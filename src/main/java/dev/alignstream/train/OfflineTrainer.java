package dev.alignstream.train;

import dev.alignstream.core.Learner;
import dev.alignstream.core.Prediction;
import dev.alignstream.data.Sample;
import dev.alignstream.eval.PrequentialTotals;
import java.util.List;

/**
 * Offline training and evaluation over an in-memory dataset (SPEC section 7): samples in file
 * order, each predicted then learned (prequential), the whole file repeated per epoch. A final
 * partial mini-batch is learned at the end so no sample is left out. It drives the same
 * {@link Learner} the streaming processor uses, which is why both reach identical parameters.
 */
public final class OfflineTrainer {

    /** Receives progress at most every {@code every} samples; may be a no-op. */
    @FunctionalInterface
    public interface Progress {
        void update(long done, long total, PrequentialTotals totals);
    }

    /** What one run did. */
    public record Result(long samples, double accuracy, double loss, double seconds, double samplesPerSecond,
                         long rejectedSteps) {
    }

    private OfflineTrainer() {
    }

    public static Result train(Learner learner, List<Sample> data, int epochs, Progress progress) {
        return run(learner, data, epochs, true, progress);
    }

    /** Predicts and scores every sample without learning. */
    public static Result evaluate(Learner learner, List<Sample> data, Progress progress) {
        return run(learner, data, 1, false, progress);
    }

    private static Result run(Learner learner, List<Sample> data, int epochs, boolean learn, Progress progress) {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1");
        }
        PrequentialTotals totals = new PrequentialTotals();
        long total = (long) data.size() * epochs;
        long rejectedBefore = learner.model().rejectedSteps();
        long done = 0;
        long start = System.nanoTime();
        for (int e = 0; e < epochs; e++) {
            for (Sample s : data) {
                Prediction p = learn ? learner.observe(s) : learner.evaluate(s);
                totals.add(p, s.label() != null);
                done++;
                if ((done & 63) == 0) {
                    progress.update(done, total, totals);
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        progress.update(done, total, totals);
        return new Result(done, totals.accuracy(), totals.loss(), seconds, done / Math.max(seconds, 1e-9),
                learner.model().rejectedSteps() - rejectedBefore);
    }
}
