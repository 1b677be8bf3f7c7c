package dev.alignstream.core;

import org.ejml.data.FMatrixRMaj;

/**
 * The weights and biases of an MLP, one entry per weight layer {@code l = 1..L} (array index
 * {@code l - 1}). Weights are stored <em>transposed</em>, {@code WT^l = (W^l)^T} of shape
 * {@code n_{l-1} x n_l}, because every hot loop then streams contiguous rows: the forward pass and
 * the outer-product update become row-wise axpy operations the JIT vectorizes. Model files store
 * the untransposed {@code W} of the contract; {@link #weight(int)} converts.
 */
public final class Parameters {

    private final int[] layers;
    private final FMatrixRMaj[] weightsT;
    private final FMatrixRMaj[] biases;

    private Parameters(int[] layers, FMatrixRMaj[] weightsT, FMatrixRMaj[] biases) {
        this.layers = layers;
        this.weightsT = weightsT;
        this.biases = biases;
    }

    /** All-zero parameters for the given layer sizes. */
    public static Parameters zeros(int[] layers) {
        int depth = layers.length - 1;
        FMatrixRMaj[] w = new FMatrixRMaj[depth];
        FMatrixRMaj[] b = new FMatrixRMaj[depth];
        for (int i = 0; i < depth; i++) {
            w[i] = new FMatrixRMaj(layers[i], layers[i + 1]);
            b[i] = new FMatrixRMaj(1, layers[i + 1]);
        }
        return new Parameters(layers.clone(), w, b);
    }

    public int depth() {
        return weightsT.length;
    }

    public int[] layers() {
        return layers.clone();
    }

    /** Transposed weight of layer {@code l} (1-based), shape {@code n_{l-1} x n_l}; live, not a copy. */
    public FMatrixRMaj weightT(int l) {
        return weightsT[l - 1];
    }

    /** Bias of layer {@code l} (1-based), shape {@code 1 x n_l}; live, not a copy. */
    public FMatrixRMaj bias(int l) {
        return biases[l - 1];
    }

    /** The contract's weight {@code W^l} ({@code n_l x n_{l-1}}, row-major), as a new array. */
    public float[] weight(int l) {
        return Kernels.untransposed(weightsT[l - 1]);
    }

    /** Sets {@code W^l} from the contract's row-major {@code n_l x n_{l-1}} layout. */
    public void setWeight(int l, float[] w) {
        FMatrixRMaj wt = weightsT[l - 1];
        if (w.length != wt.getNumElements()) {
            throw new IllegalArgumentException("layer " + l + " weight needs " + wt.getNumElements()
                    + " values, got " + w.length);
        }
        Kernels.transposeInto(w, wt.numCols, wt.numRows, wt);
    }

    public void setBias(int l, float[] b) {
        FMatrixRMaj bias = biases[l - 1];
        if (b.length != bias.numCols) {
            throw new IllegalArgumentException("layer " + l + " bias needs " + bias.numCols + " values, got " + b.length);
        }
        System.arraycopy(b, 0, bias.data, 0, b.length);
    }

    public Parameters copy() {
        Parameters p = zeros(layers);
        p.setTo(this);
        return p;
    }

    /** Copies {@code other}'s values into this (same sizes). */
    public void setTo(Parameters other) {
        for (int i = 0; i < weightsT.length; i++) {
            System.arraycopy(other.weightsT[i].data, 0, weightsT[i].data, 0, weightsT[i].getNumElements());
            System.arraycopy(other.biases[i].data, 0, biases[i].data, 0, biases[i].getNumElements());
        }
    }

    /** Copies only layer {@code l} from {@code other}. */
    public void setLayerTo(Parameters other, int l) {
        int i = l - 1;
        System.arraycopy(other.weightsT[i].data, 0, weightsT[i].data, 0, weightsT[i].getNumElements());
        System.arraycopy(other.biases[i].data, 0, biases[i].data, 0, biases[i].getNumElements());
    }

    /** True when every weight and bias is a finite number. */
    public boolean isFinite() {
        for (int i = 0; i < weightsT.length; i++) {
            if (!Kernels.allFinite(weightsT[i].data, weightsT[i].getNumElements())
                    || !Kernels.allFinite(biases[i].data, biases[i].getNumElements())) {
                return false;
            }
        }
        return true;
    }

    /** Bitwise equality of all values (the determinism checks use this, not a tolerance). */
    public boolean bitEquals(Parameters o) {
        if (o.weightsT.length != weightsT.length) {
            return false;
        }
        for (int i = 0; i < weightsT.length; i++) {
            if (!Kernels.bitEquals(weightsT[i], o.weightsT[i]) || !Kernels.bitEquals(biases[i], o.biases[i])) {
                return false;
            }
        }
        return true;
    }
}
