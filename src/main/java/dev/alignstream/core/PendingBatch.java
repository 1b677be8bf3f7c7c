package dev.alignstream.core;

/**
 * Labelled samples already predicted and waiting for the rest of their mini-batch (SPEC
 * section 4: all B samples of a batch are predicted before the batch's update). Part of a
 * model's state: a crash between two samples of one batch must not lose the first.
 */
public final class PendingBatch {

    private final RowMatrix features;
    private final RowMatrix targets;
    private int count;

    public PendingBatch(int capacity, int inputSize, int outputSize) {
        features = new RowMatrix(capacity, inputSize);
        targets = new RowMatrix(capacity, outputSize);
    }

    public int count() {
        return count;
    }

    public int capacity() {
        return features.capacity();
    }

    public boolean isFull() {
        return count == features.capacity();
    }

    public void add(float[] x, float[] target) {
        if (isFull()) {
            throw new IllegalStateException("pending batch is full");
        }
        System.arraycopy(x, 0, features.row(count), 0, features.numCols());
        System.arraycopy(target, 0, targets.row(count), 0, targets.numCols());
        count++;
    }

    /** Raw features, one row per pending sample; rows beyond {@link #count()} are stale. */
    public RowMatrix features() {
        return features;
    }

    /** Targets, one row per pending sample; rows beyond {@link #count()} are stale. */
    public RowMatrix targets() {
        return targets;
    }

    public void clear() {
        count = 0;
    }

    /** Restores {@code n} rows (row-major values) from serialized state. */
    public void restore(float[] x, float[] t, int n) {
        if (n > capacity() || x.length != n * features.numCols() || t.length != n * targets.numCols()) {
            throw new IllegalArgumentException("pending batch of " + n + " rows does not fit batch size "
                    + capacity() + " and the model's widths");
        }
        for (int r = 0; r < n; r++) {
            System.arraycopy(x, r * features.numCols(), features.row(r), 0, features.numCols());
            System.arraycopy(t, r * targets.numCols(), targets.row(r), 0, targets.numCols());
        }
        count = n;
    }
}
