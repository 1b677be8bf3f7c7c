package dev.alignstream.rnn;

import dev.alignstream.core.AlignmentGauges;
import dev.alignstream.core.RuleName;

/**
 * The whole state of one RNN model: config, live parameters, the frozen initial copy, counters,
 * the alignment accumulators and the pending mini-batch. It does no arithmetic itself —
 * {@link RnnLearner} does — so it can be serialized, restored and compared as a plain value.
 */
public final class RnnModel implements dev.alignstream.core.TrainingState {

    private RnnConfig config;
    private final RnnParameters live;
    private final RnnFrozen frozen;
    private final RnnAlignmentTracker alignment;
    private final RnnPendingBatch pending;
    private long samplesSeen;
    private long rejectedSteps;
    private boolean paused;

    public RnnModel(RnnConfig config, RnnParameters live, RnnFrozen frozen, long samplesSeen) {
        if (!live.fits(config) || !frozen.initial().fits(config)) {
            throw new IllegalArgumentException("parameters do not match layers " + config.base().layersString());
        }
        this.config = config;
        this.live = live;
        this.frozen = frozen;
        this.samplesSeen = samplesSeen;
        boolean track = config.base().trackAlignment();
        this.alignment = track ? new RnnAlignmentTracker(config) : null;
        this.pending = new RnnPendingBatch(config, track && config.rule() != RuleName.ALIGN_ZERO);
    }

    /** A fresh model initialized from its config's seed; live and frozen start equal. */
    public static RnnModel create(RnnConfig config) {
        RnnFrozen frozen = RnnFrozen.fromSeed(config);
        return new RnnModel(config, frozen.initial().copy(), frozen, 0);
    }

    public RnnConfig config() {
        return config;
    }

    /** Changes the learning rate for the following steps; nothing else about a model may change. */
    @Override
    public void setLearningRate(float lr) {
        config = config.withBase(config.base().withLearningRate(lr));
    }

    public RnnParameters live() {
        return live;
    }

    public RnnFrozen frozen() {
        return frozen;
    }

    /** The alignment accumulators, or null when the config does not track alignment. */
    public RnnAlignmentTracker alignment() {
        return alignment;
    }

    /**
     * The alignment figures per weight matrix now (index {@code i} is {@code RnnMatrix.values()[i - 1]});
     * reads every accumulator, so call it on a copy off the learning thread.
     */
    public AlignmentGauges alignmentGauges() {
        AlignmentGauges g = AlignmentGauges.unknown(RnnMatrix.values().length);
        for (int i = 1; i <= g.matrices(); i++) {
            RnnMatrix x = RnnMatrix.values()[i - 1];
            g.changeNorm()[i] = RnnAlignmentTracker.changeNorm(x, live, frozen.initial());
            if (alignment != null && samplesSeen > 0) {
                g.score()[i] = alignment.score(x, live, frozen.initial());
                g.baseline()[i] = alignment.baselineScore(x, live, frozen.initial(), 1L);
            }
        }
        return g;
    }

    public RnnPendingBatch pending() {
        return pending;
    }

    /** Sequences learned from by applied steps. */
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

    void recordApplied(int sequences) {
        samplesSeen += sequences;
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
