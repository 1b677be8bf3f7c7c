package dev.alignstream.core;

import org.ejml.data.FMatrixRMaj;

/**
 * A dense float32 matrix held as one array per row. The learning step's loops are row-wise
 * axpy operations ({@code y += c * x} over a row); HotSpot's auto-vectorizer turns those into
 * SIMD code only when both arrays are indexed from 0, which rows-as-arrays guarantees and a flat
 * row-major buffer with row offsets (EJML's {@link FMatrixRMaj}) does not: measured on this
 * project's 2-core machine, a 1024 x 1024 forward product took 0.06 ms with row arrays against
 * 0.3 ms with offsets. {@link #toEjml()} converts for the EJML operations used off the hot path.
 *
 * <p>A matrix has a fixed row capacity and a number of active rows (the current batch size).
 */
public final class RowMatrix {

    private final float[][] rows;
    private final int cols;
    private int active;

    public RowMatrix(int numRows, int numCols) {
        rows = new float[numRows][numCols];
        cols = numCols;
        active = numRows;
    }

    /** The row-major {@code numRows x numCols} values as a matrix. */
    public static RowMatrix fromRowMajor(float[] data, int numRows, int numCols) {
        if (data.length != numRows * numCols) {
            throw new IllegalArgumentException("need " + numRows * numCols + " values, got " + data.length);
        }
        RowMatrix m = new RowMatrix(numRows, numCols);
        for (int r = 0; r < numRows; r++) {
            System.arraycopy(data, r * numCols, m.rows[r], 0, numCols);
        }
        return m;
    }

    /** The transpose of the row-major {@code numRows x numCols} values. */
    public static RowMatrix transposeOf(float[] data, int numRows, int numCols) {
        RowMatrix m = new RowMatrix(numCols, numRows);
        m.setTransposeOf(data);
        return m;
    }

    /** Sets this ({@code c x r}) to the transpose of row-major {@code r x c} values. */
    public void setTransposeOf(float[] data) {
        int r = cols;
        int c = rows.length;
        if (data.length != r * c) {
            throw new IllegalArgumentException("need " + r * c + " values, got " + data.length);
        }
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < c; j++) {
                rows[j][i] = data[i * c + j];
            }
        }
    }

    /** Bytes of float data this matrix holds (its full row capacity). */
    public long bytes() {
        return 4L * rows.length * cols;
    }

    /** Active rows. */
    public int numRows() {
        return active;
    }

    public int numCols() {
        return cols;
    }

    public int capacity() {
        return rows.length;
    }

    /** Sets how many rows are active, {@code 0..capacity()}. */
    public void setActiveRows(int n) {
        if (n < 0 || n > rows.length) {
            throw new IllegalArgumentException(n + " rows outside 0.." + rows.length);
        }
        active = n;
    }

    /** Row {@code i} itself (not a copy). */
    public float[] row(int i) {
        return rows[i];
    }

    public float get(int i, int j) {
        return rows[i][j];
    }

    public RowMatrix copy() {
        RowMatrix m = new RowMatrix(rows.length, cols);
        m.setTo(this);
        return m;
    }

    /** Copies all rows of {@code o} (same shape) into this. */
    public void setTo(RowMatrix o) {
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(o.rows[r], 0, rows[r], 0, cols);
        }
        active = o.active;
    }

    public void zero() {
        for (int r = 0; r < active; r++) {
            java.util.Arrays.fill(rows[r], 0f);
        }
    }

    /** Active rows in row-major order. */
    public float[] toRowMajor() {
        float[] out = new float[active * cols];
        for (int r = 0; r < active; r++) {
            System.arraycopy(rows[r], 0, out, r * cols, cols);
        }
        return out;
    }

    /** The transpose of the active rows, row-major ({@code cols x active}). */
    public float[] toTransposedRowMajor() {
        float[] out = new float[active * cols];
        for (int r = 0; r < active; r++) {
            float[] row = rows[r];
            for (int c = 0; c < cols; c++) {
                out[c * active + r] = row[c];
            }
        }
        return out;
    }

    public FMatrixRMaj toEjml() {
        return new FMatrixRMaj(active, cols, true, toRowMajor());
    }

    public boolean allFinite() {
        for (int r = 0; r < active; r++) {
            float[] row = rows[r];
            for (int c = 0; c < cols; c++) {
                if (!Float.isFinite(row[c])) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Largest absolute value over the active rows; NaN if any entry is NaN. */
    public float maxAbs() {
        float m = 0f;
        for (int r = 0; r < active; r++) {
            m = Math.max(m, Kernels.maxAbs(rows[r], cols));
        }
        return m;
    }

    /** Bitwise equality of shape and active values. */
    public boolean bitEquals(RowMatrix o) {
        if (o.cols != cols || o.active != active) {
            return false;
        }
        for (int r = 0; r < active; r++) {
            for (int c = 0; c < cols; c++) {
                if (Float.floatToRawIntBits(rows[r][c]) != Float.floatToRawIntBits(o.rows[r][c])) {
                    return false;
                }
            }
        }
        return true;
    }
}
