package dev.alignstream.core;

import org.ejml.data.FMatrixRMaj;

/**
 * Labelled samples already predicted and waiting for the rest of their mini-batch (SPEC
 * section 4: all B samples of a batch are predicted before the batch's update). Part of a
 * model's state: a crash between two samples of one batch must not lose the first.
 */
public final class PendingBatch {

    private final FMatrixRMaj features;
    private final FMatrixRMaj targets;
    private int count;

    public PendingBatch(int capacity, int inputSize, int outputSize) {
        features = new FMatrixRMaj(capacity, inputSize);
        targets = new FMatrixRMaj(capacity, outputSize);
    }

    public int count() {
        return count;
    }

    public int capacity() {
        return features.numRows;
    }

    public boolean isFull() {
        return count == features.numRows;
    }

    public void add(float[] x, float[] target) {
        if (isFull()) {
            throw new IllegalStateException("pending batch is full");
        }
        System.arraycopy(x, 0, features.data, count * features.numCols, features.numCols);
        System.arraycopy(target, 0, targets.data, count * targets.numCols, targets.numCols);
        count++;
    }

    /** Raw features (row-major, {@code count x n_0}); rows beyond {@link #count()} are stale. */
    public FMatrixRMaj features() {
        return features;
    }

    /** Targets (row-major, {@code count x n_L}); rows beyond {@link #count()} are stale. */
    public FMatrixRMaj targets() {
        return targets;
    }

    public void clear() {
        count = 0;
    }

    /** Restores {@code n} rows from serialized state. */
    public void restore(float[] x, float[] t, int n) {
        if (n > capacity()) {
            throw new IllegalArgumentException("pending batch of " + n + " exceeds batch size " + capacity());
        }
        System.arraycopy(x, 0, features.data, 0, n * features.numCols);
        System.arraycopy(t, 0, targets.data, 0, n * targets.numCols);
        count = n;
    }
}
