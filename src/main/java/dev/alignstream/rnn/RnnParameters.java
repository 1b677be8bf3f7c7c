package dev.alignstream.rnn;

import dev.alignstream.core.Kernels;
import dev.alignstream.core.RowMatrix;
import java.util.Random;

/**
 * The weights and biases of an Elman RNN: {@code W_ih, W_hh, b_h, W_ho, b_o}. Like the MLP's
 * {@link dev.alignstream.core.Parameters}, weights are stored <em>transposed</em> ({@code WT},
 * one row per input unit), so the forward products and the outer-product updates are row axpy
 * loops ({@link Kernels}); {@link #weight} and {@link #setWeight} convert from and to the
 * contract's row-major layout of SPEC section 6.
 */
public final class RnnParameters {

    private final RowMatrix[] weightsT = new RowMatrix[RnnMatrix.values().length];
    private final float[] hiddenBias;
    private final float[] outputBias;

    private RnnParameters(int nIn, int n, int nOut) {
        weightsT[RnnMatrix.INPUT.ordinal()] = new RowMatrix(nIn, n);
        weightsT[RnnMatrix.RECURRENT.ordinal()] = new RowMatrix(n, n);
        weightsT[RnnMatrix.READOUT.ordinal()] = new RowMatrix(n, nOut);
        hiddenBias = new float[n];
        outputBias = new float[nOut];
    }

    public static RnnParameters zeros(RnnConfig c) {
        return new RnnParameters(c.inputSize(), c.hidden(), c.outputSize());
    }

    /**
     * The initial parameters of SPEC section 3 from the config's seed: {@code new Random(seed)}
     * draws {@code W_ih}, then {@code W_hh}, then {@code W_ho}, each in the contract's row-major
     * order, as {@code (float) nextGaussian()}; biases are 0. {@link Random}'s Gaussian generator is
     * fixed by its specification, so the bits are the same on every JVM and machine.
     */
    public static RnnParameters initial(RnnConfig c) {
        RnnParameters p = zeros(c);
        Random rnd = new Random(c.base().seed());
        for (RnnMatrix m : RnnMatrix.values()) {
            float[] w = new float[m.rows(c) * m.cols(c)];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) rnd.nextGaussian();
            }
            p.setWeight(m, w);
        }
        return p;
    }

    /** {@code W^T} of matrix {@code m} ({@code cols x rows} of the contract's shape); live, not a copy. */
    public RowMatrix weightT(RnnMatrix m) {
        return weightsT[m.ordinal()];
    }

    /** {@code b_h} for {@link RnnMatrix#INPUT}, {@code b_o} for {@link RnnMatrix#READOUT}, null for the recurrent matrix; live. */
    public float[] bias(RnnMatrix m) {
        return switch (m) {
            case INPUT -> hiddenBias;
            case RECURRENT -> null;
            case READOUT -> outputBias;
        };
    }

    /** {@code b_h}; live. */
    public float[] hiddenBias() {
        return hiddenBias;
    }

    /** {@code b_o}; live. */
    public float[] outputBias() {
        return outputBias;
    }

    /** The contract's weight, row-major {@code rows x cols}, as a new array. */
    public float[] weight(RnnMatrix m) {
        return weightsT[m.ordinal()].toTransposedRowMajor();
    }

    /** Sets a weight from the contract's row-major layout. */
    public void setWeight(RnnMatrix m, float[] w) {
        weightsT[m.ordinal()].setTransposeOf(w);
    }

    public void setBias(RnnMatrix m, float[] b) {
        float[] dst = bias(m);
        if (dst == null || b.length != dst.length) {
            throw new IllegalArgumentException(m.weightName() + " has no bias of " + b.length + " values");
        }
        System.arraycopy(b, 0, dst, 0, b.length);
    }

    public RnnParameters copy() {
        RnnParameters p = new RnnParameters(weightsT[0].numRows(), hiddenBias.length, outputBias.length);
        p.setTo(this);
        return p;
    }

    /** Copies every value of {@code o} (same shapes) into this. */
    public void setTo(RnnParameters o) {
        for (int i = 0; i < weightsT.length; i++) {
            weightsT[i].setTo(o.weightsT[i]);
        }
        System.arraycopy(o.hiddenBias, 0, hiddenBias, 0, hiddenBias.length);
        System.arraycopy(o.outputBias, 0, outputBias, 0, outputBias.length);
    }

    /** True when the shapes are those of config {@code c}. */
    public boolean fits(RnnConfig c) {
        for (RnnMatrix m : RnnMatrix.values()) {
            RowMatrix w = weightsT[m.ordinal()];
            if (w.numRows() != m.cols(c) || w.numCols() != m.rows(c)) {
                return false;
            }
        }
        return hiddenBias.length == c.hidden() && outputBias.length == c.outputSize();
    }

    /** Sets every value to zero. */
    public void zero() {
        for (RowMatrix w : weightsT) {
            w.zero();
        }
        java.util.Arrays.fill(hiddenBias, 0f);
        java.util.Arrays.fill(outputBias, 0f);
    }

    public boolean isFinite() {
        for (RowMatrix w : weightsT) {
            if (!w.allFinite()) {
                return false;
            }
        }
        return Kernels.allFinite(hiddenBias) && Kernels.allFinite(outputBias);
    }

    /** Largest absolute weight or bias (NaN when any is NaN). */
    public float maxAbs() {
        float m = Math.max(Kernels.maxAbs(hiddenBias), Kernels.maxAbs(outputBias));
        for (RowMatrix w : weightsT) {
            float v = w.maxAbs();
            if (!(v <= m)) {
                m = v;
            }
        }
        return m;
    }

    /** Bitwise equality of every value (determinism checks use this, not a tolerance). */
    public boolean bitEquals(RnnParameters o) {
        for (int i = 0; i < weightsT.length; i++) {
            if (!weightsT[i].bitEquals(o.weightsT[i])) {
                return false;
            }
        }
        return bitEquals(hiddenBias, o.hiddenBias) && bitEquals(outputBias, o.outputBias);
    }

    private static boolean bitEquals(float[] a, float[] b) {
        if (a.length != b.length) {
            return false;
        }
        for (int i = 0; i < a.length; i++) {
            if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
                return false;
            }
        }
        return true;
    }
}
