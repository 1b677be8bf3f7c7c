package dev.alignstream.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The largest absolute value the divergence guard bounds each update with ({@link Learner}): a
 * NaN anywhere must come out as NaN, wherever it sits (an earlier loop let a later finite entry
 * replace it), and an infinity as infinity.
 */
class MaxAbsTest {

    @Test
    void aNanAnywhereIsReported() {
        for (int at = 0; at < 5; at++) {
            float[] d = {0.5f, -3f, 2f, 0f, -1f};
            d[at] = Float.NaN;
            assertTrue(Float.isNaN(Kernels.maxAbs(d)), "NaN at " + at);
            RowMatrix m = new RowMatrix(2, 5);
            System.arraycopy(d, 0, m.row(at % 2), 0, 5);
            m.row(1 - at % 2)[0] = 7f;
            assertTrue(Float.isNaN(m.maxAbs()), "matrix, NaN at " + at);
        }
    }

    @Test
    void theLargestMagnitudeOfTheActiveRows() {
        assertEquals(3f, Kernels.maxAbs(new float[] {0.5f, -3f, 2f}));
        assertEquals(Float.POSITIVE_INFINITY, Kernels.maxAbs(new float[] {1f, Float.NEGATIVE_INFINITY, 2f}));
        assertEquals(0f, Kernels.maxAbs(new float[0]));
        RowMatrix m = new RowMatrix(3, 2);
        m.row(0)[1] = -4f;
        m.row(2)[0] = 9f; // not active below
        m.setActiveRows(2);
        assertEquals(4f, m.maxAbs());
    }
}
