package dev.alignstream.stream;

import dev.alignstream.core.Prediction;
import dev.alignstream.data.DataEvent;

/**
 * Callbacks from the stream thread about what learning did, for metrics and progress displays.
 * Implementations must be fast and thread-safe; they must not block the stream thread.
 */
public interface LearningListener {

    /**
     * {@code stepNanos} of a prediction whose step was not timed: one owed from before a restore,
     * recomputed by the replay (see {@link TaskModels}) and emitted after it. Listeners MUST NOT
     * record it as a step time.
     */
    long NOT_TIMED = -1;

    /**
     * A sample (or, for an RNN, a sequence) was predicted and, if labelled and not paused,
     * learned by a model. Not called during replay; a prediction owed from before a restore is
     * reported once, after the replay, with {@code stepNanos} {@link #NOT_TIMED}.
     */
    default void onPrediction(ModelSpec spec, DataEvent sample, Prediction prediction, long stepNanos) {
    }

    /**
     * A model could not use a sample that other models of its stream learned (wrong width, label
     * out of its range, target width, ...); {@code reason} is a {@link dev.alignstream.data.BadRecordReason} id.
     * Not called during replay.
     */
    default void onSampleRefused(ModelSpec spec, String reason) {
    }

    /**
     * A model was refused on this instance: {@code kind} is {@code unfit} (its declaration does
     * not fit its stream's samples) or {@code memory} (it does not fit the memory budget);
     * {@code reason} says why in words.
     */
    default void onModelRefused(ModelSpec spec, String kind, String reason) {
    }

    /** A record went to the dead-letter topic. */
    default void onDeadLetter(String reason) {
    }

    /** A record was read from the samples topic. */
    default void onRecordIn() {
    }

    /** The number of samples waiting for a delayed label on {@code stream} changed. */
    default void onPending(String stream, int waiting) {
    }

    /** A sample of {@code stream} expired before its label came. */
    default void onExpired(String stream) {
    }

    /** A delayed label completed a sample of {@code stream} {@code delayMillis} of record time after it was served. */
    default void onLabelDelay(String stream, long delayMillis) {
    }

    /** A model now lives on this instance (created, or restored after a rebalance). */
    default void onModelAdded(ModelSpec spec) {
    }

    /** A model left this instance (deleted, or moved away). */
    default void onModelRemoved(String modelId) {
    }
}
