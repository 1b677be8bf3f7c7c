package dev.alignstream.core;

/**
 * Every buffer one learning step needs, allocated once per model for its largest batch so the
 * hot loop allocates nothing. Rows are samples: {@code a(l)} is {@code B x n_l}. The same
 * buffers serve the live network ({@code h, a}), the frozen copy ({@code h0, a0}), the rule's
 * backward signals ({@code signal}) and, when tracked, the align-zero signals of the alignment
 * score ({@code alignSignal}). {@link #rows(int)} sets how many rows the current pass uses.
 */
public final class Workspace {

    /** Tile of the batched backward product: 16 x 512 floats (32 KiB, one cache line of each weight row); measured faster than 32 x 128, whose short loops cost more than they save. */
    private static final int TILE_ROWS = 16;
    private static final int TILE_COLS = 512;
    /** {@code products} doubles as the vector kernels' lane scratch (eight floats). */
    private static final int VECTOR_LANES = 8;

    private final int[] layers;
    private final int maxBatch;
    private RowMatrix[] h;
    private RowMatrix[] a;
    /**
     * A second set of live activities at batch 1 ({@link #swapLive}): the next sample's forward
     * pass writes there while a {@link DeferredUpdate} still reads this sample's; null otherwise.
     */
    private RowMatrix[] hSpare;
    private RowMatrix[] aSpare;
    private final RowMatrix[] h0;
    private final RowMatrix[] a0;
    private final RowMatrix[] signal;
    private final RowMatrix[] alignSignal;
    private final RowMatrix target;
    private final RowMatrix tile;
    private final RowMatrix tileAcc;
    private final float[] products;
    private final float[] dots;
    /** The vector kernels' gathered coefficients and term rows ({@link Kernels#vectorCoefScratch}, {@link Kernels#vectorRowsScratch}). */
    private final float[] coef;
    private final int[] coefRows;
    private final int[] nonzero;
    /** The vector path's batched backward result, transposed, {@code widest x B}; null at batch 1 or without the vector path. */
    private final RowMatrix resultT;
    private final RowMatrix[] all;

    public Workspace(int[] layers, int maxBatch) {
        this.layers = layers.clone();
        this.maxBatch = maxBatch;
        int depth = layers.length - 1;
        h = new RowMatrix[depth + 1];
        a = new RowMatrix[depth + 1];
        h0 = new RowMatrix[depth + 1];
        a0 = new RowMatrix[depth + 1];
        signal = new RowMatrix[depth + 1];
        alignSignal = new RowMatrix[depth + 1];
        int widest = 0;
        java.util.List<RowMatrix> list = new java.util.ArrayList<>();
        for (int l = 0; l <= depth; l++) {
            widest = Math.max(widest, layers[l]);
            if (l == 0) {
                a[0] = new RowMatrix(maxBatch, layers[0]);
                list.add(a[0]);
                continue;
            }
            h[l] = new RowMatrix(maxBatch, layers[l]);
            h0[l] = new RowMatrix(maxBatch, layers[l]);
            a[l] = l < depth ? new RowMatrix(maxBatch, layers[l]) : h[l];
            a0[l] = l < depth ? new RowMatrix(maxBatch, layers[l]) : h0[l];
            signal[l] = new RowMatrix(maxBatch, layers[l]);
            alignSignal[l] = new RowMatrix(maxBatch, layers[l]);
            list.addAll(java.util.List.of(h[l], h0[l], a[l], a0[l], signal[l], alignSignal[l]));
        }
        a0[0] = a[0];
        if (maxBatch == 1) {
            hSpare = new RowMatrix[depth + 1];
            aSpare = new RowMatrix[depth + 1];
            aSpare[0] = new RowMatrix(1, layers[0]);
            list.add(aSpare[0]);
            for (int l = 1; l <= depth; l++) {
                hSpare[l] = new RowMatrix(1, layers[l]);
                aSpare[l] = l < depth ? new RowMatrix(1, layers[l]) : hSpare[l];
                list.addAll(java.util.List.of(hSpare[l], aSpare[l]));
            }
        }
        target = new RowMatrix(maxBatch, layers[depth]);
        list.add(target);
        all = list.toArray(new RowMatrix[0]);
        tile = new RowMatrix(TILE_ROWS, TILE_COLS);
        tileAcc = new RowMatrix(maxBatch, TILE_COLS);
        products = new float[Math.max(widest, VECTOR_LANES)];
        dots = new float[widest];
        coef = new float[Kernels.vectorCoefScratch(maxBatch)];
        coefRows = new int[Kernels.vectorRowsScratch(maxBatch)];
        nonzero = new int[widest];
        boolean columns = maxBatch > 1 && Kernels.vectorized();
        resultT = columns ? new RowMatrix(widest, maxBatch) : null;
    }

