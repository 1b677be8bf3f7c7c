package dev.alignstream.core;

/**
 * The few dense float32 loops the learning step spends its time in, written as small static
 * operations in the manner of EJML's {@code CommonOps_FDRM}: outputs are passed in, nothing is
 * allocated, and every argument is marked Modified or Not modified.
 *
 * <p>Almost everything is a row axpy over {@link RowMatrix} rows, which HotSpot vectorizes;
 * a weight row stays in L1 while it serves every batch row, and groups of zero coefficients
 * (relu units, blank pixels) are skipped. The one reduction ({@link #backwardTransposed}, needed
 * only by {@code bp}, which reads the live weights backward) uses four interleaved accumulators.
 * Every sum runs in one fixed order, so results are reproducible bit for bit — the property
 * crash recovery is checked with.
 */
public final class Kernels {

    private Kernels() {
    }

    /**
     * {@code out = a * m}: row {@code b} of {@code out} is {@code sum_k a[b][k] * m[k]} with
     * {@code k} ascending. Zero coefficients contribute nothing, so they are skipped: with one row,
     * the nonzero coefficients are gathered first and combined four at a time (relu layers and
     * blank pixels are half or more zeros); with several rows, a group of four {@code k} is
     * skipped when all its coefficients are zero, and the four weight rows stay in L1 for every
     * batch row. Skipping an exact zero term leaves every sum bit-identical except possibly the
     * sign of a zero result.
     *
     * @param a       coefficients, {@code B x K}. Not modified.
     * @param m       rows to combine, {@code K x N}. Not modified.
     * @param nonzero scratch of at least {@code K} ints. Modified.
     * @param out     {@code B x N}. Modified.
     */
    public static void combineRows(RowMatrix a, RowMatrix m, int[] nonzero, RowMatrix out) {
        final int batch = a.numRows();
        final int kEnd = m.numRows();
        final int k4 = kEnd & ~3;
        final int n = m.numCols();
        out.setActiveRows(batch);
        out.zero();
        if (batch == 1) {
            final float[] c = a.row(0);
            final float[] y = out.row(0);
            int count = 0;
            for (int k = 0; k < kEnd; k++) {
                if (c[k] != 0f) {
                    nonzero[count++] = k;
                }
            }
            final int count4 = count & ~3;
            for (int i = 0; i < count4; i += 4) {
                final int i0 = nonzero[i];
                final int i1 = nonzero[i + 1];
                final int i2 = nonzero[i + 2];
                final int i3 = nonzero[i + 3];
                axpy4(y, c[i0], m.row(i0), c[i1], m.row(i1), c[i2], m.row(i2), c[i3], m.row(i3), n);
            }
            for (int i = count4; i < count; i++) {
                axpy(y, c[nonzero[i]], m.row(nonzero[i]), n);
            }
            return;
        }
        for (int k = 0; k < k4; k += 4) {
            final float[] m0 = m.row(k);
            final float[] m1 = m.row(k + 1);
            final float[] m2 = m.row(k + 2);
            final float[] m3 = m.row(k + 3);
            for (int b = 0; b < batch; b++) {
                final float[] ab = a.row(b);
                final float c0 = ab[k];
                final float c1 = ab[k + 1];
                final float c2 = ab[k + 2];
                final float c3 = ab[k + 3];
                if (c0 != 0f || c1 != 0f || c2 != 0f || c3 != 0f) {
                    axpy4(out.row(b), c0, m0, c1, m1, c2, m2, c3, m3, n);
                }
            }
        }
        for (int k = k4; k < kEnd; k++) {
            final float[] m0 = m.row(k);
            for (int b = 0; b < batch; b++) {
                final float c0 = a.row(b)[k];
                if (c0 != 0f) {
                    axpy(out.row(b), c0, m0, n);
                }
            }
        }
    }

    /** {@code y = (((y + c0 x0) + c1 x1) + c2 x2) + c3 x3} over {@code n} entries. */
    private static void axpy4(float[] y, float c0, float[] x0, float c1, float[] x1, float c2, float[] x2,
                              float c3, float[] x3, int n) {
        for (int j = 0; j < n; j++) {
            y[j] = y[j] + c0 * x0[j] + c1 * x1[j] + c2 * x2[j] + c3 * x3[j];
        }
    }

    private static void axpy(float[] y, float c, float[] x, int n) {
        for (int j = 0; j < n; j++) {
            y[j] = y[j] + c * x[j];
        }
    }

