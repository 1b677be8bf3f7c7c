package dev.alignstream.core;

import org.ejml.data.FMatrixRMaj;

/**
 * Every buffer one learning step needs, allocated once per model for its largest batch so the
 * hot loop allocates nothing. Rows are samples: {@code a(l)} is {@code B x n_l}. The same
 * buffers serve the live network ({@code h, a}), the frozen copy ({@code h0, a0}), the rule's
 * backward signals ({@code signal}) and, when tracked, the align-zero signals of the alignment
 * score ({@code alignSignal}). {@link #rows(int)} sets how many rows the current pass uses.
 */
public final class Workspace {

    private final int[] layers;
    private final int maxBatch;
    private final FMatrixRMaj[] h;
    private final FMatrixRMaj[] a;
    private final FMatrixRMaj[] h0;
    private final FMatrixRMaj[] a0;
    private final FMatrixRMaj[] signal;
    private final FMatrixRMaj[] alignSignal;
    private final FMatrixRMaj target;
    private final float[] transposeScratch;
    private final float[] accumulatorScratch;

    public Workspace(int[] layers, int maxBatch) {
        this.layers = layers.clone();
        this.maxBatch = maxBatch;
        int depth = layers.length - 1;
        h = new FMatrixRMaj[depth + 1];
        a = new FMatrixRMaj[depth + 1];
        h0 = new FMatrixRMaj[depth + 1];
        a0 = new FMatrixRMaj[depth + 1];
        signal = new FMatrixRMaj[depth + 1];
        alignSignal = new FMatrixRMaj[depth + 1];
        int widest = 0;
        for (int l = 0; l <= depth; l++) {
            widest = Math.max(widest, layers[l]);
            a[l] = new FMatrixRMaj(maxBatch, layers[l]);
            if (l > 0) {
                h[l] = new FMatrixRMaj(maxBatch, layers[l]);
                h0[l] = new FMatrixRMaj(maxBatch, layers[l]);
                a0[l] = l < depth ? new FMatrixRMaj(maxBatch, layers[l]) : h0[l];
                signal[l] = new FMatrixRMaj(maxBatch, layers[l]);
                alignSignal[l] = new FMatrixRMaj(maxBatch, layers[l]);
            }
        }
        a[depth] = h[depth];
        a0[0] = a[0];
        target = new FMatrixRMaj(maxBatch, layers[depth]);
        transposeScratch = new float[widest * maxBatch];
        accumulatorScratch = new float[4 * maxBatch];
    }

    public int maxBatch() {
        return maxBatch;
    }

    /** Sets the number of rows (samples) the next pass uses, {@code 1..maxBatch}. */
    public void rows(int batch) {
        if (batch < 1 || batch > maxBatch) {
            throw new IllegalArgumentException("batch " + batch + " outside 1.." + maxBatch);
        }
        for (int l = 0; l < layers.length; l++) {
            a[l].reshape(batch, layers[l]);
            if (l > 0) {
                h[l].reshape(batch, layers[l]);
                h0[l].reshape(batch, layers[l]);
                a0[l].reshape(batch, layers[l]);
                signal[l].reshape(batch, layers[l]);
                alignSignal[l].reshape(batch, layers[l]);
            }
        }
        target.reshape(batch, layers[layers.length - 1]);
    }

    public int rows() {
        return a[0].numRows;
    }

    /** Network input {@code a^0 = inputScale * x}, shared by the live and frozen passes. */
    public FMatrixRMaj input() {
        return a[0];
    }

    public FMatrixRMaj h(int l) {
        return h[l];
    }

    /** Live activity {@code a^l}; {@code a(L)} is the output {@code f = h^L}. */
    public FMatrixRMaj a(int l) {
        return a[l];
    }

    public FMatrixRMaj h0(int l) {
        return h0[l];
    }

    public FMatrixRMaj a0(int l) {
        return a0[l];
    }

    /** The rule's backward signal {@code g^l}; {@code signal(L)} is the live error {@code e}. */
    public FMatrixRMaj signal(int l) {
        return signal[l];
    }

    /** The align-zero signal used for the alignment score when the rule's own signal differs. */
    public FMatrixRMaj alignSignal(int l) {
        return alignSignal[l];
    }

    public FMatrixRMaj target() {
        return target;
    }

    /**
     * {@code out = phi'(gate) .* (above * m^T) / sqrt(n_l)}: one step of any rule's backward pass,
     * where {@code m} ({@code n_l x n_{l+1}}) is the matrix the signal travels back through in
     * kernel layout (a transposed weight, frozen weight or feedback matrix).
     */
    public void backprop(FMatrixRMaj m, FMatrixRMaj above, FMatrixRMaj gate, Activation phi, FMatrixRMaj out) {
        backprop(m, above, gate, phi, out, m.numRows);
    }

    /** As {@link #backprop(FMatrixRMaj, FMatrixRMaj, FMatrixRMaj, Activation, FMatrixRMaj)}, dividing by {@code sqrt(scaleWidth)}. */
    public void backprop(FMatrixRMaj m, FMatrixRMaj above, FMatrixRMaj gate, Activation phi, FMatrixRMaj out,
                         int scaleWidth) {
        Kernels.backward(m, above, Kernels.invSqrt(scaleWidth), gate, phi, transposeScratch, accumulatorScratch, out);
    }

    /** Forward pass of {@code p} from {@link #input()} into the live ({@code frozen=false}) or frozen buffers. */
    public void forward(Parameters p, Activation phi, boolean frozen) {
        FMatrixRMaj[] hh = frozen ? h0 : h;
        FMatrixRMaj[] aa = frozen ? a0 : a;
        int depth = layers.length - 1;
        for (int l = 1; l <= depth; l++) {
            Kernels.affine(aa[l - 1], p.weightT(l), p.bias(l), Kernels.invSqrt(layers[l - 1]), hh[l]);
            if (l < depth) {
                Kernels.activate(phi, hh[l], aa[l]);
            }
        }
    }

    /**
     * The frozen-network backward pass of align-zero, align-ada and the alignment score:
     * {@code g^l = phi'(h0^l) * (W0^{l+1 T} g^{l+1}) / sqrt(n_l)}, starting from the live error in
     * {@code signal(L)}, written into {@link #signal} or, for the score, {@link #alignSignal}.
     */
    public void frozenBackward(FrozenNetwork frozen, Activation phi, boolean intoAlignSignal) {
        int depth = layers.length - 1;
        FMatrixRMaj above = signal[depth];
        for (int l = depth - 1; l >= 1; l--) {
            FMatrixRMaj out = intoAlignSignal ? alignSignal[l] : signal[l];
            backprop(frozen.initial().weightT(l + 1), above, h0[l], phi, out);
            above = out;
        }
    }
}
