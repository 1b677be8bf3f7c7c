package dev.alignstream.stream;

import java.util.function.Supplier;

/**
 * A live model's {@link ModelStatus} as the stream thread publishes it to the HTTP and metrics
 * threads: the parts that change per step (samples seen, rejected steps) are two volatile
 * counters, so a step allocates nothing; a reader builds the record when it asks. The rest
 * (configuration, pause flag) is replaced as a whole when it changes, which is rare.
 *
 * <p>A reader sees each counter as of some completed step; the two counters may be one step
 * apart from each other (they are informational, never used to decide anything).
 */
final class PublishedStatus implements Supplier<ModelStatus> {

    private volatile ModelStatus base;
    private volatile long samplesSeen;
    private volatile long rejectedSteps;

    PublishedStatus(ModelStatus base) {
        set(base);
    }

    /** Publishes a whole new status (a change of configuration or state). */
    void set(ModelStatus s) {
        base = s;
        rejectedSteps = s.rejectedSteps();
        samplesSeen = s.samplesSeen();
    }

    /** Publishes the counters after a step: two volatile stores, no allocation. */
    void counters(long seen, long rejected) {
        rejectedSteps = rejected;
        samplesSeen = seen;
    }

    @Override
    public ModelStatus get() {
        ModelStatus b = base;
        long seen = samplesSeen;
        long rejected = rejectedSteps;
        if (b.samplesSeen() == seen && b.rejectedSteps() == rejected) {
            return b;
        }
        return new ModelStatus(b.id(), b.stream(), b.arch(), b.rule(), b.layers(), b.learningRate(), b.batchSize(), seen,
                rejected, b.paused(), b.state(), b.reason(), b.memoryBytes());
    }
}
