package dev.alignstream.core;

/**
 * The whole state of one model: its config, live parameters, the frozen initial copy, counters,
 * the alignment accumulators and the pending mini-batch. It does no arithmetic itself —
 * {@link Learner} does — so it can be serialized, restored and compared as a plain value.
 */
public final class Model implements TrainingState {

    private ModelConfig config;
    private final Parameters live;
    private final FrozenNetwork frozen;
    private final AlignmentTracker alignment;
    private final PendingBatch pending;
    private long samplesSeen;
    private long rejectedSteps;
    private boolean paused;

    public Model(ModelConfig config, Parameters live, FrozenNetwork frozen, long samplesSeen) {
        if (live.depth() != config.depth() || frozen.depth() != config.depth()) {
            throw new IllegalArgumentException("parameters do not match layers " + config.layersString());
        }
        this.config = config;
        this.live = live;
        this.frozen = frozen;
        this.samplesSeen = samplesSeen;
        this.alignment = config.trackAlignment() ? new AlignmentTracker(config.layers()) : null;
        this.pending = new PendingBatch(config.batchSize(), config.inputSize(), config.outputSize());
    }

    /** A fresh model initialized from its config's seed (frozen copy shared with equal configs). */
    public static Model create(ModelConfig config) {
        return new Model(config, Initializer.initial(config), Initializer.frozen(config), 0);
    }

    public ModelConfig config() {
        return config;
    }

    /** Changes the learning rate for the following steps; nothing else about a model may change. */
    @Override
    public void setLearningRate(float lr) {
        config = config.withLearningRate(lr);
    }

    public Parameters live() {
        return live;
    }

    public FrozenNetwork frozen() {
        return frozen;
    }

    /** The alignment accumulators, or null when the config does not track alignment. */
    public AlignmentTracker alignment() {
        return alignment;
    }

    /** The per-layer alignment figures now; reads every accumulator, so call it on a copy off the learning thread. */
    public AlignmentGauges alignmentGauges() {
        AlignmentGauges g = AlignmentGauges.unknown(config.depth());
        for (int l = 1; l <= g.matrices(); l++) {
            g.changeNorm()[l] = AlignmentTracker.changeNorm(l, live, frozen.initial());
            if (alignment != null && samplesSeen > 0) {
                g.score()[l] = alignment.score(l, live, frozen.initial());
                g.baseline()[l] = alignment.baselineScore(l, live, frozen.initial(), 1L);
            }
        }
        return g;
    }

    public PendingBatch pending() {
        return pending;
    }

    /** Samples learned from by applied steps. */
    @Override
    public long samplesSeen() {
        return samplesSeen;
    }

    @Override
    public long rejectedSteps() {
        return rejectedSteps;
    }

    @Override
    public boolean paused() {
        return paused;
    }

    @Override
    public void setPaused(boolean paused) {
        this.paused = paused;
    }

    void recordApplied(int samples) {
        samplesSeen += samples;
    }

    void recordRejected() {
        rejectedSteps++;
    }

    /** Sets the counters from serialized state. */
    public void restoreCounters(long samplesSeen, long rejectedSteps) {
        this.samplesSeen = samplesSeen;
        this.rejectedSteps = rejectedSteps;
    }
}
