package dev.alignstream.rnn;

import dev.alignstream.core.Activation;
import dev.alignstream.core.RuleName;
import dev.alignstream.data.SequenceSample;
import java.util.List;

/**
 * An independent, deliberately naive double-precision implementation of SPEC section 3 (and the
 * RNN reading of section 5), used only as the oracle the float32 learner is checked against.
 * Written from the SPEC's formulas with 1-based steps and untransposed, row-major weights
 * ({@code W_ih [n x n_in]}, {@code W_hh [n x n]}, {@code W_ho [n_out x n]}); it shares no code
 * with {@link RnnLearner}.
 */
final class ReferenceRnn {

    /** One set of parameters, contract layout. */
    static final class Params {
        double[] wih;
        double[] whh;
        double[] bh;
        double[] who;
        double[] bo;

        Params(RnnParameters p) {
            wih = toDouble(p.weight(RnnMatrix.INPUT));
            whh = toDouble(p.weight(RnnMatrix.RECURRENT));
            bh = toDouble(p.hiddenBias());
            who = toDouble(p.weight(RnnMatrix.READOUT));
            bo = toDouble(p.outputBias());
        }

        /** The tensor of matrix {@code m} (its weight), for generic loops in tests. */
        double[] weight(RnnMatrix m) {
            return switch (m) {
                case INPUT -> wih;
                case RECURRENT -> whh;
                case READOUT -> who;
            };
        }
    }

    /** A per-sequence gradient or an accumulated prediction, contract layout. */
    static final class Grad {
        final double[] wih;
        final double[] whh;
        final double[] bh;
        final double[] who;
        final double[] bo;

        Grad(int nIn, int n, int nOut) {
            wih = new double[n * nIn];
            whh = new double[n * n];
            bh = new double[n];
            who = new double[nOut * n];
            bo = new double[nOut];
        }

        double[] weight(RnnMatrix m) {
            return switch (m) {
                case INPUT -> wih;
                case RECURRENT -> whh;
                case READOUT -> who;
            };
        }
    }

    final int nIn;
    final int n;
    final int nOut;
    final Activation phi;
    final double inputScale;
    final Params live;
    final Params frozen;
    /** {@code P} of SPEC section 5 for each matrix, accumulated by {@link #step}. */
    final Grad prediction;

    ReferenceRnn(RnnModel m) {
        RnnConfig c = m.config();
        nIn = c.inputSize();
        n = c.hidden();
        nOut = c.outputSize();
        phi = c.base().activation();
        inputScale = c.base().inputScale();
        live = new Params(m.live());
        frozen = new Params(m.frozen().initial());
        prediction = new Grad(nIn, n, nOut);
    }

    static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    double act(double h) {
        return switch (phi) {
            case RELU -> h > 0 ? h : 0;
            case TANH -> Math.tanh(h);
            case IDENTITY -> h;
        };
    }

    double deriv(double h) {
        return switch (phi) {
            case RELU -> h > 0 ? 1 : 0;
            case TANH -> 1 - Math.tanh(h) * Math.tanh(h);
            case IDENTITY -> 1;
        };
    }

    /** Inputs {@code x[1..T]} (index 0 unused), scaled as the model scales them. */
    double[][] inputs(SequenceSample s) {
        double[][] x = new double[s.steps() + 1][nIn];
        for (int t = 1; t <= s.steps(); t++) {
            for (int j = 0; j < nIn; j++) {
                x[t][j] = (double) ((float) inputScale * s.input(t - 1, j));
            }
        }
        return x;
    }

    double[][] targets(SequenceSample s) {
        double[][] y = new double[s.steps() + 1][nOut];
        for (int t = 1; t <= s.steps(); t++) {
            for (int k = 0; k < nOut; k++) {
                y[t][k] = s.target(t - 1, k);
            }
        }
        return y;
    }

    /** {h, s, y}, each indexed by step 0..T ({@code s[0] = 0}). */
    double[][][] forward(Params p, double[][] x) {
        int steps = x.length - 1;
        double[][] h = new double[steps + 1][n];
        double[][] s = new double[steps + 1][n];
        double[][] y = new double[steps + 1][nOut];
        for (int t = 1; t <= steps; t++) {
            for (int i = 0; i < n; i++) {
                double a = 0;
                for (int j = 0; j < nIn; j++) {
                    a += p.wih[i * nIn + j] * x[t][j];
                }
                double r = 0;
                for (int j = 0; j < n; j++) {
                    r += p.whh[i * n + j] * s[t - 1][j];
                }
                h[t][i] = a / Math.sqrt(nIn) + r / Math.sqrt(n) + p.bh[i];
                s[t][i] = act(h[t][i]);
            }
            for (int k = 0; k < nOut; k++) {
                double o = 0;
                for (int j = 0; j < n; j++) {
                    o += p.who[k * n + j] * s[t][j];
                }
                y[t][k] = o / Math.sqrt(n) + p.bo[k];
            }
        }
        return new double[][][] {h, s, y};
    }

