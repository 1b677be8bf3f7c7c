package dev.alignstream.delayed;

import dev.alignstream.core.Learner;
import dev.alignstream.core.Prediction;
import dev.alignstream.data.BadRecordReason;
import dev.alignstream.data.DataEvent;
import dev.alignstream.data.LabelRecord;
import dev.alignstream.data.Sample;
import dev.alignstream.data.TimedEvent;

/**
 * One model fed samples and delayed labels (SPEC sections 7 and 8): a sample with an id and no
 * label is predicted at once (the <em>served</em> prediction) and kept pending; the label record
 * with that id completes it, the served prediction is scored, and the model learns from the
 * features with that label at that moment. A sample that carries its label is learned at once,
 * as always. Offline {@code train} runs this class; the service follows the same rules event by
 * event, which is why both end with the same model file.
 *
 * <p>Order of use: {@link #accept} for every event, in record order. Not thread-safe.
 */
public final class DelayedLabelLearner {

    /** What waits for a label: the features and what the model answered when they arrived. */
    public record Served(float[] features, float[] output, long version) {
    }

    /** What one event did. */
    public sealed interface Result {
    }

    /** A sample predicted (and, if labelled, learned) at once; {@code pending} if it now waits for its label. */
    public record Predicted(Prediction prediction, boolean pending) implements Result {
    }

    /**
     * A label completed its sample: {@code scored} is the served prediction scored against the
     * label, with the step outcome and samples seen after learning.
     *
     * @param servedVersion the model's samples seen when the prediction was served
     */
    public record Completed(String id, long servedVersion, Prediction scored) implements Result {
    }

    /** The event was not used: {@code unmatched-label}, {@code duplicate-label} or {@code duplicate-id}. */
    public record Refused(BadRecordReason reason, String message) implements Result {
    }

    private final Learner learner;
    private final PendingSamples<Served> pending;

    public DelayedLabelLearner(Learner learner, LabelWait wait) {
        this.learner = learner;
        this.pending = new PendingSamples<>(wait);
    }

    public Learner learner() {
        return learner;
    }

    public Result accept(TimedEvent te) {
        DataEvent e = te.event();
        if (e instanceof LabelRecord label) {
            return complete(label, te.time());
        }
        Sample s = (Sample) e;
        if (s.isLabelled() || s.id() == null) {
            pending.advance(te.time());
            return new Predicted(learner.observe(s), false);
        }
        Prediction served = learner.evaluate(s);
        boolean kept = pending.add(s.id(), te.time(), new Served(s.features(), served.output(), served.samplesSeen()));
        if (!kept) {
            return new Refused(BadRecordReason.DUPLICATE_ID, "a sample with id '" + s.id() + "' is already waiting for"
                    + " its label");
        }
        return new Predicted(served, true);
    }

    private Result complete(LabelRecord label, long time) {
        PendingSamples.Match<Served> m = pending.take(label.id(), time);
        if (m instanceof PendingSamples.Completed<Served> c) {
            Served s = c.entry().value();
            Sample labelled = label.complete(s.features());
            Prediction learned = learner.observe(labelled);
            return new Completed(label.id(), s.version(), learner.scoreServed(s.output(), labelled, learned));
        }
        if (m instanceof PendingSamples.Duplicate<Served>) {
            return new Refused(BadRecordReason.DUPLICATE_LABEL, "the sample with id '" + label.id()
                    + "' was already learned");
        }
        return new Refused(BadRecordReason.UNMATCHED_LABEL, "no sample with id '" + label.id()
                + "' is waiting for a label (never seen, or expired)");
    }

    /** Samples waiting for their label now. */
    public int pendingCount() {
        return pending.size();
    }

    /** Samples that expired before their label came. */
    public long expired() {
        return pending.expired();
    }
}
