package dev.alignstream.core;

/**
 * An independent, deliberately naive double-precision implementation of SPEC sections 1-2, used
 * only as the oracle the optimized float32 learner is checked against. Weights are in the
 * contract's {@code n_l x n_{l-1}} row-major layout.
 */
final class ReferenceMlp {

    final int[] n;
    final double[][] w;
    final double[][] b;
    final double[][] w0;
    final double[][] b0;
    final double[][] feedback; // fa: B^l (n_l x n_{l-1}) at l; dfa: D^l (n_l x n_L) at l
    final Activation phi;

    ReferenceMlp(Model m) {
        ModelConfig c = m.config();
        n = c.layers();
        phi = c.activation();
        int depth = c.depth();
        w = new double[depth + 1][];
        b = new double[depth + 1][];
        w0 = new double[depth + 1][];
        b0 = new double[depth + 1][];
        feedback = new double[depth + 1][];
        for (int l = 1; l <= depth; l++) {
            w[l] = toDouble(m.live().weight(l));
            b[l] = toDouble(m.live().bias(l));
            w0[l] = toDouble(m.frozen().initial().weight(l));
            b0[l] = toDouble(m.frozen().initial().bias(l));
            if (m.frozen().feedbackTensor(l) != null) {
                feedback[l] = toDouble(m.frozen().feedbackTensor(l));
            }
        }
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

    /** Forward pass; returns {h, a} indexed by layer (a[0] = scaled input, a[L] = f). */
    double[][][] forward(double[][] ww, double[][] bb, double[] x) {
        int depth = n.length - 1;
        double[][] h = new double[depth + 1][];
        double[][] a = new double[depth + 1][];
        a[0] = x;
        for (int l = 1; l <= depth; l++) {
            h[l] = new double[n[l]];
            for (int i = 0; i < n[l]; i++) {
                double s = 0;
                for (int j = 0; j < n[l - 1]; j++) {
                    s += ww[l][i * n[l - 1] + j] * a[l - 1][j];
                }
                h[l][i] = s / Math.sqrt(n[l - 1]) + bb[l][i];
            }
            a[l] = new double[n[l]];
            for (int i = 0; i < n[l]; i++) {
                a[l][i] = l < depth ? act(h[l][i]) : h[l][i];
            }
        }
        return new double[][][] {h, a};
    }

    double loss(double[][] ww, double[][] bb, double[] x, double[] t) {
        double[] f = forward(ww, bb, x)[1][n.length - 1];
        double s = 0;
        for (int i = 0; i < f.length; i++) {
            s += 0.5 * (f[i] - t[i]) * (f[i] - t[i]);
        }
        return s;
    }

    /** Applies one mini-batch step of {@code rule} exactly as SPEC section 2 writes it. */
    void step(RuleName rule, double eta, double[][] xs, double[][] ts) {
        int depth = n.length - 1;
        int batch = xs.length;
        double[][] dw = new double[depth + 1][];
        double[][] db = new double[depth + 1][];
        for (int l = 1; l <= depth; l++) {
            dw[l] = new double[w[l].length];
            db[l] = new double[b[l].length];
        }
        for (int s = 0; s < batch; s++) {
            double[][][] live = forward(w, b, xs[s]);
            double[][][] froz = forward(w0, b0, xs[s]);
            double[][] h = live[0];
            double[][] a = live[1];
            double[][] h0 = froz[0];
            double[][] a0 = froz[1];
            double[][] g = new double[depth + 1][];
            g[depth] = new double[n[depth]];
            for (int i = 0; i < n[depth]; i++) {
                g[depth][i] = a[depth][i] - ts[s][i];
            }
            for (int l = depth - 1; l >= 1; l--) {
                g[l] = new double[n[l]];
                for (int j = 0; j < n[l]; j++) {
                    double s2 = 0;
                    double d;
                    switch (rule) {
                        case BP -> {
                            for (int i = 0; i < n[l + 1]; i++) {
                                s2 += w[l + 1][i * n[l] + j] * g[l + 1][i];
                            }
                            d = deriv(h[l][j]) * s2 / Math.sqrt(n[l]);
                        }
                        case ALIGN_ZERO, ALIGN_ADA -> {
                            for (int i = 0; i < n[l + 1]; i++) {
                                s2 += w0[l + 1][i * n[l] + j] * g[l + 1][i];
                            }
                            d = deriv(h0[l][j]) * s2 / Math.sqrt(n[l]);
                        }
                        case FA -> {
                            for (int i = 0; i < n[l + 1]; i++) {
                                s2 += feedback[l + 1][i * n[l] + j] * g[l + 1][i];
                            }
                            d = deriv(h[l][j]) * s2 / Math.sqrt(n[l]);
                        }
                        case DFA -> {
                            for (int i = 0; i < n[depth]; i++) {
                                s2 += feedback[l][j * n[depth] + i] * g[depth][i];
                            }
                            d = deriv(h[l][j]) * s2 / Math.sqrt(n[depth]);
                        }
                        default -> d = 0;
                    }
                    g[l][j] = d;
                }
            }
            int first = rule == RuleName.READOUT ? depth : 1;
            for (int l = first; l <= depth; l++) {
                double[] in = rule == RuleName.ALIGN_ZERO ? a0[l - 1] : a[l - 1];
                for (int i = 0; i < n[l]; i++) {
                    for (int j = 0; j < n[l - 1]; j++) {
                        dw[l][i * n[l - 1] + j] += -eta * g[l][i] * in[j] / Math.sqrt(n[l - 1]) / batch;
                    }
                    db[l][i] += -eta * g[l][i] / batch;
                }
            }
        }
        for (int l = 1; l <= depth; l++) {
            for (int i = 0; i < w[l].length; i++) {
                w[l][i] += dw[l][i];
            }
            for (int i = 0; i < b[l].length; i++) {
                b[l][i] += db[l][i];
            }
        }
    }
}
