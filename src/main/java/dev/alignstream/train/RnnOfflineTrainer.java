package dev.alignstream.train;

import dev.alignstream.data.SequenceSample;
import dev.alignstream.rnn.RnnLearner;
import dev.alignstream.rnn.SequencePrediction;
import java.util.List;

/**
 * Offline training and evaluation of an RNN over in-memory sequences (SPEC sections 3 and 7):
 * sequences in file order, each predicted whole then learned (prequential), the whole file
 * repeated per epoch; a trailing partial mini-batch stays pending (it is saved in the model
 * file and learned when later sequences complete it), exactly as in the service. The loss reported is the
 * mean over sequences of each sequence's mean step loss, summed in double precision in order.
 */
public final class RnnOfflineTrainer {

    /** Receives progress every 16 sequences and at the end; may be a no-op. */
    @FunctionalInterface
    public interface Progress {
        void update(long done, long total, double meanLoss);
    }

    /**
     * What one run did.
     *
     * @param sequences         sequences predicted (each epoch counts again)
     * @param steps             time steps of those sequences
     * @param loss              mean per-sequence loss (prequential when training)
     * @param seconds           wall time
     * @param cpuSeconds        CPU time of the training thread (on a loaded machine a steadier measure than wall time)
     * @param sequencesPerSecond sequences / seconds
     * @param stepsPerSecond    steps / seconds
     * @param rejectedSteps     learning steps rejected by the divergence guard during the run
     */
    public record Result(long sequences, long steps, double loss, double seconds, double cpuSeconds,
                         double sequencesPerSecond, double stepsPerSecond, long rejectedSteps) {
    }

    private RnnOfflineTrainer() {
    }

    public static Result train(RnnLearner learner, List<SequenceSample> data, int epochs, Progress progress) {
        return run(learner, data, epochs, true, progress);
    }

    /** Predicts and scores every sequence without learning. */
    public static Result evaluate(RnnLearner learner, List<SequenceSample> data, Progress progress) {
        return run(learner, data, 1, false, progress);
    }

    private static Result run(RnnLearner learner, List<SequenceSample> data, int epochs, boolean learn,
                              Progress progress) {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1");
        }
        long total = (long) data.size() * epochs;
        long rejectedBefore = learner.model().rejectedSteps();
        long done = 0;
        long steps = 0;
        long labelled = 0;
        double lossSum = 0;
        long start = System.nanoTime();
        long cpuStart = cpuNanos();
        for (int e = 0; e < epochs; e++) {
            for (SequenceSample s : data) {
                SequencePrediction p = learn ? learner.observe(s) : learner.evaluate(s);
                if (p.labelled()) {
                    labelled++;
                    lossSum += p.loss();
                }
                done++;
                steps += s.steps();
                if ((done & 15) == 0) {
                    progress.update(done, total, lossSum / Math.max(1, labelled));
                }
            }
        }
        // a trailing partial mini-batch stays pending, as in the service: one code path
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpuSeconds = (cpuNanos() - cpuStart) / 1e9;
        double loss = labelled == 0 ? Double.NaN : lossSum / labelled;
        progress.update(done, total, loss);
        double s = Math.max(seconds, 1e-9);
        return new Result(done, steps, loss, seconds, cpuSeconds, done / s, steps / s,
                learner.model().rejectedSteps() - rejectedBefore);
    }

    /** CPU time of the current thread, or 0 where the JVM does not measure it. */
    private static long cpuNanos() {
        java.lang.management.ThreadMXBean b = java.lang.management.ManagementFactory.getThreadMXBean();
        return b.isCurrentThreadCpuTimeSupported() ? b.getCurrentThreadCpuTime() : 0L;
    }
}
