package dev.alignstream.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.alignstream.data.Sample;
import dev.alignstream.io.ModelFile;
import dev.alignstream.rules.Rules;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The batch-1 weight update held back until the next forward pass ({@link DeferredUpdate},
 * {@link Kernels#affineApplying}) against the update applied at the end of its step: the same
 * bits, in the kernel (against {@link Kernels#addOuter} followed by {@link Kernels#affine}) and
 * over whole runs of every rule, whenever something reads the weights in between.
 */
class DeferredUpdateTest {

    @Test
    void fusedForwardHasTheBitsOfUpdateThenForward() {
        Random r = new Random(11);
        // widths around the four-row groups; inputs and update inputs with zeros in different places
        for (int nIn : new int[] {1, 3, 4, 5, 9, 37}) {
            for (int nOut : new int[] {1, 7, 33}) {
                for (int pattern = 0; pattern < 6; pattern++) {
                    checkKernel(r, nIn, nOut, pattern);
                }
            }
        }
    }

    private static void checkKernel(Random r, int nIn, int nOut, int pattern) {
        RowMatrix wt = new RowMatrix(nIn, nOut);
        for (int k = 0; k < nIn; k++) {
            for (int j = 0; j < nOut; j++) {
                wt.row(k)[j] = (float) r.nextGaussian();
            }
        }
        RowMatrix a = new RowMatrix(1, nIn);
        RowMatrix u = new RowMatrix(1, nIn);
        RowMatrix g = new RowMatrix(1, nOut);
        for (int k = 0; k < nIn; k++) {
            // pattern 0: dense; 1: no input read; 2: no update; 3: updates only above the last read row;
            // 4, 5: random zeros in both
            boolean read = pattern == 0 || pattern == 2 || (pattern == 3 ? k < nIn / 2 : pattern >= 4 && r.nextBoolean());
            boolean upd = pattern == 0 || pattern == 1 || (pattern == 3 ? k >= nIn / 2 : pattern >= 4 && r.nextInt(3) > 0);
            a.row(0)[k] = read ? (float) r.nextGaussian() : 0f;
            u.row(0)[k] = upd ? (float) Math.abs(r.nextGaussian()) : 0f;
        }
        for (int j = 0; j < nOut; j++) {
            g.row(0)[j] = (float) (r.nextGaussian() * 0.1);
        }
        float[] bias = new float[nOut];
        for (int j = 0; j < nOut; j++) {
            bias[j] = (float) r.nextGaussian();
        }
        float alpha = -0.0371f;
        float scale = Kernels.invSqrt(nIn);
        int[] nonzero = new int[nIn];

        RowMatrix expectedW = copy(wt);
        RowMatrix expectedH = new RowMatrix(1, nOut);
        Kernels.addOuter(expectedW, alpha, u, g);
        Kernels.affine(a, expectedW, bias, scale, nonzero, expectedH);

        DeferredUpdate d = new DeferredUpdate(new int[] {nIn, nOut});
        d.record(1, alpha, u.row(0), g.row(0));
        RowMatrix h = new RowMatrix(1, nOut);
        Kernels.affineApplying(a, wt, bias, scale, nonzero, d.rows(1), d.coefficients(1), d.count(1), d.signal(1), h);
        String where = nIn + "x" + nOut + " pattern " + pattern;
        for (int k = 0; k < nIn; k++) {
            assertBits(expectedW.row(k), wt.row(k), "weights row " + k + ", " + where);
        }
        assertBits(expectedH.row(0), h.row(0), "pre-activation, " + where);
    }

    @Test
    void wholeRunsHaveTheBitsOfUpdatesAppliedAtOnce() throws Exception {
        for (RuleName rule : RuleName.values()) {
            for (boolean tracked : new boolean[] {false, true}) {
                checkRun(rule, tracked);
            }
        }
    }

    private static void checkRun(RuleName rule, boolean tracked) throws Exception {
        int[] layers = {20, 16, 12, 4};
        ModelConfig c = new ModelConfig(layers, Activation.RELU, rule, 0.05f, 1, 3L, -0.1f, 1f, tracked);
        List<Sample> data = sparseSamples(60, layers[0], layers[3], 5L);
        Learner deferred = new Learner(Model.create(c), Rules.of(rule));
        // reading the weights after every step applies each update at the end of its own step,
        // the order before updates were held back
        Learner atOnce = new Learner(Model.create(c), Rules.of(rule));
        Learner restored = null;
        for (int i = 0; i < data.size(); i++) {
            if (i == 30) {
                // a snapshot taken with an update held back, restored: the run goes on with the same bits
                restored = new Learner(ModelFile.fromBytes(ModelFile.toSnapshotBytes(deferred.model())), Rules.of(rule));
            }
            Prediction p = deferred.observe(data.get(i));
            Prediction q = atOnce.observe(data.get(i));
            atOnce.model().live();
            assertBits(q.output(), p.output(), rule + " tracked " + tracked + ": output of sample " + i);
            if (restored != null) {
                assertBits(q.output(), restored.observe(data.get(i)).output(), rule + " restored: output of sample " + i);
            }
            if (i % 17 == 16) {
                // a read in between (a snapshot, a gauge) must not change what follows
                assertTrue(deferred.model().live().bitEquals(atOnce.model().live()), rule + " at sample " + i);
            }
        }
        assertArrayEquals(ModelFile.toBytes(atOnce.model()), ModelFile.toBytes(deferred.model()),
                rule + " tracked " + tracked + ": model files");
        assertArrayEquals(ModelFile.toBytes(atOnce.model()), ModelFile.toBytes(restored.model()),
                rule + " tracked " + tracked + ": model file after a restore");
        // the deferral only holds back work: something was learned
        assertFalse(Model.create(c).live().bitEquals(deferred.model().live()), rule + " learned nothing");
    }

    @Test
    void liveAppliesTheHeldBackUpdateOnce() {
        int[] layers = {6, 5, 3};
        ModelConfig c = new ModelConfig(layers, Activation.RELU, RuleName.BP, 0.1f, 1, 9L, -0.1f, 1f, false);
        Learner learner = new Learner(Model.create(c), Rules.of(RuleName.BP));
        Sample s = sparseSamples(1, 6, 3, 1L).get(0);
        Parameters before = Model.create(c).live();
        learner.observe(s);
        DeferredUpdate d = learner.model().deferredUpdate();
        assertTrue(d.pending(1) && d.pending(2), "batch 1 holds the weight updates back");
        // the held-back weights are still the old ones, the biases already updated
        assertTrue(before.weightT(1).bitEquals(learner.model().liveWithPendingUpdate().weightT(1)));
        Parameters once = learner.model().live().copy();
        assertFalse(d.pending(1) || d.pending(2));
        assertFalse(before.weightT(1).bitEquals(once.weightT(1)));
        assertTrue(once.bitEquals(learner.model().live()), "a second read applies nothing again");
        ModelConfig batched = new ModelConfig(layers, Activation.RELU, RuleName.BP, 0.1f, 4, 9L, -0.1f, 1f, false);
        assertEquals(null, Model.create(batched).deferredUpdate(), "only batch 1 defers");
    }

    /** Samples whose features are about half exact zeros (like blank pixels), so read and updated rows differ. */
    private static List<Sample> sparseSamples(int count, int inputs, int classes, long seed) {
        Random r = new Random(seed);
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            float[] x = new float[inputs];
            for (int j = 0; j < inputs; j++) {
                x[j] = r.nextBoolean() ? 0f : (float) r.nextDouble();
            }
            out.add(Sample.classification(x, r.nextInt(classes)));
        }
        return out;
    }

    private static RowMatrix copy(RowMatrix m) {
        RowMatrix c = new RowMatrix(m.numRows(), m.numCols());
        for (int k = 0; k < m.numRows(); k++) {
            System.arraycopy(m.row(k), 0, c.row(k), 0, m.numCols());
        }
        return c;
    }

    private static void assertBits(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]),
                    what + " [" + i + "]: " + expected[i] + " vs " + actual[i]);
        }
    }
}
