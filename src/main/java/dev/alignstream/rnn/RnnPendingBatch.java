package dev.alignstream.rnn;

/**
 * The sequences of a mini-batch learned from so far, as sums — part of a model's state, so a
 * crash between two sequences of one batch loses nothing (SPEC section 3: one step applies the
 * mean of the per-sequence updates of B sequences, all predicted before the step).
 *
 * <p>Each sequence's update is computed as soon as it is predicted, with the same live parameters
 * the whole batch sees, and added here; the step then applies {@code -eta / count} times the sums.
 * Keeping sums rather than the raw sequences bounds the state by the model's size, whatever the
 * sequence lengths.
 */
public final class RnnPendingBatch {

    private final RnnParameters gradient;
    private final RnnParameters prediction;
    private int count;

    RnnPendingBatch(RnnConfig c, boolean separatePrediction) {
        gradient = RnnParameters.zeros(c);
        prediction = separatePrediction ? RnnParameters.zeros(c) : null;
    }

    /**
     * {@code sum} over the pending sequences of the rule's gradient {@code G} (the update is
     * {@code -eta G / count}), in the shapes of the parameters; live.
     */
    public RnnParameters gradient() {
        return gradient;
    }

    /**
     * The pending sequences' increments of the alignment accumulators {@code P} (weights only), or
     * null when alignment is not tracked or {@code P}'s increment is the gradient itself ({@code align-zero}).
     */
    public RnnParameters prediction() {
        return prediction;
    }

    public int count() {
        return count;
    }

    void added() {
        count++;
    }

    /** Forgets the pending sequences. */
    public void clear() {
        gradient.zero();
        if (prediction != null) {
            prediction.zero();
        }
        count = 0;
    }

    /** Sets the count from serialized state (the sums are restored through {@link #gradient()} and {@link #prediction()}). */
    public void restoreCount(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("pending count " + n + " is negative");
        }
        count = n;
    }
}
