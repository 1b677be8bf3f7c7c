package dev.alignstream.core;

/**
 * The few dense float32 loops the learning step spends its time in, written as small static
 * operations in the manner of EJML's {@code CommonOps_FDRM}: outputs are passed in, nothing is
 * allocated, and every argument is marked Modified or Not modified.
 *
 * <p>Almost everything is a row axpy over {@link RowMatrix} rows, which HotSpot vectorizes;
 * a weight row stays in L1 while it serves every batch row, and groups of zero coefficients
 * (relu units, blank pixels) are skipped. The one reduction ({@link #backwardTransposed} at batch
 * 1: {@code bp}'s live backward pass and the Align rules' frozen one) is a dot product per neuron
 * with eight interleaved sums ({@link #dot8}), which HotSpot 17 does not vectorize: when the JVM
 * runs with {@code --add-modules jdk.incubator.vector}, {@link VectorKernels} computes it with the
 * JDK Vector API (fixed 256-bit species, four rows at a time), otherwise the scalar code here
 * does; {@link #vectorStatus()} says which. With several rows and the vector path on, the forward
 * product ({@link #combineRowsVector}), the weight and alignment updates ({@link
 * #addOuter(RowMatrix, float, RowMatrix, RowMatrix, float[], int[])}, {@link #addOuterGathered}),
 * the batched backward product ({@link #backwardColumns}) also run on the Vector API,
 * register-blocked at the machine's widest vectors (HotSpot 17 keeps at most one output row of
 * the scalar loops in registers); relu does at every batch size (HotSpot 17 compiles the scalar
 * one with a branch per entry, mispredicted on half of a relu layer's entries). Every sum runs in one fixed order, and the vector and scalar
 * paths give the same bits, so results are reproducible bit for bit on every machine and either
 * path — the property crash recovery is checked with.
 */
public final class Kernels {

    private Kernels() {
    }

    /** Whether the reductions run on the JDK Vector API ({@code jdk.incubator.vector}); same bits either way. */
    public static boolean vectorized() {
        return VectorPath.ENABLED;
    }

