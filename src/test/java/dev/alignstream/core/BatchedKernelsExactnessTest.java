package dev.alignstream.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.alignstream.rules.Rules;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The batched kernels are tiled over columns for speed ({@link Kernels#TILE}, the backward pass's
 * transposed tiles); tiling MUST NOT change any entry's summation order. This trains a model with
 * an awkward shape (widths not multiples of four, tiles or vector lengths) through {@link Learner}
 * and, side by side, with a plain untiled reference step written here, and requires every weight
 * and bias to have the same bits after every one of a few hundred steps.
 *
 * <p>The reference states the documented order directly: a forward entry is
 * {@code (((y + c0 x0) + c1 x1) + c2 x2) + c3 x3} over {@code k} ascending in groups of four, a
 * group skipped when its four coefficients are zero, then the tail one at a time; the backward
 * product the same over the upper layer's neurons; a weight entry adds the batch rows the same way,
 * ascending in groups of four; a bias adds the column sum taken in ascending row order.
 */
class BatchedKernelsExactnessTest {

    private int[] layers;

    /** 37-61-7 is narrower than every tile; 37-1031-61-7 spans two column tiles and three backward tiles, with tails. */
    @ParameterizedTest
    @CsvSource({"37-61-7, BP, 32, 300", "37-61-7, BP, 5, 300", "37-61-7, ALIGN_ADA, 32, 300", "37-61-7, ALIGN_ADA, 5, 300",
            "37-1031-61-7, BP, 32, 30", "37-1031-61-7, BP, 5, 30", "37-1031-61-7, ALIGN_ADA, 32, 30",
            "37-1031-61-7, ALIGN_ADA, 5, 30"})
    void tiledKernelsGiveTheBitsOfAnUntiledReference(String shape, RuleName rule, int batch, int steps) {
        layers = Arrays.stream(shape.split("-")).mapToInt(Integer::parseInt).toArray();
        ModelConfig c = new ModelConfig(layers, Activation.RELU, rule, 0.05f, batch, 11L, -0.1f, 1f, false);
        Model model = Model.create(c);
        Learner learner = new Learner(model, Rules.of(rule));
        Parameters ref = model.live().copy();
        Parameters frozen = model.frozen().initial();
        Random r = new Random(3);
        float[][] xs = new float[batch][layers[0]];
        float[][] ts = new float[batch][layers[layers.length - 1]];
        for (int s = 0; s < steps; s++) {
            for (int b = 0; b < batch; b++) {
                for (int k = 0; k < xs[b].length; k++) {
                    // blank pixels, so all-zero groups of four are skipped as in real inputs
                    xs[b][k] = r.nextInt(3) == 0 ? 0f : r.nextFloat();
                }
                Arrays.fill(ts[b], -0.1f);
                ts[b][r.nextInt(ts[b].length)] += 1f;
                model.pending().add(xs[b], ts[b]);
            }
            assertEquals(null, learner.flush());
            referenceStep(ref, frozen, rule, xs, ts, c.learningRate());
            assertTrue(ref.bitEquals(model.live()), rule + " batch " + batch + ": bits differ after step " + (s + 1));
        }
    }

    /** One learning step of {@code bp} or align-ada on {@code p}, untiled, in the documented order. */
    private void referenceStep(Parameters p, Parameters frozen, RuleName rule, float[][] x, float[][] t, float eta) {
        int depth = layers.length - 1;
        int n = x.length;
        float[][][] h = new float[depth + 1][][];
        float[][][] a = new float[depth + 1][][];
        float[][][] h0 = new float[depth + 1][][];
        a[0] = x;
        forward(p, a, h);
        if (rule == RuleName.ALIGN_ADA) {
            float[][][] a0 = new float[depth + 1][][];
            a0[0] = x;
            forward(frozen, a0, h0);
        }
        float[][][] g = new float[depth + 1][][];
        g[depth] = new float[n][layers[depth]];
        for (int b = 0; b < n; b++) {
            for (int j = 0; j < layers[depth]; j++) {
                g[depth][b][j] = h[depth][b][j] - t[b][j];
            }
        }
        for (int l = depth - 1; l >= 1; l--) {
            RowMatrix wt = (rule == RuleName.BP ? p : frozen).weightT(l + 1);
            float[][] gate = rule == RuleName.BP ? h[l] : h0[l];
            float scale = Kernels.invSqrt(layers[l]);
            g[l] = new float[n][layers[l]];
            for (int b = 0; b < n; b++) {
                // column j of WT^T is row j of WT: the same row-combination order as the forward pass
                float[] acc = new float[layers[l]];
                for (int j = 0; j < layers[l]; j++) {
                    acc[j] = combine(g[l + 1][b], wt, j);
                }
                for (int j = 0; j < layers[l]; j++) {
                    float d = Activation.RELU.derivative(gate[b][j]);
                    g[l][b][j] = d == 0f ? 0f : d * (acc[j] * scale);
                }
            }
        }
        float biasAlpha = (float) (-(double) eta / n);
        for (int l = 1; l <= depth; l++) {
            RowMatrix wt = p.weightT(l);
            float alpha = (float) (-(double) eta / (n * Math.sqrt(wt.numRows())));
            for (int k = 0; k < wt.numRows(); k++) {
                float[] w = wt.row(k);
                for (int j = 0; j < w.length; j++) {
                    float y = w[j];
                    int b = 0;
                    for (; b + 4 <= n; b += 4) {
                        float c0 = alpha * a[l - 1][b][k];
                        float c1 = alpha * a[l - 1][b + 1][k];
                        float c2 = alpha * a[l - 1][b + 2][k];
                        float c3 = alpha * a[l - 1][b + 3][k];
                        if (c0 != 0f || c1 != 0f || c2 != 0f || c3 != 0f) {
                            y = y + c0 * g[l][b][j] + c1 * g[l][b + 1][j] + c2 * g[l][b + 2][j] + c3 * g[l][b + 3][j];
                        }
                    }
                    for (; b < n; b++) {
                        float c0 = alpha * a[l - 1][b][k];
                        if (c0 != 0f) {
                            y = y + c0 * g[l][b][j];
                        }
                    }
                    w[j] = y;
                }
            }
            float[] bias = p.bias(l);
            for (int j = 0; j < bias.length; j++) {
                float s = 0f;
                for (int b = 0; b < n; b++) {
                    s += g[l][b][j];
                }
                bias[j] += biasAlpha * s;
            }
        }
    }

    private void forward(Parameters p, float[][][] a, float[][][] h) {
        int depth = layers.length - 1;
        int n = a[0].length;
        for (int l = 1; l <= depth; l++) {
            RowMatrix wt = p.weightT(l);
            float scale = Kernels.invSqrt(layers[l - 1]);
            h[l] = new float[n][layers[l]];
            a[l] = new float[n][layers[l]];
            for (int b = 0; b < n; b++) {
                for (int j = 0; j < layers[l]; j++) {
                    h[l][b][j] = combineColumn(a[l - 1][b], wt, j) * scale + p.bias(l)[j];
                    a[l][b][j] = l < depth ? Activation.RELU.apply(h[l][b][j]) : h[l][b][j];
                }
            }
        }
    }

    /** {@code sum_k c[k] * wt[k][j]}: from {@code 0}, groups of four left to right, all-zero groups skipped, then the tail. */
    private static float combineColumn(float[] c, RowMatrix wt, int j) {
        float y = 0f;
        int k = 0;
        for (; k + 4 <= c.length; k += 4) {
            if (c[k] != 0f || c[k + 1] != 0f || c[k + 2] != 0f || c[k + 3] != 0f) {
                y = y + c[k] * wt.row(k)[j] + c[k + 1] * wt.row(k + 1)[j] + c[k + 2] * wt.row(k + 2)[j]
                        + c[k + 3] * wt.row(k + 3)[j];
            }
        }
        for (; k < c.length; k++) {
            y = y + c[k] * wt.row(k)[j];
        }
        return y;
    }

    /** {@code sum_k c[k] * wt[j][k]}, the same order as {@link #combineColumn} over row {@code j}. */
    private static float combine(float[] c, RowMatrix wt, int j) {
        float[] w = wt.row(j);
        float y = 0f;
        int k = 0;
        for (; k + 4 <= c.length; k += 4) {
            if (c[k] != 0f || c[k + 1] != 0f || c[k + 2] != 0f || c[k + 3] != 0f) {
                y = y + c[k] * w[k] + c[k + 1] * w[k + 1] + c[k + 2] * w[k + 2] + c[k + 3] * w[k + 3];
            }
        }
        for (; k < c.length; k++) {
            y = y + c[k] * w[k];
        }
        return y;
    }
}
