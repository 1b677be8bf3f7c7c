package dev.alignstream.eval;

import dev.alignstream.core.Prediction;

/**
 * Prequential accuracy and loss over the last {@code capacity} labelled samples (SPEC section 4):
 * the mean of the test-then-train scores in a sliding window. A fixed ring buffer, so memory is
 * bounded however long the stream runs; the sums are recomputed in a fixed order on read, so the
 * value is exact and does not drift.
 */
public final class PrequentialWindow {

    private final double[] losses;
    private final boolean[] correct;
    private final boolean[] classification;
    private int next;
    private int size;

    public PrequentialWindow(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("window capacity must be >= 1");
        }
        losses = new double[capacity];
        correct = new boolean[capacity];
        classification = new boolean[capacity];
    }

    /** Adds a labelled prediction's score; unlabelled predictions are ignored. */
    public synchronized void add(Prediction p, boolean isClassification) {
        if (!p.labelled()) {
            return;
        }
        losses[next] = p.loss();
        correct[next] = p.correct();
        classification[next] = isClassification;
        next = (next + 1) % losses.length;
        size = Math.min(size + 1, losses.length);
    }

    public synchronized int size() {
        return size;
    }

    public int capacity() {
        return losses.length;
    }

    /** Mean loss over the window, NaN when empty. */
    public synchronized double loss() {
        if (size == 0) {
            return Double.NaN;
        }
        double s = 0;
        for (int i = 0; i < size; i++) {
            s += losses[i];
        }
        return s / size;
    }

    /** Fraction correct among the window's classification samples, NaN when there are none. */
    public synchronized double accuracy() {
        int n = 0;
        int c = 0;
        for (int i = 0; i < size; i++) {
            if (classification[i]) {
                n++;
                if (correct[i]) {
                    c++;
                }
            }
        }
        return n == 0 ? Double.NaN : (double) c / n;
    }
}