    /** Bytes of every buffer of one learning step (activities, signals, scratch). */
    public long bytes() {
        long b = tile.bytes() + tileAcc.bytes() + 4L * products.length + 4L * dots.length + 4L * nonzero.length + 4L * coef.length
                + 4L * coefRows.length;
        if (resultT != null) {
            b += resultT.bytes();
        }
        java.util.Set<RowMatrix> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (RowMatrix m : all) {
            if (seen.add(m)) {
                b += m.bytes();
            }
        }
        return b;
    }

    public int maxBatch() {
        return maxBatch;
    }

    /** Sets the number of rows (samples) the next pass uses, {@code 1..maxBatch}. */
    public void rows(int batch) {
        if (batch < 1 || batch > maxBatch) {
            throw new IllegalArgumentException("batch " + batch + " outside 1.." + maxBatch);
        }
        for (RowMatrix m : all) {
            m.setActiveRows(batch);
        }
    }

    public int rows() {
        return a[0].numRows();
    }

    /** Network input {@code a^0 = inputScale * x}, shared by the live and frozen passes. */
    public RowMatrix input() {
        return a[0];
    }

    public RowMatrix h(int l) {
        return h[l];
    }

    /** Live activity {@code a^l}; {@code a(L)} is the output {@code f = h^L}. */
    public RowMatrix a(int l) {
        return a[l];
    }

    public RowMatrix h0(int l) {
        return h0[l];
    }

    public RowMatrix a0(int l) {
        return a0[l];
    }

    /** The rule's backward signal {@code g^l}; {@code signal(L)} is the live error {@code e}. */
    public RowMatrix signal(int l) {
        return signal[l];
    }

    /** The align-zero signal used for the alignment score when the rule's own signal differs. */
    public RowMatrix alignSignal(int l) {
        return alignSignal[l];
    }

    /** Scratch of {@code 4 B} floats for {@link Kernels#addOuter(RowMatrix, float, RowMatrix, RowMatrix, float[], int[])}. */
    float[] coefScratch() {
        return coef;
    }

    /** Scratch of {@code B} ints for {@link Kernels#addOuter(RowMatrix, float, RowMatrix, RowMatrix, float[], int[])}. */
    int[] coefRowsScratch() {
        return coefRows;
    }

    public RowMatrix target() {
        return target;
    }

    /** Forward pass of {@code p} from {@link #input()} into the live ({@code frozen=false}) or frozen buffers. */
    public void forward(Parameters p, Activation phi, boolean frozen) {
        RowMatrix[] hh = frozen ? h0 : h;
        RowMatrix[] aa = frozen ? a0 : a;
        int depth = layers.length - 1;
        for (int l = 1; l <= depth; l++) {
            Kernels.affine(aa[l - 1], p.weightT(l), p.bias(l), Kernels.invSqrt(layers[l - 1]), nonzero, coef, coefRows, hh[l]);
            if (l < depth) {
                Kernels.activate(phi, hh[l], aa[l]);
            }
        }
    }

    /** Whether this workspace can hand its live activities to a {@link DeferredUpdate} ({@link #swapLive}): batch 1 only. */
    boolean hasSpareLive() {
        return hSpare != null;
    }

