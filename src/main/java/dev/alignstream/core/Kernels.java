package dev.alignstream.core;

import org.ejml.data.FMatrixRMaj;

/**
 * The few dense float32 loops the learning step spends its time in, written as small static
 * operations in the manner of EJML's {@code CommonOps_FDRM}: outputs are passed in, nothing is
 * allocated, and every argument is marked Modified or Not modified.
 *
 * <p>Why not EJML's own products: at batch size 1 they are vector-matrix products whose
 * dot-product inner loops have one accumulator and so run at the floating-point latency, and at
 * batch 32 {@code mult_reorder} streams the whole weight matrix once per batch row. The loops
 * here keep a weight row in L1 while it is used for every batch row, carry four independent
 * accumulators, and skip zero activity (relu units and blank pixels are mostly zero). Every
 * reduction runs in one fixed order that does not depend on the batch size, so results are
 * bit-for-bit reproducible — the property crash recovery is checked with.
 */
public final class Kernels {

    private Kernels() {
    }

    /**
     * Forward affine map {@code H = (A * WT) * scale + bias}, each row of {@code H} one sample.
     * For every output entry the sum over {@code k} runs in ascending order, whatever the batch size.
     *
     * @param a     activity {@code B x n_in}. Not modified.
     * @param wt    transposed weight {@code n_in x n_out}. Not modified.
     * @param bias  {@code 1 x n_out}. Not modified.
     * @param scale {@code 1 / sqrt(n_in)}
     * @param h     pre-activation {@code B x n_out}. Modified.
     */
    public static void affine(FMatrixRMaj a, FMatrixRMaj wt, FMatrixRMaj bias, float scale, FMatrixRMaj h) {
        final int batch = a.numRows;
        final int nIn = wt.numRows;
        final int nOut = wt.numCols;
        final float[] ad = a.data;
        final float[] w = wt.data;
        final float[] hd = h.data;
        java.util.Arrays.fill(hd, 0, batch * nOut, 0f);
        int k = 0;
        for (; k + 3 < nIn; k += 4) {
            final int w0 = k * nOut;
            final int w1 = w0 + nOut;
            final int w2 = w1 + nOut;
            final int w3 = w2 + nOut;
            for (int b = 0; b < batch; b++) {
                final int ab = b * nIn + k;
                final float c0 = ad[ab];
                final float c1 = ad[ab + 1];
                final float c2 = ad[ab + 2];
                final float c3 = ad[ab + 3];
                if (c0 == 0f && c1 == 0f && c2 == 0f && c3 == 0f) {
                    continue;
                }
                final int hb = b * nOut;
                for (int j = 0; j < nOut; j++) {
                    hd[hb + j] = hd[hb + j] + c0 * w[w0 + j] + c1 * w[w1 + j] + c2 * w[w2 + j] + c3 * w[w3 + j];
                }
            }
        }
        for (; k < nIn; k++) {
            final int w0 = k * nOut;
            for (int b = 0; b < batch; b++) {
                final float c0 = ad[b * nIn + k];
                if (c0 == 0f) {
                    continue;
                }
                final int hb = b * nOut;
                for (int j = 0; j < nOut; j++) {
                    hd[hb + j] = hd[hb + j] + c0 * w[w0 + j];
                }
            }
        }
        final float[] bd = bias.data;
        for (int b = 0; b < batch; b++) {
            final int hb = b * nOut;
            for (int j = 0; j < nOut; j++) {
                hd[hb + j] = hd[hb + j] * scale + bd[j];
            }
        }
    }