    /** One line saying whether the vector kernels are on, and if not why (e.g. the module is not loaded). */
    public static String vectorStatus() {
        return VectorPath.DESCRIPTION;
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
        final int n = m.numCols();
        out.setActiveRows(batch);
        out.zero();
        if (batch == 1) {
            final float[] c = a.row(0);
            final float[] y = out.row(0);
            final int count = nonzeroIndices(c, kEnd, nonzero);
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
        combineRowsBlocked(a, m, out, batch, kEnd, n);
    }

    /**
     * Writes the {@code k} in {@code [0, n)} with {@code v[k] != 0}, ascending, into
     * {@code indices}; returns how many. Written without a branch on the value (every {@code k} is
     * stored, the count only advances past the nonzero ones) because a relu layer's zeros fall at
     * random and a mispredicted branch per entry cost more than the store.
     *
     * @param indices at least {@code n} ints. Modified.
     */
    static int nonzeroIndices(float[] v, int n, int[] indices) {
        int count = 0;
        for (int k = 0; k < n; k++) {
            indices[count] = k;
            count += v[k] != 0f ? 1 : 0;
        }
        return count;
    }

    /**
     * Chunks of {@link #combineRowsVector}: {@link #CHUNK_ROWS} rows of {@code m} by {@link #STRIP}
     * columns, 32 KiB, stay in L1 while every batch row is combined with them (a strip of all the
     * rows of a 1024-row matrix, 512 KiB, would be re-read from L2 for every four batch rows).
     */
    static final int CHUNK_ROWS = 64;
    static final int STRIP = 128;

    /** Floats of scratch {@link #combineRowsVector} and the vector {@link #addOuter} need for {@code batch} rows. */
    static int vectorCoefScratch(int batch) {
        return batch <= 1 ? 0 : Math.max(Math.max(4 * batch, NARROW_STAGING),
                Math.max(4 * CHUNK_ROWS * vectorSlots(batch), (CHUNK_ROWS + NARROW_MAX) * batch));
    }

    /**
     * Widest layer (output columns) that {@link #combineNarrow} and {@link #addOuterNarrow} handle:
     * narrower than any vector of floats (at most 16 lanes).
     */
    private static final int NARROW_MAX = 16;

    /** Floats of scratch {@link VectorKernels#narrowUpdate8} stages its columns in. */
    static final int NARROW_STAGING = 8 * NARROW_MAX;

    /** True when a layer of {@code n} outputs is narrower than a vector and the batch fills one: {@link #combineNarrow}. */
    private static boolean narrow(int n, int lanesNeeded) {
        return n < VectorKernels.batchLanes() && lanesNeeded >= VectorKernels.batchLanes();
    }

    /** Ints of scratch {@link #combineRowsVector} and the vector {@link #addOuter} need for {@code batch} rows. */
    static int vectorRowsScratch(int batch) {
        return batch <= 1 ? 0 : Math.max(batch, (4 * CHUNK_ROWS + 1) * vectorSlots(batch));
    }

    /** Groups of four batch rows plus the rows left over. */
    private static int vectorSlots(int batch) {
        return batch / 4 + batch % 4;
    }

    /**
     * {@link #combineRows} for several rows on the vector path: {@code out = a * m}, four batch
     * rows at a time held in registers ({@link VectorKernels#combine4}) while {@code k} runs over
     * the rows of {@code m} where any of the four coefficients is nonzero. {@code m} is taken in
     * chunks of {@link #CHUNK_ROWS} rows by {@link #STRIP} columns that stay in L1 while every batch
     * row uses them; the terms of each chunk are gathered once for all strips. Each entry sums its
     * terms with {@code k} ascending, one at a time, as {@link #combineRowsBlocked} does (chunking
     * only splits that sequence), so the bits are the same. Each chunk's strip is copied into this
     * thread's {@link AlignedPanel} first, so the rows the products load start on cache lines.
     *
     * @param a    coefficients, {@code B x K}. Not modified.
     * @param m    rows to combine, {@code K x N}. Not modified.
     * @param coef scratch of at least {@link #vectorCoefScratch} floats. Modified.
     * @param rows scratch of at least {@link #vectorRowsScratch} ints. Modified.
     * @param out  {@code B x N}. Modified.
     */
    public static void combineRowsVector(RowMatrix a, RowMatrix m, float[] coef, int[] rows, RowMatrix out) {
        final int batch = a.numRows();
        final int kEnd = m.numRows();
        final int n = m.numCols();
        out.setActiveRows(batch);
        out.zero();
        if (narrow(n, batch)) {
            combineNarrow(a, m, coef, out);
            return;
        }
        final int b4 = batch & ~3;
        final int slots = vectorSlots(batch);
        final int counts = 4 * CHUNK_ROWS * slots;
        final float[] panel = AlignedPanel.get(CHUNK_ROWS * STRIP);
        for (int k0 = 0; k0 < kEnd; k0 += CHUNK_ROWS) {
            final int k1 = Math.min(kEnd, k0 + CHUNK_ROWS);
            int slot = 0;
            for (int b0 = 0; b0 < b4; b0 += 4, slot++) {
                rows[counts + slot] = gather4(a.row(b0), a.row(b0 + 1), a.row(b0 + 2), a.row(b0 + 3), k0, k1, coef, rows,
                        CHUNK_ROWS * slot);
            }
            for (int b = b4; b < batch; b++, slot++) {
                rows[counts + slot] = gather1(a.row(b), k0, k1, coef, rows, 4 * CHUNK_ROWS * slot);
            }
            for (int from = 0; from < n; from += STRIP) {
                final int to = Math.min(n, from + STRIP);
                // the chunk's strip, row k at panel[START + (k - k0) * STRIP + (j - from)]
                for (int k = k0; k < k1; k++) {
                    System.arraycopy(m.row(k), from, panel, AlignedPanel.START + (k - k0) * STRIP, to - from);
                }
                final int xOff = AlignedPanel.START - k0 * STRIP - from;
                slot = 0;
                for (int b0 = 0; b0 < b4; b0 += 4, slot++) {
                    VectorKernels.combine4(out.row(b0), out.row(b0 + 1), out.row(b0 + 2), out.row(b0 + 3), coef, rows,
                            CHUNK_ROWS * slot, rows[counts + slot], panel, xOff, STRIP, from, to);
                }
                for (int b = b4; b < batch; b++, slot++) {
                    VectorKernels.combine1(out.row(b), coef, rows, 4 * CHUNK_ROWS * slot, rows[counts + slot], panel, xOff,
                            STRIP, from, to);
                }
            }
        }
    }

    /**
     * {@link #combineRowsVector} for a layer narrower than a vector (such as a 10-way output), with
     * the batch along the vector: {@code a} is transposed chunk by chunk ({@link #CHUNK_ROWS} rows of
     * {@code m} at a time) into {@code coef}, the product is accumulated transposed
     * ({@link VectorKernels#narrow8}, {@link VectorKernels#narrow1}) and copied into {@code out}.
     * Rows of the batch beyond the last full vector are summed here one entry at a time. Every entry
     * adds {@code a[b][k] * m[k][j]} from {@code +0} with {@code k} ascending, zero terms included,
     * as {@link VectorKernels#combine4} does: the same bits. Row-wise, such a layer's few columns
     * never fill a vector, and {@code combine4} adds them column by column, term by term.
     *
     * @param coef scratch of at least {@code (CHUNK_ROWS + 16) B} floats. Modified.
     * @param out  {@code B x n}, zeroed. Modified.
     */
    private static void combineNarrow(RowMatrix a, RowMatrix m, float[] coef, RowMatrix out) {
        final int batch = a.numRows();
        final int kEnd = m.numRows();
        final int n = m.numCols();
        final int lanes = VectorKernels.batchLanes();
        final int full = batch - batch % lanes;
        final int tOff = NARROW_MAX * batch; // outT in coef[0, n * batch), the transposed chunk after it
        java.util.Arrays.fill(coef, 0, n * batch, 0f);
        for (int k0 = 0; k0 < kEnd; k0 += CHUNK_ROWS) {
            final int count = Math.min(kEnd, k0 + CHUNK_ROWS) - k0;
            for (int b = 0; b < full; b++) {
                final float[] ab = a.row(b);
                for (int kk = 0; kk < count; kk++) {
                    coef[tOff + kk * batch + b] = ab[k0 + kk];
                }
            }
            for (int b0 = 0; b0 < full; b0 += lanes) {
                int j = 0;
                for (; j + 8 <= n; j += 8) {
                    VectorKernels.narrow8(coef, coef, tOff, batch, count, m, k0, j, b0);
                }
                for (; j < n; j++) {
                    VectorKernels.narrow1(coef, coef, tOff, batch, count, m, k0, j, b0);
                }
            }
        }
        for (int b = 0; b < full; b++) {
            final float[] ob = out.row(b);
            for (int j = 0; j < n; j++) {
                ob[j] = coef[j * batch + b];
            }
        }
        for (int b = full; b < batch; b++) {
            final float[] ab = a.row(b);
            final float[] ob = out.row(b);
            for (int j = 0; j < n; j++) {
                float y = 0f;
                for (int k = 0; k < kEnd; k++) {
                    y = y + ab[k] * m.row(k)[j];
                }
                ob[j] = y;
            }
        }
    }

    /**
     * Lists the {@code k} in {@code [k0, k1)} where any of {@code a0[k]..a3[k]} is nonzero,
     * ascending, from term {@code off} on, with their four coefficients interleaved
     * ({@code coef[4i + r] = a_r[k]}); returns how many.
     */
    private static int gather4(float[] a0, float[] a1, float[] a2, float[] a3, int k0, int k1, float[] coef, int[] rows,
                               int off) {
        int i = off;
        for (int k = k0; k < k1; k++) {
            if (a0[k] != 0f || a1[k] != 0f || a2[k] != 0f || a3[k] != 0f) {
                coef[4 * i] = a0[k];
                coef[4 * i + 1] = a1[k];
                coef[4 * i + 2] = a2[k];
                coef[4 * i + 3] = a3[k];
                rows[i++] = k;
            }
        }
        return i - off;
    }

    /** {@link #gather4} for one row: {@code coef[i] = a[k]} for the nonzero {@code a[k]}, from term {@code off} on. */
    private static int gather1(float[] a, int k0, int k1, float[] coef, int[] rows, int off) {
        int i = off;
        for (int k = k0; k < k1; k++) {
            if (a[k] != 0f) {
                coef[i] = a[k];
                rows[i++] = k;
            }
        }
        return i - off;
    }

    /**
     * {@link #combineRows} for several rows: four weight rows at a time are combined into each
     * output row ({@link #axpy4}), over column tiles of {@link #TILE} (the four weight rows' tiles
     * stay in L1 for every batch row). Each output entry sums its terms with {@code k} ascending,
     * in groups of four, exactly as the one-row loop does. (A kernel updating four output rows per
     * pass would load each weight value once for four outputs, but HotSpot 17 does not vectorize a
     * loop with four output arrays; measured 4x slower than this.)
     */
    private static void combineRowsBlocked(RowMatrix a, RowMatrix m, RowMatrix out, int batch, int kEnd, int n) {
        final int k4 = kEnd & ~3;
        for (int from = 0; from < n; from += TILE) {
            final int to = Math.min(n, from + TILE);
            for (int k = 0; k < k4; k += 4) {
                final float[] m0 = m.row(k);
                final float[] m1 = m.row(k + 1);
                final float[] m2 = m.row(k + 2);
                final float[] m3 = m.row(k + 3);
                for (int b = 0; b < batch; b++) {
                    final float[] ab = a.row(b);
                    if (ab[k] != 0f || ab[k + 1] != 0f || ab[k + 2] != 0f || ab[k + 3] != 0f) {
                        axpy4(out.row(b), ab[k], m0, ab[k + 1], m1, ab[k + 2], m2, ab[k + 3], m3, from, to);
                    }
                }
            }
            for (int k = k4; k < kEnd; k++) {
                final float[] m0 = m.row(k);
                for (int b = 0; b < batch; b++) {
                    axpy(out.row(b), a.row(b)[k], m0, from, to);
                }
            }
        }
    }

    /**
     * Columns per tile of the blocked kernels (4 KiB of a row). A 32-row output tile of 256 columns
     * would stay in L1, but each {@link #axpy4} call then runs only 256 elements and the loop's
     * set-up dominates: on this machine (AMD EPYC, C2 on 512-bit vectors) 1024 columns ran the
     * batch-32 forward product and weight update 1.3-1.6x faster than 256, the output tile being
     * served from L2. Tiling never changes the order in which an entry receives its terms.
     */
    static final int TILE = 1024;

    /** {@link #axpy4} over {@code [from, to)}. */
    private static void axpy4(float[] y, float c0, float[] x0, float c1, float[] x1, float c2, float[] x2,
                              float c3, float[] x3, int from, int to) {
        for (int j = from; j < to; j++) {
            y[j] = y[j] + c0 * x0[j] + c1 * x1[j] + c2 * x2[j] + c3 * x3[j];
        }
    }

    /** {@link #axpy} over {@code [from, to)}. */
    private static void axpy(float[] y, float c, float[] x, int from, int to) {
        for (int j = from; j < to; j++) {
            y[j] = y[j] + c * x[j];
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
     * One row's weight update followed by the next sample's forward product through the updated
     * matrix, in one pass over the rows (batch 1): first {@code WT += alpha u g^T}, exactly as
     * {@link #addOuter(RowMatrix, float, RowMatrix, RowMatrix)} makes it (row {@code k} adds
     * {@code (alpha u[k]) g} when that coefficient is nonzero), then {@code y = x * WT}, exactly as
     * {@link #combineRows} sums it (the nonzero {@code x[k]} gathered, four at a time, {@code k}
     * ascending). Each weight row is updated just before the first group of the product that
     * reads it, so the product finds it in L1 instead of reading the matrix a second time; every
     * weight and every output entry receives the same operations in the same order as the two
     * separate calls, so the bits are the same. The loop repeats {@link #combineRows}' batch-1
     * loop rather than sharing it: one method for both, with the update skipped when absent,
     * made batch-1 {@code bp} 4-13% slower in four of five alternating runs (scripts/StepRate.java).
     *
     * @param wt    transposed weight {@code n_in x n_out}. Modified.
     * @param alpha step factor of the update
     * @param u     the update's input, {@code n_in}. Not modified.
     * @param g     the update's signal, {@code n_out}. Not modified.
     * @param x     the next sample's coefficients, {@code n_in}. Not modified.
     * @param nonzero scratch of at least {@code n_in} ints. Modified.
     * @param y     receives {@code x * WT} (updated), {@code n_out}. Modified.
     */
    public static void addOuterThenCombine(RowMatrix wt, float alpha, float[] u, float[] g, float[] x, int[] nonzero,
                                           float[] y) {
        final int kEnd = wt.numRows();
        final int n = wt.numCols();
        java.util.Arrays.fill(y, 0, n, 0f);
        final int count = nonzeroIndices(x, kEnd, nonzero);
        int updated = 0;
        final int count4 = count & ~3;
        for (int i = 0; i < count4; i += 4) {
            final int i0 = nonzero[i];
            final int i1 = nonzero[i + 1];
            final int i2 = nonzero[i + 2];
            final int i3 = nonzero[i + 3];
            updated = updateRows(wt, alpha, u, g, updated, i3 + 1, n);
            axpy4(y, x[i0], wt.row(i0), x[i1], wt.row(i1), x[i2], wt.row(i2), x[i3], wt.row(i3), n);
        }
        for (int i = count4; i < count; i++) {
            final int k = nonzero[i];
            updated = updateRows(wt, alpha, u, g, updated, k + 1, n);
            axpy(y, x[k], wt.row(k), n);
        }
        updateRows(wt, alpha, u, g, updated, kEnd, n);
    }

    /** Rows {@code [from, to)} of the batch-1 {@link #addOuter}; returns {@code to}. */
    private static int updateRows(RowMatrix wt, float alpha, float[] u, float[] g, int from, int to, int n) {
        for (int k = from; k < to; k++) {
            final float c = alpha * u[k];
            if (c != 0f) {
                axpy(wt.row(k), c, g, n);
            }
        }
        return to;
    }

    /** {@code h = h * scale + bias} over the active rows: the end of {@link #affine}. */
    public static void scaleAddBias(RowMatrix h, float scale, float[] bias) {
        final int n = h.numCols();
        for (int b = 0; b < h.numRows(); b++) {
            final float[] hb = h.row(b);
            for (int j = 0; j < n; j++) {
                hb[j] = hb[j] * scale + bias[j];
            }
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
        affine(a, wt, bias, scale, nonzero, null, null, h);
    }

    /**
     * {@link #affine(RowMatrix, RowMatrix, float[], float, int[], RowMatrix)} with the scratch
     * the vector path needs for several rows ({@link #combineRowsVector}); the same bits either way.
     *
     * @param coef scratch of at least {@link #vectorCoefScratch} floats, or null for the scalar path. Modified.
     * @param rows scratch of at least {@link #vectorRowsScratch} ints. Modified.
     */
    public static void affine(RowMatrix a, RowMatrix wt, float[] bias, float scale, int[] nonzero, float[] coef,
                              int[] rows, RowMatrix h) {
        if (a.numRows() > 1 && VectorPath.ENABLED && coef != null) {
            combineRowsVector(a, wt, coef, rows, h);
        } else {
            combineRows(a, wt, nonzero, h);
        }
        scaleAddBias(h, scale, bias);
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
     * {@link #backwardTransposed(RowMatrix, RowMatrix, float, RowMatrix, Activation, RowMatrix, RowMatrix, float[],
     * int[], float[], RowMatrix)} without its gather scratch: with one row, each neuron's dot product is
     * formed by {@link #dot8} in place (scalar). The same bits as the other form; kept for callers
     * that have no scratch for the gather (the recurrent learner).
     */
    public static void backwardTransposed(RowMatrix wt, RowMatrix g, float scale, RowMatrix gate, Activation phi,
                                          RowMatrix tile, RowMatrix acc, float[] products, RowMatrix out) {
        out.setActiveRows(g.numRows());
        if (g.numRows() == 1) {
            final float[] g0 = g.row(0);
            final float[] o = out.row(0);
            final float[] d = gate.row(0);
            for (int j = 0; j < wt.numRows(); j++) {
                final float deriv = phi.derivative(d[j]);
                o[j] = deriv == 0f ? 0f : deriv * (dot8(wt.row(j), g0, products, wt.numCols()) * scale);
            }
            return;
        }
        backwardBlocked(wt, g, scale, gate, phi, tile, acc, out);
    }

    /**
     * Backward step through a weight stored transposed ({@code WT}, {@code n_l x n_above}) — the
     * live weights for {@code bp}, the frozen copy {@code W0} for the Align rules, one layout for
     * both the forward pass and this: {@code out[b][j] = phi'(gate[b][j]) * dot(WT[j], g[b]) * scale}.
     * Dot products whose derivative is zero (for every row) are skipped.
     *
     * <p>Summation order, fixed for every machine: with one row, {@link #dot8} (eight interleaved
     * sums; with the Vector API four rows at a time, same bits, see {@link #dotRows}); with several rows, {@code G WT^T} is formed tile by tile: a {@code tk x tj} block of
     * {@code WT} is transposed into {@code tile} (in L1), then combined into each batch row's
     * accumulator with {@link #axpy4} like the forward pass, so every sum runs over {@code k}
     * ascending in groups of four and the loops vectorize along {@code j}. The transposition
     * costs one copy of each weight per step, shared by all batch rows.
     *
     * @param wt       transposed weight of the layer above, {@code n_l x n_above}. Not modified.
     * @param g        signal of the layer above, {@code B x n_above}. Not modified.
     * @param scale    {@code 1 / sqrt(n_l)}
     * @param gate     {@code B x n_l}. Not modified.
     * @param phi      activation
     * @param tile     scratch {@code tk x tj}, any shape. Modified.
     * @param acc      scratch, at least {@code B} rows of {@code tj}. Modified.
     * @param products scratch of at least {@code max(n_above, 8)}. Modified.
     * @param nonzero  scratch of at least {@code n_l} ints. Modified.
     * @param dots     scratch of at least {@code n_l}. Modified.
     * @param out      {@code B x n_l}. Modified.
     */
    public static void backwardTransposed(RowMatrix wt, RowMatrix g, float scale, RowMatrix gate, Activation phi,
                                          RowMatrix tile, RowMatrix acc, float[] products, int[] nonzero, float[] dots,
                                          RowMatrix out) {
        final int batch = g.numRows();
        final int nl = wt.numRows();
        final int nAbove = wt.numCols();
        out.setActiveRows(batch);
        if (batch == 1) {
            final float[] g0 = g.row(0);
            final float[] o = out.row(0);
            final float[] d = gate.row(0);
            // the derivative goes into out first, so it is evaluated once per neuron
            for (int j = 0; j < nl; j++) {
                o[j] = phi.derivative(d[j]);
            }
            final int count = nonzeroIndices(o, nl, nonzero);
            dotRows(wt, nonzero, count, g0, nAbove, products, dots);
            for (int i = 0; i < count; i++) {
                final int j = nonzero[i];
                o[j] = o[j] * (dots[i] * scale);
            }
            return;
        }
        backwardBlocked(wt, g, scale, gate, phi, tile, acc, out);
    }

    /** The several-row case of {@link #backwardTransposed}: {@code G WT^T} tile by tile. */
    private static void backwardBlocked(RowMatrix wt, RowMatrix g, float scale, RowMatrix gate, Activation phi,
                                        RowMatrix tile, RowMatrix acc, RowMatrix out) {
        final int batch = g.numRows();
        final int nl = wt.numRows();
        final int nAbove = wt.numCols();
        final int tk = tile.numRows();
        final int tj = tile.numCols();
        for (int j0 = 0; j0 < nl; j0 += tj) {
            final int w = Math.min(tj, nl - j0);
            for (int b = 0; b < batch; b++) {
                java.util.Arrays.fill(acc.row(b), 0, w, 0f);
            }
            for (int k0 = 0; k0 < nAbove; k0 += tk) {
                final int kw = Math.min(tk, nAbove - k0);
                for (int jj = 0; jj < w; jj++) {
                    final float[] wr = wt.row(j0 + jj);
                    for (int kk = 0; kk < kw; kk++) {
                        tile.row(kk)[jj] = wr[k0 + kk];
                    }
                }
                final int k4 = kw & ~3;
                for (int b = 0; b < batch; b++) {
                    final float[] gb = g.row(b);
                    final float[] ab = acc.row(b);
                    for (int kk = 0; kk < k4; kk += 4) {
                        final float c0 = gb[k0 + kk];
                        final float c1 = gb[k0 + kk + 1];
                        final float c2 = gb[k0 + kk + 2];
                        final float c3 = gb[k0 + kk + 3];
                        if (c0 != 0f || c1 != 0f || c2 != 0f || c3 != 0f) {
                            axpy4(ab, c0, tile.row(kk), c1, tile.row(kk + 1), c2, tile.row(kk + 2), c3, tile.row(kk + 3),
                                    0, w);
                        }
                    }
                    for (int kk = k4; kk < kw; kk++) {
                        axpy(ab, gb[k0 + kk], tile.row(kk), 0, w);
                    }
                }
            }
            for (int b = 0; b < batch; b++) {
                final float[] ab = acc.row(b);
                final float[] ob = out.row(b);
                final float[] db = gate.row(b);
                for (int jj = 0; jj < w; jj++) {
                    final float deriv = phi.derivative(db[j0 + jj]);
                    ob[j0 + jj] = deriv == 0f ? 0f : deriv * (ab[jj] * scale);
                }
            }
        }
    }

    /** Rows of {@code WT} per pass of {@link #backwardColumns}: the signal's 256 rows, transposed, stay in L1. */
    static final int BACKWARD_CHUNK = 256;

    /**
     * The several-row {@link #backwardTransposed} on the vector path, with the batch along the
     * vector: {@code g} is transposed into {@code gT} ({@code n_above x B}, rows on cache lines in
     * this thread's {@link AlignedPanel}), then for eight
     * neurons {@code j} at a time {@code acc[j][b] += gT[k][b] * WT[j][k]} over {@code k} ascending
     * ({@link VectorKernels#columns8}), so {@code WT} is read in place, once, with no transposed
     * copy of the weights. Every entry sums {@code g[b][k] WT[j][k]} from {@code +0} with
     * {@code k} ascending, one term at a time, as {@link #backwardBlocked} does (which skips only
     * all-zero groups, exact for a sum from {@code +0}), and is gated the same way: the same bits.
     *
     * @param accT scratch of at least {@code n_l} rows of {@code B}. Modified.
     */
    public static void backwardColumns(RowMatrix wt, RowMatrix g, float scale, RowMatrix gate, Activation phi,
                                       RowMatrix accT, RowMatrix out) {
        final int batch = g.numRows();
        final int nl = wt.numRows();
        final int nAbove = wt.numCols();
        out.setActiveRows(batch);
        // gT row k at START + k * ts; transposes run along the row-major side's columns, so the few
        // lines of its rows stay in L1
        final int ts = AlignedPanel.stride(batch);
        final float[] gT = AlignedPanel.get(nAbove * ts);
        for (int k = 0; k < nAbove; k++) {
            final int tk = AlignedPanel.START + k * ts;
            for (int b = 0; b < batch; b++) {
                gT[tk + b] = g.row(b)[k];
            }
        }
        for (int j = 0; j < nl; j++) {
            java.util.Arrays.fill(accT.row(j), 0, batch, 0f);
        }
        final int j8 = nl & ~7;
        for (int k0 = 0; k0 < nAbove; k0 += BACKWARD_CHUNK) {
            final int k1 = Math.min(nAbove, k0 + BACKWARD_CHUNK);
            for (int j0 = 0; j0 < j8; j0 += 8) {
                VectorKernels.columns8(accT, wt, j0, gT, AlignedPanel.START, ts, k0, k1, batch);
            }
            for (int j = j8; j < nl; j++) {
                final float[] aj = accT.row(j);
                for (int b = 0; b < batch; b++) {
                    aj[b] = VectorKernels.column(aj[b], wt.row(j), gT, AlignedPanel.START, ts, k0, k1, b);
                }
            }
        }
        for (int j = 0; j < nl; j++) {
            final float[] aj = accT.row(j);
            for (int b = 0; b < batch; b++) {
                final float deriv = phi.derivative(gate.row(b)[j]);
                out.row(b)[j] = deriv == 0f ? 0f : deriv * (aj[b] * scale);
            }
        }
    }

    /**
     * {@code dots[i] = dot8(m.row(rows[i]), y)} for {@code i < count}: {@link VectorKernels} when
     * {@link VectorPath#ENABLED}, else {@link #dot8} row by row; the same bits either way.
     *
     * @param products scratch of at least {@code n} (and of {@link VectorKernels#LANES}). Modified.
     * @param dots     results, at least {@code count}. Modified.
     */
    static void dotRows(RowMatrix m, int[] rows, int count, float[] y, int n, float[] products, float[] dots) {
        if (VectorPath.ENABLED) {
            VectorKernels.dot8Rows(m, rows, count, y, n, products, dots);
            return;
        }
        for (int i = 0; i < count; i++) {
            dots[i] = dot8(m.row(rows[i]), y, products, n);
        }
    }

    /**
     * Dot product with eight interleaved sums, {@code s_i = sum over k = i mod 8}, tail into
     * {@code s_0}, combined as {@code ((s0+s1)+(s2+s3))+((s4+s5)+(s6+s7))}. The products are
     * first written to {@code products} in one vectorized loop (each rounded to float exactly as
     * inline), which lets the eight sums run at the adder's throughput.
     */
    static float dot8(float[] x, float[] y, float[] products, int n) {
        for (int k = 0; k < n; k++) {
            products[k] = x[k] * y[k];
        }
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        float s4 = 0f;
        float s5 = 0f;
        float s6 = 0f;
        float s7 = 0f;
        final int k8 = n & ~7;
        int k = 0;
        for (; k < k8; k += 8) {
            s0 += products[k];
            s1 += products[k + 1];
            s2 += products[k + 2];
            s3 += products[k + 3];
            s4 += products[k + 4];
            s5 += products[k + 5];
            s6 += products[k + 6];
            s7 += products[k + 7];
        }
        for (; k < n; k++) {
            s0 += products[k];
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    /**
     * Outer-product update {@code WT += alpha * U^T G}, i.e. {@code W += alpha * sum_b g_b u_b^T}:
     * the error-weighted input correlation every rule learns with. Every entry adds the batch rows
     * in ascending order, in groups of four; a group whose inputs are all zero is skipped. Several
     * rows are applied over column tiles of {@link #TILE}; tiling never changes an entry's order.
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
        if (batch == 1) {
            final float[] u0 = u.row(0);
            final float[] g0 = g.row(0);
            for (int k = 0; k < nIn; k++) {
                final float c = alpha * u0[k];
                if (c != 0f) {
                    axpy(wt.row(k), c, g0, nOut);
                }
            }
            return;
        }
        for (int from = 0; from < nOut; from += TILE) {
            final int to = Math.min(nOut, from + TILE);
            for (int k = 0; k < nIn; k++) {
                addOuterRow(wt.row(k), alpha, u, k, g, batch, from, to);
            }
        }
    }

    /**
     * {@link #addOuter(RowMatrix, float, RowMatrix, RowMatrix)} with scratch for the vector path:
     * with several rows, four weight rows at a time are updated in registers by all batch rows
     * ({@link VectorKernels#combine4}), each entry adding the rows one at a time in ascending
     * order; the same bits as the scalar path.
     *
     * @param coef scratch of at least {@code 4 B}. Modified.
     * @param rows scratch of at least {@code B} ints. Modified.
     */
    public static void addOuter(RowMatrix wt, float alpha, RowMatrix u, RowMatrix g, float[] coef, int[] rows) {
        final int batch = u.numRows();
        if (batch == 1 || !VectorPath.ENABLED) {
            addOuter(wt, alpha, u, g);
            return;
        }
        addOuterVector(wt, alpha, u, g, coef, rows);
    }

    /** The vector path of {@link #addOuter(RowMatrix, float, RowMatrix, RowMatrix, float[], int[])} and {@link #addOuterGathered}. */
    private static void addOuterVector(RowMatrix wt, float alpha, RowMatrix u, RowMatrix g, float[] coef, int[] rows) {
        final int batch = u.numRows();
        final int nIn = wt.numRows();
        final int nOut = wt.numCols();
        int kStart = 0;
        if (narrow(nOut, nIn) && coef.length >= NARROW_STAGING) {
            kStart = addOuterNarrow(wt, alpha, u, g, coef);
        }
        if (kStart == nIn) {
            return;
        }
        // the signal rows, the products' terms, copied to start on cache lines: row b at START + b * stride
        final int stride = AlignedPanel.stride(nOut);
        final float[] panel = AlignedPanel.get(batch * stride);
        for (int b = 0; b < batch; b++) {
            System.arraycopy(g.row(b), 0, panel, AlignedPanel.START + b * stride, nOut);
        }
        final int k4 = kStart + ((nIn - kStart) & ~3);
        for (int k0 = kStart; k0 < k4; k0 += 4) {
            int count = 0;
            for (int b = 0; b < batch; b++) {
                final float[] ub = u.row(b);
                final float c0 = alpha * ub[k0];
                final float c1 = alpha * ub[k0 + 1];
                final float c2 = alpha * ub[k0 + 2];
                final float c3 = alpha * ub[k0 + 3];
                if (c0 != 0f || c1 != 0f || c2 != 0f || c3 != 0f) {
                    coef[4 * count] = c0;
                    coef[4 * count + 1] = c1;
                    coef[4 * count + 2] = c2;
                    coef[4 * count + 3] = c3;
                    rows[count++] = b;
                }
            }
            VectorKernels.combine4(wt.row(k0), wt.row(k0 + 1), wt.row(k0 + 2), wt.row(k0 + 3), coef, rows, 0, count, panel,
                    AlignedPanel.START, stride, 0, nOut);
        }
        for (int k = k4; k < nIn; k++) {
            final int count = gatherNonzero(alpha, u, k, batch, coef, rows);
            VectorKernels.combine1(wt.row(k), coef, rows, 0, count, panel, AlignedPanel.START, stride, 0, nOut);
        }
    }

    /**
     * The vector {@link #addOuter} of a layer narrower than a vector, with its input neurons along
     * the vector: each entry of {@code wt}'s first rows, a whole vector of them at a time, adds
     * {@code (alpha * u[b][k]) * g[b][j]} for every {@code b} in ascending order, zero terms included
     * ({@link VectorKernels#narrowUpdate8}): the additions {@link VectorKernels#combine4} makes,
     * in the same order, so the same bits. Returns the first row left for the caller (fewer than a
     * vector's worth). Row-wise, such a layer's few columns never fill a vector.
     *
     * @param staging scratch of at least {@link #NARROW_STAGING} floats. Modified.
     */
    private static int addOuterNarrow(RowMatrix wt, float alpha, RowMatrix u, RowMatrix g, float[] staging) {
        final int batch = u.numRows();
        final int nOut = wt.numCols();
        final int lanes = VectorKernels.batchLanes();
        final int full = wt.numRows() - wt.numRows() % lanes;
        for (int k0 = 0; k0 < full; k0 += lanes) {
            int j = 0;
            for (; j + 8 <= nOut; j += 8) {
                VectorKernels.narrowUpdate8(wt, k0, j, alpha, u, g, batch, staging);
            }
            for (; j < nOut; j++) {
                VectorKernels.narrowUpdate1(wt, k0, j, alpha, u, g, batch, staging);
            }
        }
        return full;
    }

    /**
     * Gathers the nonzero coefficients {@code alpha * u[b][k]} of column {@code k}, {@code b}
     * ascending, into {@code coef} with their rows {@code b} in {@code rows}; returns how many.
     */
    private static int gatherNonzero(float alpha, RowMatrix u, int k, int batch, float[] coef, int[] rows) {
        int count = 0;
        for (int b = 0; b < batch; b++) {
            final float c = alpha * u.row(b)[k];
            if (c != 0f) {
                coef[count] = c;
                rows[count++] = b;
            }
        }
        return count;
    }

    /** One weight row of {@link #addOuter}: batch rows in groups of four, skipping all-zero groups. */
    private static void addOuterRow(float[] w, float alpha, RowMatrix u, int k, RowMatrix g, int batch, int from, int to) {
        final int b4 = batch & ~3;
        int b = 0;
        for (; b < b4; b += 4) {
            final float c0 = alpha * u.row(b)[k];
            final float c1 = alpha * u.row(b + 1)[k];
            final float c2 = alpha * u.row(b + 2)[k];
            final float c3 = alpha * u.row(b + 3)[k];
            if (c0 != 0f || c1 != 0f || c2 != 0f || c3 != 0f) {
                axpy4(w, c0, g.row(b), c1, g.row(b + 1), c2, g.row(b + 2), c3, g.row(b + 3), from, to);
            }
        }
        for (; b < batch; b++) {
            final float c0 = alpha * u.row(b)[k];
            if (c0 != 0f) {
                axpy(w, c0, g.row(b), from, to);
            }
        }
    }

    /**
     * {@link #addOuter} for many rows whose inputs are often zero, such as the alignment
     * accumulator's deferred samples: {@code WT += alpha * U^T G}. For each weight row {@code k}
     * the rows {@code b} with {@code alpha * u[b][k] != 0} are gathered in ascending order and
     * added four at a time ({@link #axpy4}, whose sum runs left to right). Every entry therefore
     * receives exactly the additions, in the same order, that {@code B} one-row {@link #addOuter}
     * calls would make, so the result has the same bits as applying the rows one at a time
     * (skipping a zero term is exact: a sum of these terms starting from {@code +0} is never
     * {@code -0}).
     *
     * @param wt    transposed matrix {@code n_in x n_out}. Modified.
     * @param alpha factor
     * @param u     inputs, {@code B x n_in}. Not modified.
     * @param g     signals, {@code B x n_out}. Not modified.
     * @param coef  scratch of at least {@code B}; of {@code 4 B} for the vector path
     *              ({@link VectorKernels#combine4}, same bits), and of {@link #NARROW_STAGING} for its
     *              narrow layers ({@link #addOuterNarrow}). Modified.
     * @param rows  scratch of at least {@code B} ints. Modified.
     */
    public static void addOuterGathered(RowMatrix wt, float alpha, RowMatrix u, RowMatrix g, float[] coef, int[] rows) {
        if (VectorPath.ENABLED && coef.length >= 4 * u.numRows()) {
            addOuterVector(wt, alpha, u, g, coef, rows);
            return;
        }
        final int batch = u.numRows();
        final int nIn = wt.numRows();
        final int nOut = wt.numCols();
        for (int k = 0; k < nIn; k++) {
            final int count = gatherNonzero(alpha, u, k, batch, coef, rows);
            final float[] w = wt.row(k);
            int i = 0;
            for (; i + 4 <= count; i += 4) {
                axpy4(w, coef[i], g.row(rows[i]), coef[i + 1], g.row(rows[i + 1]), coef[i + 2], g.row(rows[i + 2]),
                        coef[i + 3], g.row(rows[i + 3]), nOut);
            }
            for (; i < count; i++) {
                axpy(w, coef[i], g.row(rows[i]), nOut);
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
        if (phi == Activation.RELU && VectorPath.ENABLED) {
            for (int b = 0; b < h.numRows(); b++) {
                VectorKernels.relu(h.row(b), out.row(b), n);
            }
            return;
        }
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
        return maxAbs(d, d.length);
    }

    /**
     * The largest {@code |d[i]|} of the first {@code n} entries, {@code 0} for none; NaN if any
     * of them is NaN ({@link Math#max} keeps a NaN, so a NaN followed by finite values is still
     * reported: the divergence guard reads this).
     */
    static float maxAbs(float[] d, int n) {
        float m = 0f;
        for (int i = 0; i < n; i++) {
            m = Math.max(m, Math.abs(d[i]));
        }
        return m;
    }

    /** {@code 1 / sqrt(n)} in float32, computed the same way everywhere. */
    public static float invSqrt(int n) {
        return (float) (1.0 / Math.sqrt(n));
    }
}