    /**
     * Forward affine map {@code H = (A * WT) * scale + bias}, each row one sample.
     *
     * @param a     activity {@code B x n_in}. Not modified.
     * @param wt    transposed weight {@code n_in x n_out}. Not modified.
     * @param bias  {@code n_out}. Not modified.
     * @param scale {@code 1 / sqrt(n_in)}
     * @param nonzero scratch of at least {@code n_in} ints. Modified.
     * @param h     pre-activation {@code B x n_out}. Modified.
     */
    public static void affine(RowMatrix a, RowMatrix wt, float[] bias, float scale, int[] nonzero, RowMatrix h) {
        combineRows(a, wt, nonzero, h);
        final int n = wt.numCols();
        for (int b = 0; b < h.numRows(); b++) {
            final float[] hb = h.row(b);
            for (int j = 0; j < n; j++) {
                hb[j] = hb[j] * scale + bias[j];
            }
        }
    }

    /**
     * Backward step through a matrix stored with one row per upper neuron:
     * {@code out = phi'(gate) .* (G * M) * scale}. Used with the frozen weights, {@code fa}'s and
     * {@code dfa}'s feedback matrices, which never change and so can be kept in this layout.
     *
     * @param g     signal of the layer above, {@code B x n_above}. Not modified.
     * @param m     {@code n_above x n_l}. Not modified.
     * @param scale e.g. {@code 1 / sqrt(n_l)}
     * @param gate  pre-activations whose derivative gates the signal, {@code B x n_l}. Not modified.
     * @param phi   activation
     * @param nonzero scratch of at least {@code n_above} ints. Modified.
     * @param out   {@code B x n_l}. Modified.
     */
    public static void propagate(RowMatrix g, RowMatrix m, float scale, RowMatrix gate, Activation phi,
                                 int[] nonzero, RowMatrix out) {
        combineRows(g, m, nonzero, out);
        gate(out, scale, gate, phi);
    }

    private static void gate(RowMatrix out, float scale, RowMatrix gate, Activation phi) {
        final int n = out.numCols();
        for (int b = 0; b < out.numRows(); b++) {
            final float[] ob = out.row(b);
            final float[] db = gate.row(b);
            for (int j = 0; j < n; j++) {
                final float d = phi.derivative(db[j]);
                ob[j] = d == 0f ? 0f : d * (ob[j] * scale);
            }
        }
    }

    /**
     * Backward step through a weight stored transposed ({@code WT}, {@code n_l x n_above}), as
     * {@code bp} needs for the live weights: {@code out[b][j] = phi'(gate[b][j]) * dot(WT[j], g[b]) * scale}.
     * Dot products of neurons whose derivative is zero for every row are skipped. Each dot product
     * sums with four interleaved accumulators, then {@code (s0 + s1) + (s2 + s3)}, for every batch size.
     *
     * @param wt      transposed weight of the layer above, {@code n_l x n_above}. Not modified.
     * @param g       signal of the layer above, {@code B x n_above}. Not modified.
     * @param scale   {@code 1 / sqrt(n_l)}
     * @param gate    {@code B x n_l}. Not modified.
     * @param phi     activation
     * @param gT      scratch, capacity at least {@code n_above x B}. Modified.
     * @param lanes   scratch, four arrays of at least {@code B}. Modified.
     * @param out     {@code B x n_l}. Modified.
     */
    public static void backwardTransposed(RowMatrix wt, RowMatrix g, float scale, RowMatrix gate, Activation phi,
                                          RowMatrix gT, float[][] lanes, RowMatrix out) {
        final int batch = g.numRows();
        final int nl = wt.numRows();
        final int nAbove = wt.numCols();
        out.setActiveRows(batch);
        if (batch == 1) {
            final float[] g0 = g.row(0);
            final float[] o = out.row(0);
            final float[] d = gate.row(0);
            for (int j = 0; j < nl; j++) {
                final float deriv = phi.derivative(d[j]);
                o[j] = deriv == 0f ? 0f : deriv * (dot4(wt.row(j), g0, nAbove) * scale);
            }
            return;
        }
        for (int b = 0; b < batch; b++) {
            final float[] gb = g.row(b);
            for (int k = 0; k < nAbove; k++) {
                gT.row(k)[b] = gb[k];
            }
        }
        final float[] s0 = lanes[0];
        final float[] s1 = lanes[1];
        final float[] s2 = lanes[2];
        final float[] s3 = lanes[3];
        final int k4 = nAbove & ~3;
        for (int j = 0; j < nl; j++) {
            boolean live = false;
            for (int b = 0; b < batch && !live; b++) {
                live = phi.derivative(gate.row(b)[j]) != 0f;
            }
            if (!live) {
                for (int b = 0; b < batch; b++) {
                    out.row(b)[j] = 0f;
                }
                continue;
            }
            java.util.Arrays.fill(s0, 0, batch, 0f);
            java.util.Arrays.fill(s1, 0, batch, 0f);
            java.util.Arrays.fill(s2, 0, batch, 0f);
            java.util.Arrays.fill(s3, 0, batch, 0f);
            final float[] w = wt.row(j);
            for (int k = 0; k < k4; k += 4) {
                lanes4(s0, w[k], gT.row(k), s1, w[k + 1], gT.row(k + 1), s2, w[k + 2], gT.row(k + 2),
                        s3, w[k + 3], gT.row(k + 3), batch);
            }
            for (int k = k4; k < nAbove; k++) {
                axpy(s0, w[k], gT.row(k), batch);
            }
            for (int b = 0; b < batch; b++) {
                final float deriv = phi.derivative(gate.row(b)[j]);
                final float sum = (s0[b] + s1[b]) + (s2[b] + s3[b]);
                out.row(b)[j] = deriv == 0f ? 0f : deriv * (sum * scale);
            }
        }
    }

