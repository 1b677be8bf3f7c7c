package dev.alignstream.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.alignstream.data.Sample;
import dev.alignstream.rules.Rules;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A batch-1 learner leaves each update {@linkplain DeferredUpdate deferred} and applies it inside
 * the next forward pass ({@link Kernels#addOuterThenCombine}). Whoever reads the model in between
 * ({@link Model#live()}, a {@link Predictor}, a second learner) gets it applied first. None of
 * that may change a bit: a learner whose model is read after every sample (so every update is
 * applied at once, the plain way) and one whose model is never read must give the same
 * predictions and the same parameters, for every rule, with and without the alignment score.
 */
class UpdateDeferralTest {

    private static final int[] LAYERS = {23, 17, 12, 4};

    @Test
    void theFusedUpdateAndProductHaveTheBitsOfTheUpdateFollowedByTheProduct() {
        Random r = new Random(5);
        int[][] shapes = {{23, 17}, {8, 5}, {64, 33}, {3, 9}, {1, 1}};
        for (int[] shape : shapes) {
            for (double xZeros : new double[] {0, 0.5, 0.9, 1}) {
                for (double uZeros : new double[] {0, 0.5, 1}) {
                    int nIn = shape[0];
                    int nOut = shape[1];
                    RowMatrix fused = new RowMatrix(nIn, nOut);
                    RowMatrix plain = new RowMatrix(nIn, nOut);
                    for (int k = 0; k < nIn; k++) {
                        for (int j = 0; j < nOut; j++) {
                            fused.row(k)[j] = (float) r.nextGaussian();
                        }
                        System.arraycopy(fused.row(k), 0, plain.row(k), 0, nOut);
                    }
                    RowMatrix u = vector(r, nIn, uZeros);
                    RowMatrix g = vector(r, nOut, 0);
                    RowMatrix x = vector(r, nIn, xZeros);
                    float alpha = -0.37f;
                    float[] y = new float[nOut];
                    java.util.Arrays.fill(y, Float.NaN); // must be overwritten, not added to
                    Kernels.addOuterThenCombine(fused, alpha, u.row(0), g.row(0), x.row(0), new int[nIn], y);
                    Kernels.addOuter(plain, alpha, u, g);
                    RowMatrix expected = new RowMatrix(1, nOut);
                    Kernels.combineRows(x, plain, new int[nIn], expected);
                    String where = nIn + "x" + nOut + ", zeros x " + xZeros + " u " + uZeros;
                    assertTrue(fused.bitEquals(plain), "weights, " + where);
                    assertSameBits(expected.row(0), y, "product, " + where);
                }
            }
        }
    }

    @Test
    void readingTheModelBetweenSamplesChangesNoBit() {
        List<Sample> data = samples(80, 9L);
        for (RuleName rule : RuleName.values()) {
            for (boolean track : new boolean[] {false, true}) {
                ModelConfig c = new ModelConfig(LAYERS, Activation.RELU, rule, 0.05f, 1, 3L, -0.1f, 1f, track);
                Learner readOften = TestData.learner(c);
                Learner neverRead = TestData.learner(c);
                Predictor predictor = new Predictor(c);
                float[] asked = new float[LAYERS[LAYERS.length - 1]];
                boolean deferred = false;
                for (int i = 0; i < data.size(); i++) {
                    Sample s = data.get(i);
                    boolean evaluateOnly = i % 11 == 10;
                    Prediction expected = evaluateOnly ? readOften.evaluate(s) : readOften.observe(s);
                    if (i % 3 == 0) {
                        predictor.predict(readOften.model(), s.features(), asked); // reads through live()
                    } else {
                        readOften.model().live();
                    }
                    assertFalse(readOften.model().hasDeferredUpdate());
                    Prediction got = evaluateOnly ? neverRead.evaluate(s) : neverRead.observe(s);
                    deferred |= neverRead.model().hasDeferredUpdate();
                    String where = rule.id() + (track ? " tracked" : "") + ", sample " + i;
                    assertSameBits(expected.output(), got.output(), where);
                    assertEquals(expected.step(), got.step(), where);
                    assertEquals(expected.samplesSeen(), got.samplesSeen(), where);
                }
                assertTrue(deferred, rule.id() + ": the never-read learner deferred its updates");
                assertTrue(readOften.model().live().bitEquals(neverRead.model().live()), rule.id() + " parameters");
                if (track) {
                    for (int l = 1; l < LAYERS.length; l++) {
                        assertEquals(readOften.model().alignment().score(l, readOften.model().live(),
                                        readOften.model().frozen().initial()),
                                neverRead.model().alignment().score(l, neverRead.model().live(),
                                        neverRead.model().frozen().initial()), rule.id() + " score " + l);
                    }
                }
            }
        }
    }

    @Test
    void aNewLearnerOnTheSameModelAppliesTheUpdateTheOldOneLeft() {
        List<Sample> data = samples(12, 4L);
        ModelConfig c = new ModelConfig(LAYERS, Activation.RELU, RuleName.ALIGN_ADA, 0.05f, 1, 3L, -0.1f, 1f, false);
        Learner one = TestData.learner(c);
        data.forEach(one::observe);
        Learner first = TestData.learner(c);
        data.subList(0, 6).forEach(first::observe);
        assertTrue(first.model().hasDeferredUpdate());
        Learner second = new Learner(first.model(), Rules.of(c.rule()));
        for (Sample s : data.subList(6, data.size())) {
            second.observe(s);
        }
        assertTrue(one.model().live().bitEquals(second.model().live()));
    }

    @Test
    void aMiniBatchLearnerDefersNothing() {
        ModelConfig c = new ModelConfig(LAYERS, Activation.RELU, RuleName.BP, 0.05f, 2, 3L, -0.1f, 1f, false);
        Learner l = TestData.learner(c);
        samples(4, 1L).forEach(l::observe);
        assertEquals(4, l.model().samplesSeen());
        assertFalse(l.model().hasDeferredUpdate());
    }

    /** Relu-like features (about a third exactly zero), labelled except every fifth sample. */
    private static List<Sample> samples(int count, long seed) {
        Random r = new Random(seed);
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            float[] x = new float[LAYERS[0]];
            for (int j = 0; j < x.length; j++) {
                x[j] = r.nextInt(3) == 0 ? 0f : (float) r.nextGaussian();
            }
            out.add(i % 5 == 4 ? Sample.unlabelled(x) : Sample.classification(x, r.nextInt(LAYERS[LAYERS.length - 1])));
        }
        return out;
    }

    private static RowMatrix vector(Random r, int n, double zeros) {
        RowMatrix v = new RowMatrix(1, n);
        for (int k = 0; k < n; k++) {
            v.row(0)[k] = r.nextDouble() < zeros ? 0f : (float) r.nextGaussian();
        }
        return v;
    }

    private static void assertSameBits(float[] expected, float[] actual, String where) {
        assertEquals(expected.length, actual.length, where);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]), where + ", entry " + i);
        }
    }
}