    /**
     * Back-propagated signal {@code OUT = phi'(D) .* (G * WT^T) * scale}: row {@code b} of the
     * output is {@code phi'(d_b) .* (W^T g_b) * scale}, where {@code WT} is the transposed weight of
     * the layer above. Entries whose derivative is zero are set to zero without computing the dot
     * product. Each dot product sums with four interleaved accumulators, then
     * {@code (acc0 + acc1) + (acc2 + acc3)}, identically for every batch size.
     *
     * @param wt       transposed weight of the layer above, {@code n_l x n_{l+1}}. Not modified.
     * @param g        signal of the layer above, {@code B x n_{l+1}}. Not modified.
     * @param scale    {@code 1 / sqrt(n_l)}
     * @param d        pre-activations whose derivative gates the signal, {@code B x n_l}. Not modified.
     * @param phi      activation whose derivative is used
     * @param gT       scratch of at least {@code n_{l+1} * B} floats (the transposed {@code g}). Modified.
     * @param acc      scratch of at least {@code 4 * B} floats. Modified.
     * @param out      {@code B x n_l}. Modified.
     */
    public static void backward(FMatrixRMaj wt, FMatrixRMaj g, float scale, FMatrixRMaj d, Activation phi,
                                float[] gT, float[] acc, FMatrixRMaj out) {
        final int batch = g.numRows;
        final int nl = wt.numRows;
        final int nNext = wt.numCols;
        final float[] w = wt.data;
        final float[] gd = g.data;
        final float[] dd = d.data;
        final float[] od = out.data;
        if (batch == 1) {
            for (int j = 0; j < nl; j++) {
                final float deriv = phi.derivative(dd[j]);
                if (deriv == 0f) {
                    od[j] = 0f;
                    continue;
                }
                od[j] = deriv * (dot4(w, j * nNext, gd, 0, nNext) * scale);
            }
            return;
        }
        for (int b = 0; b < batch; b++) {
            for (int k = 0; k < nNext; k++) {
                gT[k * batch + b] = gd[b * nNext + k];
            }
        }
        final int a1 = batch;
        final int a2 = 2 * batch;
        final int a3 = 3 * batch;
        final int main = nNext & ~3;
        for (int j = 0; j < nl; j++) {
            boolean anyLive = false;
            for (int b = 0; b < batch; b++) {
                if (phi.derivative(dd[b * nl + j]) != 0f) {
                    anyLive = true;
                    break;
                }
            }
            if (!anyLive) {
                for (int b = 0; b < batch; b++) {
                    od[b * nl + j] = 0f;
                }
                continue;
            }
            java.util.Arrays.fill(acc, 0, 4 * batch, 0f);
            final int row = j * nNext;
            for (int k = 0; k < main; k += 4) {
                final float w0 = w[row + k];
                final float w1 = w[row + k + 1];
                final float w2 = w[row + k + 2];
                final float w3 = w[row + k + 3];
                final int g0 = k * batch;
                final int g1 = g0 + batch;
                final int g2 = g1 + batch;
                final int g3 = g2 + batch;
                for (int b = 0; b < batch; b++) {
                    acc[b] += w0 * gT[g0 + b];
                    acc[a1 + b] += w1 * gT[g1 + b];
                    acc[a2 + b] += w2 * gT[g2 + b];
                    acc[a3 + b] += w3 * gT[g3 + b];
                }
            }
            for (int k = main; k < nNext; k++) {
                final float w0 = w[row + k];
                final int g0 = k * batch;
                for (int b = 0; b < batch; b++) {
                    acc[b] += w0 * gT[g0 + b];
                }
            }
            for (int b = 0; b < batch; b++) {
                final float deriv = phi.derivative(dd[b * nl + j]);
                final float sum = (acc[b] + acc[a1 + b]) + (acc[a2 + b] + acc[a3 + b]);
                od[b * nl + j] = deriv == 0f ? 0f : deriv * (sum * scale);
            }
        }
    }