    /**
     * Exchanges the live activities (input, {@code h}, {@code a}) with the spare set, so the
     * next forward pass writes into the other set while the current one still serves a
     * {@link DeferredUpdate}. The frozen pass keeps sharing the (new) input.
     */
    void swapLive() {
        RowMatrix[] t = h;
        h = hSpare;
        hSpare = t;
        t = a;
        a = aSpare;
        aSpare = t;
        a0[0] = a[0];
    }

    /**
     * The live forward pass of batch 1 from {@link #input()} through {@code p}, applying
     * {@code d} to {@code p} on the way: each layer {@code d} touches is updated and read in one
     * pass ({@link Kernels#addOuterThenCombine}), then its bias is updated and added. The result
     * and {@code p} afterwards have the same bits as {@code d.applyTo(p)} followed by
     * {@link #forward}.
     */
    void forwardApplying(Parameters p, Activation phi, DeferredUpdate d) {
        int depth = layers.length - 1;
        for (int l = 1; l <= depth; l++) {
            RowMatrix wt = p.weightT(l);
            if (d.touches(l)) {
                Kernels.addOuterThenCombine(wt, d.alpha(l), d.input(l).row(0), d.signal(l).row(0), a[l - 1].row(0),
                        nonzero, h[l].row(0));
                Kernels.addColumnSums(p.bias(l), d.biasAlpha(), d.signal(l));
                Kernels.scaleAddBias(h[l], Kernels.invSqrt(layers[l - 1]), p.bias(l));
            } else {
                Kernels.affine(a[l - 1], wt, p.bias(l), Kernels.invSqrt(layers[l - 1]), nonzero, coef, coefRows, h[l]);
            }
            if (l < depth) {
                Kernels.activate(phi, h[l], a[l]);
            }
        }
    }

    /** {@code bp}'s step: {@code out = phi'(gate) .* (above * W^{l+1}) / sqrt(n_l)} through a live transposed weight. */
    public void backpropTransposed(RowMatrix weightT, RowMatrix above, RowMatrix gate, Activation phi, RowMatrix out) {
        if (above.numRows() > 1 && resultT != null) {
            Kernels.backwardColumns(weightT, above, Kernels.invSqrt(weightT.numRows()), gate, phi, resultT, out);
            return;
        }
        Kernels.backwardTransposed(weightT, above, Kernels.invSqrt(weightT.numRows()), gate, phi,
                tile, tileAcc, products, nonzero, dots, out);
    }

    /** {@code out = phi'(gate) .* (above * m) / sqrt(scaleWidth)} through a fixed matrix with one row per upper neuron. */
    public void propagate(RowMatrix m, RowMatrix above, RowMatrix gate, Activation phi, RowMatrix out, int scaleWidth) {
        Kernels.propagate(above, m, Kernels.invSqrt(scaleWidth), gate, phi, nonzero, out);
    }

    /**
     * The frozen-network backward pass of align-zero, align-ada and the alignment score:
     * {@code g^l = phi'(h0^l) * (W0^{l+1 T} g^{l+1}) / sqrt(n_l)}, starting from the live error in
     * {@code signal(L)}, written into {@link #signal} or, for the score, {@link #alignSignal}.
     * The frozen weights are read in their one (transposed) layout, as dot products
     * ({@link Kernels#backwardTransposed}), skipping neurons whose frozen derivative is zero.
     */
    public void frozenBackward(FrozenNetwork frozen, Activation phi, boolean intoAlignSignal) {
        int depth = layers.length - 1;
        Parameters initial = frozen.initial();
        RowMatrix above = signal[depth];
        for (int l = depth - 1; l >= 1; l--) {
            RowMatrix out = intoAlignSignal ? alignSignal[l] : signal[l];
            if (above.numRows() > 1 && resultT != null) {
                Kernels.backwardColumns(initial.weightT(l + 1), above, Kernels.invSqrt(layers[l]), h0[l], phi, resultT,
                        out);
                above = out;
                continue;
            }
            Kernels.backwardTransposed(initial.weightT(l + 1), above, Kernels.invSqrt(layers[l]), h0[l], phi,
                    tile, tileAcc, products, nonzero, dots, out);
            above = out;
        }
    }
}