    /** SPEC section 3's loss {@code sum_t 0.5 ||y_t - target_t||^2}. */
    double loss(Params p, double[][] x, double[][] target) {
        double[][] y = forward(p, x)[2];
        double l = 0;
        for (int t = 1; t < y.length; t++) {
            for (int k = 0; k < nOut; k++) {
                l += 0.5 * (y[t][k] - target[t][k]) * (y[t][k] - target[t][k]);
            }
        }
        return l;
    }

    /**
     * The rule's per-sequence gradient {@code G} (the update is {@code -eta G}), straight from SPEC
     * section 3; adds the sequence's alignment prediction (the align-zero direction) to {@code p}
     * when it is not null.
     */
    Grad gradient(RuleName rule, double[][] x, double[][] target, Grad p) {
        int steps = x.length - 1;
        double[][][] lv = forward(live, x);
        double[][][] fz = forward(frozen, x);
        double[][] h = lv[0];
        double[][] s = lv[1];
        double[][] h0 = fz[0];
        double[][] s0 = fz[1];
        double[][] e = new double[steps + 2][nOut];
        for (int t = 1; t <= steps; t++) {
            for (int k = 0; k < nOut; k++) {
                e[t][k] = lv[2][t][k] - target[t][k];
            }
        }
        // frozen BPTT driven by the live errors: d_t, c_t (c_{T+1} = 0)
        double[][] c = new double[steps + 2][n];
        double[][] d = new double[steps + 2][n];
        // live BPTT (bp): delta_t (delta_{T+1} = 0)
        double[][] delta = new double[steps + 2][n];
        for (int t = steps; t >= 1; t--) {
            for (int j = 0; j < n; j++) {
                double fromOut0 = 0;
                double fromOut = 0;
                for (int k = 0; k < nOut; k++) {
                    fromOut0 += frozen.who[k * n + j] * e[t][k];
                    fromOut += live.who[k * n + j] * e[t][k];
                }
                double fromNext0 = 0;
                double fromNext = 0;
                for (int i = 0; i < n; i++) {
                    fromNext0 += frozen.whh[i * n + j] * c[t + 1][i];
                    fromNext += live.whh[i * n + j] * delta[t + 1][i];
                }
                d[t][j] = (fromOut0 + fromNext0) / Math.sqrt(n);
                c[t][j] = deriv(h0[t][j]) * d[t][j];
                delta[t][j] = deriv(h[t][j]) * (fromOut + fromNext) / Math.sqrt(n);
            }
        }
        Grad g = new Grad(nIn, n, nOut);
        for (int t = 1; t <= steps; t++) {
            double[] sig;
            double[] prev;
            double[] st;
            switch (rule) {
                case BP -> {
                    sig = delta[t];
                    prev = s[t - 1];
                    st = s[t];
                }
                case ALIGN_ZERO -> {
                    sig = c[t];
                    prev = s0[t - 1];
                    st = s0[t];
                }
                case ALIGN_ADA -> {
                    sig = new double[n];
                    for (int j = 0; j < n; j++) {
                        sig[j] = deriv(h[t][j]) * d[t][j];
                    }
                    prev = s[t - 1];
                    st = s[t];
                }
                case READOUT -> {
                    sig = null;
                    prev = null;
                    st = s[t];
                }
                default -> throw new IllegalArgumentException(rule.id());
            }
            if (sig != null) {
                addHidden(g, sig, x[t], prev);
            }
            addReadout(g, e[t], st);
            if (p != null) {
                addHidden(p, c[t], x[t], s0[t - 1]);
                addReadout(p, e[t], s0[t]);
            }
        }
        return g;
    }

    private void addHidden(Grad g, double[] sig, double[] xt, double[] prev) {
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < nIn; j++) {
                g.wih[i * nIn + j] += sig[i] * xt[j] / Math.sqrt(nIn);
            }
            for (int j = 0; j < n; j++) {
                g.whh[i * n + j] += sig[i] * prev[j] / Math.sqrt(n);
            }
            g.bh[i] += sig[i];
        }
    }

    private void addReadout(Grad g, double[] et, double[] st) {
        for (int k = 0; k < nOut; k++) {
            for (int j = 0; j < n; j++) {
                g.who[k * n + j] += et[k] * st[j] / Math.sqrt(n);
            }
            g.bo[k] += et[k];
        }
    }

    /** One step: the mean of the per-sequence updates {@code -eta G} of the given sequences, applied to the live parameters. */
    void step(RuleName rule, double eta, List<SequenceSample> batch) {
        Grad sum = new Grad(nIn, n, nOut);
        for (SequenceSample s : batch) {
            Grad g = gradient(rule, inputs(s), targets(s), prediction);
            add(sum.wih, g.wih);
            add(sum.whh, g.whh);
            add(sum.bh, g.bh);
            add(sum.who, g.who);
            add(sum.bo, g.bo);
        }
        double a = -eta / batch.size();
        axpy(live.wih, a, sum.wih);
        axpy(live.whh, a, sum.whh);
        axpy(live.bh, a, sum.bh);
        axpy(live.who, a, sum.who);
        axpy(live.bo, a, sum.bo);
    }

    private static void add(double[] y, double[] x) {
        axpy(y, 1, x);
    }

    private static void axpy(double[] y, double a, double[] x) {
        for (int i = 0; i < y.length; i++) {
            y[i] += a * x[i];
        }
    }
}
