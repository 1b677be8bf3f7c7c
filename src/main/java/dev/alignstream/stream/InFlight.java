package dev.alignstream.stream;

import dev.alignstream.core.Prediction;
import dev.alignstream.data.DataEvent;
import dev.alignstream.stream.TaskModels.Completion;
import dev.alignstream.stream.TaskModels.Live;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A journaled record and its work for each model of its stream ({@link TaskModels#learn}):
 * filled in by whichever thread runs each slot ({@link #run}), read by the stream thread once
 * {@link #done}, which then emits its outputs in slot (model id) order.
 */
final class InFlight {
    final String stream;
    final long seq;
    final DataEvent sample;
    final long sourceOffset;
    final long timestamp;
    final Completion completes;
    final Live[] models;
    /** Whether model {@code i} steps on the record (else it only takes its snapshot). */
    final boolean[] uses;
    final boolean[] snapshotDue;
    final boolean[] fitted;
    final int[] unfitRun;
    final Prediction[] predictions;
    final Prediction[] scored;
    final long[] versions;
    final long[] nanos;
    final long[] seen;
    final long[] rejected;
    final byte[][] snapshotBytes;
    final Throwable[] failures;
    final AtomicInteger remaining;

    InFlight(String stream, long seq, DataEvent sample, long sourceOffset, long timestamp, Completion completes,
             List<Live> models, boolean[] snapshotDue) {
        this.stream = stream;
        this.seq = seq;
        this.sample = sample;
        this.sourceOffset = sourceOffset;
        this.timestamp = timestamp;
        this.completes = completes;
        int n = models.size();
        this.models = models.toArray(new Live[0]);
        this.uses = new boolean[n];
        this.snapshotDue = new boolean[n];
        this.fitted = new boolean[n];
        this.unfitRun = new int[n];
        this.predictions = new Prediction[n];
        this.scored = new Prediction[n];
        this.versions = new long[n];
        this.nanos = new long[n];
        this.seen = new long[n];
        this.rejected = new long[n];
        this.snapshotBytes = new byte[n][];
        this.failures = new Throwable[n];
        this.remaining = new AtomicInteger(n);
        for (int i = 0; i < n; i++) {
            Live lm = this.models[i];
            this.uses[i] = lm.refusal == null;
            this.snapshotDue[i] = snapshotDue[i];
            this.fitted[i] = lm.fitted;
            this.unfitRun[i] = lm.unfitRun;
        }
    }

    /**
     * Model {@code i}'s step on this record (when it can use it), then its planned snapshot, on
     * whichever thread runs it: touches only that model and slot {@code i}. Never throws.
     */
    void run(int i) {
        Live lm = models[i];
        try {
            if (uses[i]) {
                long start = System.nanoTime();
                versions[i] = lm.model.samplesSeen();
                Prediction p = lm.model.observe(sample);
                long took = System.nanoTime() - start;
                nanos[i] = took;
                lm.meanStepNanos = lm.meanStepNanos == 0 ? took : 0.9 * lm.meanStepNanos + 0.1 * took;
                if (completes != null) {
                    PendingStore.Served served = completes.pending().servedBy(lm.spec.id());
                    scored[i] = served == null ? p : lm.model.scoreServed(served.output(), sample, p);
                }
                seen[i] = lm.model.samplesSeen();
                rejected[i] = lm.model.rejectedSteps();
                predictions[i] = p;
            }
            if (snapshotDue[i]) {
                snapshotBytes[i] = lm.model.snapshotBytes();
            }
        } catch (Throwable t) {
            failures[i] = t;
        } finally {
            remaining.decrementAndGet();
        }
    }

    boolean done() {
        return remaining.get() == 0;
    }
}
