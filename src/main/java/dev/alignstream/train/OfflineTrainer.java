package dev.alignstream.train;

import dev.alignstream.core.Learner;
import dev.alignstream.core.Prediction;
import dev.alignstream.data.BadRecordReason;
import dev.alignstream.data.LabelRecord;
import dev.alignstream.data.Sample;
import dev.alignstream.data.TimedEvent;
import dev.alignstream.delayed.DelayedLabelLearner;
import dev.alignstream.delayed.LabelWait;
import dev.alignstream.eval.PrequentialTotals;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

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

    /**
     * What a run over samples and delayed labels did: {@code base} scores every labelled sample
     * and every completed one (by its served prediction); the counts say what waited and why
     * events were not used.
     */
    public record EventResult(Result base, long completed, int stillPending, long expired,
                              Map<BadRecordReason, Long> refused) {
    }

    private OfflineTrainer() {
    }

    /**
     * Trains over samples and delayed labels in record order (SPEC sections 7 and 8): the same
     * rules the service applies per stream, so the model file is the service's after the same
     * records in the same order.
     */
    public static EventResult trainEvents(Learner learner, List<TimedEvent> events, int epochs, LabelWait wait,
                                          Progress progress) {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1");
        }
        DelayedLabelLearner delayed = new DelayedLabelLearner(learner, wait);
        PrequentialTotals totals = new PrequentialTotals();
        Map<BadRecordReason, Long> refused = new EnumMap<>(BadRecordReason.class);
        long total = (long) events.size() * epochs;
        long rejectedBefore = learner.model().rejectedSteps();
        long done = 0;
        long completed = 0;
        long samples = 0;
        long start = System.nanoTime();
        for (int ep = 0; ep < epochs; ep++) {
            for (TimedEvent e : events) {
                DelayedLabelLearner.Result r = delayed.accept(e);
                if (e.event() instanceof Sample) {
                    samples++;
                }
                if (r instanceof DelayedLabelLearner.Predicted p) {
                    totals.add(p.prediction(), ((Sample) e.event()).label() != null);
                } else if (r instanceof DelayedLabelLearner.Completed c) {
                    totals.add(c.scored(), ((LabelRecord) e.event()).label() != null);
                    completed++;
                } else if (r instanceof DelayedLabelLearner.Refused f) {
                    refused.merge(f.reason(), 1L, Long::sum);
                }
                done++;
                if ((done & 63) == 0) {
                    progress.update(done, total, totals);
                }
            }
        }
        // a trailing partial mini-batch stays pending, as in the service (see train)
        double seconds = (System.nanoTime() - start) / 1e9;
        progress.update(done, total, totals);
        Result base = new Result(samples, totals.accuracy(), totals.loss(), seconds, samples / Math.max(seconds, 1e-9),
                learner.model().rejectedSteps() - rejectedBefore);
        return new EventResult(base, completed, delayed.pendingCount(), delayed.expired(), refused);
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
