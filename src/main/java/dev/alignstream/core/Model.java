package dev.alignstream.core;

/**
 * The whole state of one model: its config, live parameters, the frozen initial copy, counters,
 * the alignment accumulators and the pending mini-batch. It does no arithmetic itself —
 * {@link Learner} does — so it can be serialized, restored and compared as a plain value.
 */
public final class Model {

    private ModelConfig config;
    private final Parameters live;
    private final FrozenNetwork frozen;
    private final AlignmentTracker alignment;
    private final PendingBatch pending;
    /** The last batch-1 step's weight update, until the next forward pass or reader applies it; null at batch > 1. */
    private final DeferredUpdate deferredUpdate;
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
        this.deferredUpdate = config.batchSize() == 1 ? new DeferredUpdate(config.layers()) : null;
    }

    /** A fresh model initialized from its config's seed (frozen copy shared with equal configs). */
    public static Model create(ModelConfig config) {
        return new Model(config, Initializer.initial(config), Initializer.frozen(config), 0);
    }

    public ModelConfig config() {
        return config;
    }

    /** Changes the learning rate for the following steps; nothing else about a model may change. */
    public void setLearningRate(float lr) {
        config = config.withLearningRate(lr);
    }

    /**
     * The live parameters with every learning step applied. The last batch-1 step's weight update
     * may be held back ({@link DeferredUpdate}) until the next forward pass reads the weights; this
     * applies it first, so callers always see the weights as of the last step (the same bits
     * either way). Not thread-safe, like every other access to a model.
     */
    public Parameters live() {
        if (deferredUpdate != null) {
            deferredUpdate.applyAll(live);
        }
        return live;
    }

    /** The live parameters as they are, a held-back update not applied: only for the learner's live forward pass. */
    Parameters liveWithPendingUpdate() {
        return live;
    }

    /** Bytes of the buffers that hold a batch-1 step's weight update back (0 at batch > 1). */
    public long heldBackUpdateBytes() {
        return deferredUpdate == null ? 0 : deferredUpdate.bytes();
    }

    /** The held-back batch-1 weight update, or null (batch > 1). */
    DeferredUpdate deferredUpdate() {
        return deferredUpdate;
    }

    public FrozenNetwork frozen() {
        return frozen;
    }

    /** The alignment accumulators, or null when the config does not track alignment. */
    public AlignmentTracker alignment() {
        return alignment;
    }

    public PendingBatch pending() {
        return pending;
    }

    /** Samples learned from by applied steps. */
    public long samplesSeen() {
        return samplesSeen;
    }

    public long rejectedSteps() {
        return rejectedSteps;
    }

    public boolean paused() {
        return paused;
    }

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