    /**
     * Dot product with the same accumulation order as {@link #backward}'s batched path: four
     * interleaved partial sums, the tail folded into the first, then {@code (s0 + s1) + (s2 + s3)}.
     */
    static float dot4(float[] x, int xOff, float[] y, int yOff, int n) {
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        final int main = n & ~3;
        int k = 0;
        for (; k < main; k += 4) {
            s0 += x[xOff + k] * y[yOff + k];
            s1 += x[xOff + k + 1] * y[yOff + k + 1];
            s2 += x[xOff + k + 2] * y[yOff + k + 2];
            s3 += x[xOff + k + 3] * y[yOff + k + 3];
        }
        for (; k < n; k++) {
            s0 += x[xOff + k] * y[yOff + k];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /**
     * Outer-product update {@code WT += alpha * U^T G}, i.e. {@code W += alpha * sum_b g_b u_b^T}:
     * the error-weighted input correlation every rule learns with. Batch rows are added in
     * ascending order; rows of {@code WT} whose input is zero for the whole group are skipped.
     *
     * @param wt    transposed weight {@code n_in x n_out}. Modified.
     * @param alpha step factor, e.g. {@code -eta / (B sqrt(n_in))}
     * @param u     layer input, {@code B x n_in}. Not modified.
     * @param g     layer signal, {@code B x n_out}. Not modified.
     */
    public static void addOuter(FMatrixRMaj wt, float alpha, FMatrixRMaj u, FMatrixRMaj g) {
        final int batch = u.numRows;
        final int nIn = wt.numRows;
        final int nOut = wt.numCols;
        final float[] w = wt.data;
        final float[] ud = u.data;
        final float[] gd = g.data;
        final int mainB = batch & ~3;
        for (int k = 0; k < nIn; k++) {
            final int row = k * nOut;
            int b = 0;
            for (; b < mainB; b += 4) {
                final float c0 = alpha * ud[b * nIn + k];
                final float c1 = alpha * ud[(b + 1) * nIn + k];
                final float c2 = alpha * ud[(b + 2) * nIn + k];
                final float c3 = alpha * ud[(b + 3) * nIn + k];
                if (c0 == 0f && c1 == 0f && c2 == 0f && c3 == 0f) {
                    continue;
                }
                final int g0 = b * nOut;
                final int g1 = g0 + nOut;
                final int g2 = g1 + nOut;
                final int g3 = g2 + nOut;
                for (int j = 0; j < nOut; j++) {
                    w[row + j] = w[row + j] + c0 * gd[g0 + j] + c1 * gd[g1 + j] + c2 * gd[g2 + j] + c3 * gd[g3 + j];
                }
            }
            for (; b < batch; b++) {
                final float c0 = alpha * ud[b * nIn + k];
                if (c0 == 0f) {
                    continue;
                }
                final int g0 = b * nOut;
                for (int j = 0; j < nOut; j++) {
                    w[row + j] = w[row + j] + c0 * gd[g0 + j];
                }
            }
        }
    }

    /**
     * Bias update {@code bias += alpha * sum_b g_b}, the batch rows summed in ascending order.
     *
     * @param bias  {@code 1 x n}. Modified.
     * @param alpha step factor, e.g. {@code -eta / B}
     * @param g     {@code B x n}. Not modified.
     */
    public static void addColumnSums(FMatrixRMaj bias, float alpha, FMatrixRMaj g) {
        final int batch = g.numRows;
        final int n = g.numCols;
        final float[] bd = bias.data;
        final float[] gd = g.data;
        for (int j = 0; j < n; j++) {
            float s = 0f;
            for (int b = 0; b < batch; b++) {
                s += gd[b * n + j];
            }
            bd[j] += alpha * s;
        }
    }

    /** {@code out = phi(h)} element-wise over the first {@code h.getNumElements()} entries. */
    public static void activate(Activation phi, FMatrixRMaj h, FMatrixRMaj out) {
        final int n = h.getNumElements();
        final float[] hd = h.data;
        final float[] od = out.data;
        for (int i = 0; i < n; i++) {
            od[i] = phi.apply(hd[i]);
        }
    }

    /** True when the first {@code n} entries are finite. */
    public static boolean allFinite(float[] d, int n) {
        for (int i = 0; i < n; i++) {
            if (!Float.isFinite(d[i])) {
                return false;
            }
        }
        return true;
    }

    public static boolean allFinite(FMatrixRMaj m) {
        return allFinite(m.data, m.getNumElements());
    }

    /** Largest absolute value among the first {@code n} entries (NaN if any is NaN). */
    public static float maxAbs(float[] d, int n) {
        float m = 0f;
        for (int i = 0; i < n; i++) {
            float v = Math.abs(d[i]);
            if (!(v <= m)) {
                m = v;
            }
        }
        return m;
    }

    public static boolean bitEquals(FMatrixRMaj a, FMatrixRMaj b) {
        if (a.numRows != b.numRows || a.numCols != b.numCols) {
            return false;
        }
        int n = a.getNumElements();
        for (int i = 0; i < n; i++) {
            if (Float.floatToRawIntBits(a.data[i]) != Float.floatToRawIntBits(b.data[i])) {
                return false;
            }
        }
        return true;
    }

    /** {@code 1 / sqrt(n)} in float32, computed the same way everywhere. */
    public static float invSqrt(int n) {
        return (float) (1.0 / Math.sqrt(n));
    }

    /** Row-major {@code rows x cols} values into {@code out} as their {@code cols x rows} transpose. */
    public static void transposeInto(float[] rowMajor, int rows, int cols, FMatrixRMaj out) {
        out.reshape(cols, rows);
        float[] t = out.data;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = rowMajor[r * cols + c];
            }
        }
    }

    /** Row-major {@code rows x cols} values as a new matrix holding their transpose. */
    public static FMatrixRMaj transposed(float[] rowMajor, int rows, int cols) {
        FMatrixRMaj t = new FMatrixRMaj(cols, rows);
        transposeInto(rowMajor, rows, cols, t);
        return t;
    }

    /** The transpose of {@code t}, as a new row-major array. */
    public static float[] untransposed(FMatrixRMaj t) {
        int rows = t.numCols;
        int cols = t.numRows;
        float[] out = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[r * cols + c] = t.data[c * rows + r];
            }
        }
        return out;
    }
}
