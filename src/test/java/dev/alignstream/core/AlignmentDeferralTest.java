package dev.alignstream.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The alignment accumulator's deferral ({@link AlignmentTracker}: samples wait in a buffer and are
 * added to {@code P} {@link AlignmentTracker#DEFERRED_ROWS} at a time) against the plain
 * per-sample sum of SPEC section 5 written here, {@code P^l += (a0^{l-1} / sqrt(n_{l-1})) g^{l T}}
 * one sample after the other in float32: bit-identical, whether {@code P} is read (and so the
 * buffer emptied) often, at odd moments or only at the end.
 */
class AlignmentDeferralTest {

    private static final int[] LAYERS = {13, 9, 4};

    @Test
    void deferredAccumulationHasTheBitsOfThePerSampleSum() {
        for (int batch : new int[] {1, 3, 40}) {
            for (int readEvery : new int[] {0, 1, 7, 31}) {
                check(batch, readEvery);
            }
        }
    }

    private static void check(int batch, int readEvery) {
        AlignmentTracker tracker = new AlignmentTracker(LAYERS);
        Workspace ws = new Workspace(LAYERS, batch);
        float[][][] expected = new float[LAYERS.length][][];
        for (int l = 1; l < LAYERS.length; l++) {
            expected[l] = new float[LAYERS[l - 1]][LAYERS[l]];
        }
        RowMatrix[] signals = new RowMatrix[LAYERS.length];
        Random r = new Random(batch * 100L + readEvery);
        for (int step = 0; step < 70; step++) {
            int rows = step % 5 == 4 ? 1 + step % batch : batch; // partial batches too
            ws.rows(rows);
            for (int l = 0; l < LAYERS.length; l++) {
                RowMatrix a0 = ws.a0(l);
                for (int b = 0; b < rows; b++) {
                    for (int k = 0; k < LAYERS[l]; k++) {
                        // relu-like inputs: about a third exactly zero
                        a0.row(b)[k] = r.nextInt(3) == 0 ? 0f : (float) Math.abs(r.nextGaussian());
                    }
                }
                if (l > 0) {
                    signals[l] = ws.signal(l);
                    for (int b = 0; b < rows; b++) {
                        for (int j = 0; j < LAYERS[l]; j++) {
                            signals[l].row(b)[j] = (float) (r.nextGaussian() * 1e-2);
                        }
                    }
                }
            }
            tracker.accumulate(ws, signals);
            for (int l = 1; l < LAYERS.length; l++) {
                float beta = (float) (1.0 / Math.sqrt(LAYERS[l - 1]));
                for (int b = 0; b < rows; b++) {
                    for (int k = 0; k < LAYERS[l - 1]; k++) {
                        float c = beta * ws.a0(l - 1).row(b)[k];
                        for (int j = 0; j < LAYERS[l]; j++) {
                            expected[l][k][j] = expected[l][k][j] + c * signals[l].row(b)[j];
                        }
                    }
                }
            }
            if (readEvery > 0 && step % readEvery == readEvery - 1) {
                assertSameBits(expected, tracker, "batch " + batch + ", read every " + readEvery + ", step " + step);
            }
        }
        assertSameBits(expected, tracker, "batch " + batch + ", read every " + readEvery + ", at the end");
    }

    private static void assertSameBits(float[][][] expected, AlignmentTracker tracker, String when) {
        boolean nonzero = false;
        for (int l = 1; l < LAYERS.length; l++) {
            RowMatrix p = tracker.predictedT(l);
            for (int k = 0; k < LAYERS[l - 1]; k++) {
                for (int j = 0; j < LAYERS[l]; j++) {
                    nonzero |= p.get(k, j) != 0f;
                    assertEquals(Float.floatToRawIntBits(expected[l][k][j]), Float.floatToRawIntBits(p.get(k, j)),
                            when + ": P^" + l + "[" + k + "][" + j + "] " + expected[l][k][j] + " vs " + p.get(k, j));
                }
            }
        }
        assertTrue(nonzero, "something was accumulated");
    }
}
