package dev.alignstream.rnn;

import dev.alignstream.core.RowMatrix;

/**
 * Preallocated buffers for one sequence's trajectories, one row per time step (row {@code t-1}
 * holds step {@code t}), plus one-row scratch for the per-step products. Nothing is allocated per
 * time step: the trajectory buffers are sized for the longest sequence seen so far and grow
 * geometrically (at most to the model's {@code max_steps}) when a longer one arrives.
 *
 * <p>Kept per time step: the scaled inputs {@code x_t}; live states {@code s_t}, the same states
 * shifted by one ({@code s_{t-1}}, so the recurrent update is one outer product over all steps),
 * and the derivatives {@code phi'(h_t)}; their frozen counterparts; the live errors {@code e_t}; the
 * frozen network's BPTT signal {@code c_t} and the live signal {@code delta_t}.
 */
final class RnnWorkspace {

    private final int nIn;
    private final int n;
    private final int nOut;
    private final int maxSteps;
    private int capacity;

    RowMatrix x;
    RowMatrix s;
    RowMatrix sPrev;
    RowMatrix deriv;
    RowMatrix s0;
    RowMatrix s0Prev;
    RowMatrix deriv0;
    RowMatrix e;
    RowMatrix c;
    RowMatrix delta;
    private RowMatrix[] trajectories;

    /** One-row scratch: the coefficient rows and results of the per-step products. */
    final RowMatrix inRow;
    final RowMatrix hiddenRow;
    final RowMatrix outRow;
    final RowMatrix sumA;
    final RowMatrix sumB;
    final RowMatrix outSum;
    /** Gate argument of {@code backwardTransposed}: the step's {@code phi'(h_t)}. */
    final RowMatrix gateRow;
    /** Scratch of {@link dev.alignstream.core.Kernels#combineRows} and {@code backwardTransposed}. */
    final int[] nonzero;
    /** Scratch of {@code backwardTransposed}: tiles for several rows (unused with one), the dot products. */
    final RowMatrix tile;
    final RowMatrix tileAcc;
    final float[] products;

    RnnWorkspace(RnnConfig c, int initialSteps) {
        nIn = c.inputSize();
        n = c.hidden();
        nOut = c.outputSize();
        maxSteps = c.maxSteps();
        inRow = new RowMatrix(1, nIn);
        hiddenRow = new RowMatrix(1, n);
        outRow = new RowMatrix(1, nOut);
        sumA = new RowMatrix(1, n);
        sumB = new RowMatrix(1, n);
        outSum = new RowMatrix(1, nOut);
        gateRow = new RowMatrix(1, n);
        nonzero = new int[Math.max(nIn, Math.max(n, nOut))];
        tile = new RowMatrix(1, 1);
        tileAcc = new RowMatrix(1, 1);
        products = new float[Math.max(n, nOut)];
        allocate(Math.min(maxSteps, Math.max(1, initialSteps)));
    }

    /** Makes room for {@code steps} time steps ({@code <= max_steps}) and marks that many rows active. */
    void steps(int steps) {
        if (steps > capacity) {
            allocate(Math.min(maxSteps, Math.max(steps, 2 * capacity)));
        }
        for (RowMatrix m : trajectories) {
            m.setActiveRows(steps);
        }
    }

    int capacity() {
        return capacity;
    }

    private void allocate(int cap) {
        capacity = cap;
        x = new RowMatrix(cap, nIn);
        s = new RowMatrix(cap, n);
        sPrev = new RowMatrix(cap, n);
        deriv = new RowMatrix(cap, n);
        s0 = new RowMatrix(cap, n);
        s0Prev = new RowMatrix(cap, n);
        deriv0 = new RowMatrix(cap, n);
        e = new RowMatrix(cap, nOut);
        c = new RowMatrix(cap, n);
        delta = new RowMatrix(cap, n);
        trajectories = new RowMatrix[] {x, s, sPrev, deriv, s0, s0Prev, deriv0, e, c, delta};
    }
}
