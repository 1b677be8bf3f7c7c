package dev.alignstream.core;

/**
 * The whole state of one model: its config, live parameters, the frozen initial copy, counters,
 * the alignment accumulators and the pending mini-batch. It does no arithmetic itself —
 * {@link Learner} does — so it can be serialized, restored and compared as a plain value.
 *
 * <p>The one exception: a batch-1 learner leaves its last update {@linkplain DeferredUpdate
 * deferred} so that the next forward pass can apply it as it reads the weights; {@link #live()}
 * applies it first, so every other reader sees the parameters as if it had been applied at once.
 * Like the rest of the model, this is not thread-safe: the learning thread (or whoever owns the
 * model) calls it.
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
    private DeferredUpdate deferred;

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

    /** The live parameters, with any deferred update applied. */
    public Parameters live() {
        if (deferred != null) {
            DeferredUpdate d = deferred;
            deferred = null;
            d.applyTo(live);
        }
        return live;
    }

    /** Leaves {@code d} to be applied before the parameters are next read. */
    void defer(DeferredUpdate d) {
        if (deferred != null) {
            throw new IllegalStateException("an update is already deferred");
        }
        deferred = d;
    }

    /**
     * Hands the deferred update, if any, to the caller, who MUST apply it before the parameters
     * are read again; with {@link #liveUnapplied()} it lets the learner fuse it into a forward pass.
     */
    DeferredUpdate takeDeferred() {
        DeferredUpdate d = deferred;
        deferred = null;
        return d;
    }

    /** Whether an update waits to be applied (the next forward pass or {@link #live()} applies it). */
    boolean hasDeferredUpdate() {
        return deferred != null;
    }

    /** The live parameters without applying a deferred update: only for the caller of {@link #takeDeferred()}. */
    Parameters liveUnapplied() {
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
        Parameters live = live();
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
