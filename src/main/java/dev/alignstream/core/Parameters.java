package dev.alignstream.core;

/**
 * The weights and biases of an MLP, one entry per weight layer {@code l = 1..L}. Weights are
 * stored <em>transposed</em>, {@code WT^l = (W^l)^T} of shape {@code n_{l-1} x n_l}, so that the
 * forward pass and the outer-product update are row axpy operations (see {@link Kernels}). Model
 * files store the contract's untransposed {@code W}; {@link #weight(int)} and
 * {@link #setWeight(int, float[])} convert.
 */
public final class Parameters {

    private final int[] layers;
    private final RowMatrix[] weightsT;
    private final float[][] biases;

    private Parameters(int[] layers) {
        this.layers = layers.clone();
        int depth = layers.length - 1;
        weightsT = new RowMatrix[depth];
        biases = new float[depth][];
        for (int i = 0; i < depth; i++) {
            weightsT[i] = new RowMatrix(layers[i], layers[i + 1]);
            biases[i] = new float[layers[i + 1]];
        }
    }

    /** All-zero parameters for the given layer sizes. */
    public static Parameters zeros(int[] layers) {
        return new Parameters(layers);
    }

    public int depth() {
        return weightsT.length;
    }

    public int[] layers() {
        return layers.clone();
    }

    /** Transposed weight of layer {@code l} (1-based), {@code n_{l-1} x n_l}; live, not a copy. */
    public RowMatrix weightT(int l) {
        return weightsT[l - 1];
    }

    /** Bias of layer {@code l} (1-based); live, not a copy. */
    public float[] bias(int l) {
        return biases[l - 1];
    }

    /** The contract's weight {@code W^l} ({@code n_l x n_{l-1}}, row-major), as a new array. */
    public float[] weight(int l) {
        return weightsT[l - 1].toTransposedRowMajor();
    }

    /**
     * Sets {@code W^l} from the contract's row-major {@code n_l x n_{l-1}} layout. A weight given
     * as {@code -0} is stored as {@code +0} (equal as numbers): the vector weight update adds the
     * zero terms of a batch's tail that the scalar one skips, and {@code -0 + 0} is {@code +0}, so
     * a {@code -0} weight (only a model file can hold one: learning never makes one) is the one
     * value on which the two paths could differ.
     */
    public void setWeight(int l, float[] w) {
        RowMatrix wt = weightsT[l - 1];
        wt.setTransposeOf(w);
        for (int k = 0; k < wt.numRows(); k++) {
            float[] row = wt.row(k);
            for (int j = 0; j < wt.numCols(); j++) {
                if (Float.floatToRawIntBits(row[j]) == NEGATIVE_ZERO_BITS) {
                    row[j] = 0f;
                }
            }
        }
    }

    private static final int NEGATIVE_ZERO_BITS = Float.floatToRawIntBits(-0f);

    public void setBias(int l, float[] b) {
        if (b.length != biases[l - 1].length) {
            throw new IllegalArgumentException("layer " + l + " bias needs " + biases[l - 1].length
                    + " values, got " + b.length);
        }
        System.arraycopy(b, 0, biases[l - 1], 0, b.length);
    }

    public Parameters copy() {
        Parameters p = new Parameters(layers);
        p.setTo(this);
        return p;
    }

    /** Copies {@code other}'s values into this (same sizes). */
    public void setTo(Parameters other) {
        for (int l = 1; l <= weightsT.length; l++) {
            setLayerTo(other, l);
        }
    }

    /** Copies only layer {@code l} from {@code other}. */
    public void setLayerTo(Parameters other, int l) {
        weightsT[l - 1].setTo(other.weightsT[l - 1]);
        System.arraycopy(other.biases[l - 1], 0, biases[l - 1], 0, biases[l - 1].length);
    }

    /** True when every weight and bias of layer {@code l} is finite. */
    public boolean isFinite(int l) {
        return weightsT[l - 1].allFinite() && Kernels.allFinite(biases[l - 1]);
    }

    public boolean isFinite() {
        for (int l = 1; l <= weightsT.length; l++) {
            if (!isFinite(l)) {
                return false;
            }
        }
        return true;
    }

    /** Bitwise equality of all values (determinism checks use this, not a tolerance). */
    public boolean bitEquals(Parameters o) {
        if (o.weightsT.length != weightsT.length) {
            return false;
        }
        for (int i = 0; i < weightsT.length; i++) {
            if (!weightsT[i].bitEquals(o.weightsT[i])) {
                return false;
            }
            for (int j = 0; j < biases[i].length; j++) {
                if (Float.floatToRawIntBits(biases[i][j]) != Float.floatToRawIntBits(o.biases[i][j])) {
                    return false;
                }
            }
        }
        return true;
    }
}