    private static void lanes4(float[] s0, float w0, float[] g0, float[] s1, float w1, float[] g1,
                               float[] s2, float w2, float[] g2, float[] s3, float w3, float[] g3, int n) {
        for (int b = 0; b < n; b++) {
            s0[b] += w0 * g0[b];
            s1[b] += w1 * g1[b];
            s2[b] += w2 * g2[b];
            s3[b] += w3 * g3[b];
        }
    }

    /** Dot product in {@link #backwardTransposed}'s order: four interleaved sums, tail into the first. */
    static float dot4(float[] x, float[] y, int n) {
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        final int k4 = n & ~3;
        int k = 0;
        for (; k < k4; k += 4) {
            s0 += x[k] * y[k];
            s1 += x[k + 1] * y[k + 1];
            s2 += x[k + 2] * y[k + 2];
            s3 += x[k + 3] * y[k + 3];
        }
        for (; k < n; k++) {
            s0 += x[k] * y[k];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /**
     * Outer-product update {@code WT += alpha * U^T G}, i.e. {@code W += alpha * sum_b g_b u_b^T}:
     * the error-weighted input correlation every rule learns with. Batch rows are added in
     * ascending order, in groups of four; a group whose inputs are all zero is skipped.
     *
     * @param wt    transposed weight {@code n_in x n_out}. Modified.
     * @param alpha step factor, e.g. {@code -eta / (B sqrt(n_in))}
     * @param u     layer input, {@code B x n_in}. Not modified.
     * @param g     layer signal, {@code B x n_out}. Not modified.
     */
    public static void addOuter(RowMatrix wt, float alpha, RowMatrix u, RowMatrix g) {
        final int batch = u.numRows();
        final int nIn = wt.numRows();
        final int nOut = wt.numCols();
        final int b4 = batch & ~3;
        for (int k = 0; k < nIn; k++) {
            final float[] w = wt.row(k);
            int b = 0;
            for (; b < b4; b += 4) {
                final float c0 = alpha * u.row(b)[k];
                final float c1 = alpha * u.row(b + 1)[k];
                final float c2 = alpha * u.row(b + 2)[k];
                final float c3 = alpha * u.row(b + 3)[k];
                if (c0 != 0f || c1 != 0f || c2 != 0f || c3 != 0f) {
                    axpy4(w, c0, g.row(b), c1, g.row(b + 1), c2, g.row(b + 2), c3, g.row(b + 3), nOut);
                }
            }
            for (; b < batch; b++) {
                final float c0 = alpha * u.row(b)[k];
                if (c0 != 0f) {
                    axpy(w, c0, g.row(b), nOut);
                }
            }
        }
    }

    /**
     * Bias update {@code bias += alpha * sum_b g_b}, the batch rows summed in ascending order.
     *
     * @param bias  {@code n}. Modified.
     * @param alpha step factor, e.g. {@code -eta / B}
     * @param g     {@code B x n}. Not modified.
     */
    public static void addColumnSums(float[] bias, float alpha, RowMatrix g) {
        final int n = g.numCols();
        for (int j = 0; j < n; j++) {
            float s = 0f;
            for (int b = 0; b < g.numRows(); b++) {
                s += g.row(b)[j];
            }
            bias[j] += alpha * s;
        }
    }

    /** {@code out = phi(h)} element-wise over the active rows. */
    public static void activate(Activation phi, RowMatrix h, RowMatrix out) {
        out.setActiveRows(h.numRows());
        final int n = h.numCols();
        for (int b = 0; b < h.numRows(); b++) {
            final float[] hb = h.row(b);
            final float[] ob = out.row(b);
            for (int j = 0; j < n; j++) {
                ob[j] = phi.apply(hb[j]);
            }
        }
    }

    /** True when every entry is finite. */
    public static boolean allFinite(float[] d) {
        for (float v : d) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    /** Largest absolute value (NaN if any entry is NaN). */
    public static float maxAbs(float[] d) {
        float m = 0f;
        for (float x : d) {
            float v = Math.abs(x);
            if (!(v <= m)) {
                m = v;
            }
        }
        return m;
    }

    /** {@code 1 / sqrt(n)} in float32, computed the same way everywhere. */
    public static float invSqrt(int n) {
        return (float) (1.0 / Math.sqrt(n));
    }
}
