package dev.alignstream.core;

/**
 * What every model has besides its parameters, whatever its architecture ({@link Model} for an
 * MLP, {@link dev.alignstream.rnn.RnnModel} for an RNN): its counters, its pause flag and its
 * learning rate, the only setting that may change while it learns. The service reads and sets
 * these through this one interface for both kinds.
 */
public interface TrainingState {

    /** Samples (or sequences) learned from by applied steps. */
    long samplesSeen();

    /** Steps the divergence guard rejected. */
    long rejectedSteps();

    boolean paused();

    void setPaused(boolean paused);

    /** Changes the learning rate for the following steps. */
    void setLearningRate(float lr);
}
