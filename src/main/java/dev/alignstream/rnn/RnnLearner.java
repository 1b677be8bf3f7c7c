package dev.alignstream.rnn;

import dev.alignstream.core.Activation;
import dev.alignstream.core.Kernels;
import dev.alignstream.core.Prediction.StepOutcome;
import dev.alignstream.core.RowMatrix;
import dev.alignstream.core.RuleName;
import dev.alignstream.data.SequenceSample;
import java.util.Arrays;

/**
 * Test-then-train on one Elman RNN (SPEC section 3): every sequence is first predicted whole by
 * the live network and scored (mean over steps of {@code 0.5 ||y_t - target_t||^2}), then learned
 * from, alone or as part of a mini-batch of {@code B} sequences whose per-sequence updates are
 * averaged. The single code path for offline training of RNNs.
 *
 * <p>With {@code 0}-based steps, {@code s_{-1} = 0}, scaled inputs {@code x_t}, live errors
 * {@code e_t = y_t - target_t} and {@code sh = 1/sqrt(n)}, {@code si = 1/sqrt(n_in)}:
 * <pre>
 *   forward         h_t = (W_ih x_t) si + (W_hh s_{t-1}) sh + b_h,   s_t = phi(h_t),   y_t = (W_ho s_t) sh + b_o
 *   bp              delta_t = phi'(h_t)  * (W_ho^T e_t  + W_hh^T delta_{t+1}) sh     (BPTT, live weights)
 *   frozen signal   d_t = (W0_ho^T e_t + W0_hh^T c_{t+1}) sh,   c_t = phi'(h0_t) * d_t     (frozen trajectory)
 *   align-ada       delta_t = phi'(h_t) * d_t
 * </pre>
 * and the per-sequence gradient {@code G} (the update is {@code -eta} times the batch mean of it):
 * <pre>
 *   bp, align-ada   G_ih = sum delta_t x_t^T si,  G_hh = sum delta_t s_{t-1}^T sh,  G_bh = sum delta_t,
 *                   G_ho = sum e_t s_t^T sh,      G_bo = sum e_t
 *   align-zero      G_ih = sum c_t x_t^T si,      G_hh = sum c_t s0_{t-1}^T sh,     G_bh = sum c_t,
 *                   G_ho = sum e_t s0_t^T sh,     G_bo = sum e_t
 *   readout         only G_ho, G_bo as for bp
 * </pre>
 * Every sum over steps runs in ascending {@code t} ({@link Kernels#addOuter} over the trajectory
 * rows), so results are reproducible bit for bit. The per-step products reuse
 * {@link Kernels#combineRows} (through the frozen weights kept one row per receiving neuron) and
 * {@link Kernels#backwardTransposed} ({@code bp}'s dot products with the live weights); nothing is
 * allocated per time step.
 *
 * <p>A step whose gradient or result is non-finite is rejected: the model keeps its previous
 * parameters, the pending batch is dropped and the outcome says why. As in the MLP learner, a
 * backup copy is only taken when an update could come near float32 overflow.
 */
public final class RnnLearner {

    /** Updates that keep every weight's bound below this cannot overflow float32. */
    private static final double SAFE_LIMIT = 1e30;
    /** Trajectory rows allocated before the first sequence; buffers grow as longer ones arrive. */
    private static final int INITIAL_STEPS = 128;

    private final RnnModel model;
    private final RnnWorkspace ws;
    private final int nIn;
    private final int n;
    private final int nOut;
    private final float si;
    private final float sh;
    private double weightBound = Double.NaN;
    private RnnParameters backup;

    public RnnLearner(RnnModel model) {
        this.model = model;
        RnnConfig c = model.config();
        this.nIn = c.inputSize();
        this.n = c.hidden();
        this.nOut = c.outputSize();
        this.si = Kernels.invSqrt(nIn);
        this.sh = Kernels.invSqrt(n);
        this.ws = new RnnWorkspace(c, INITIAL_STEPS);
    }

    public RnnModel model() {
        return model;
    }

    /**
     * Predicts the sequence with the live model and, if it has targets and the model is not paused,
     * learns from it (immediately at batch size 1, else when its batch is complete).
     *
     * @throws IllegalArgumentException if the sequence does not fit the model (widths, length
     *                                  beyond {@code max_steps}, non-finite values); the model is untouched
     */
    public SequencePrediction observe(SequenceSample s) {
        return observe(s, true);
    }

    /** Predicts and scores the sequence without ever learning from it (for {@code evaluate}). */
    public SequencePrediction evaluate(SequenceSample s) {
        return observe(s, false);
    }

    /** Time-step capacity of the trajectory buffers (for tests of the growth policy). */
    int trajectoryCapacity() {
        return ws.capacity();
    }

    private SequencePrediction observe(SequenceSample s, boolean learn) {
        RnnConfig c = model.config();
        check(s, c);
        int steps = s.steps();
        ws.steps(steps);
        float scale = c.base().inputScale();
        for (int t = 0; t < steps; t++) {
            float[] xt = ws.x.row(t);
            for (int j = 0; j < nIn; j++) {
                xt[j] = scale * s.input(t, j);
            }
        }
        Activation phi = c.base().activation();
        forward(model.live(), phi, ws.s, ws.sPrev, ws.deriv, steps);
        float[] outputs = new float[steps * nOut];
        double loss = readout(s, outputs, steps);
        if (!s.isLabelled()) {
            return new SequencePrediction(outputs, steps, false, Double.NaN, model.samplesSeen(), StepOutcome.NONE, null);
        }
        if (!learn || model.paused()) {
            StepOutcome o = learn ? StepOutcome.PAUSED : StepOutcome.NONE;
            return new SequencePrediction(outputs, steps, true, loss, model.samplesSeen(), o, null);
        }
        accumulate(c.rule(), phi, steps);
        model.pending().added();
        if (model.pending().count() < c.base().batchSize()) {
            return new SequencePrediction(outputs, steps, true, loss, model.samplesSeen(), StepOutcome.BUFFERED, null);
        }
        String rejected = flush();
        return new SequencePrediction(outputs, steps, true, loss, model.samplesSeen(),
                rejected == null ? StepOutcome.APPLIED : StepOutcome.REJECTED, rejected);
    }

    /**
     * Learns from the pending mini-batch, complete or not (offline training calls this at the end
     * of the data). Returns null when applied or nothing was pending, else the rejection reason.
     */
    public String flush() {
        RnnPendingBatch p = model.pending();
        int count = p.count();
        if (count == 0) {
            return null;
        }
        String rejected = apply(count);
        p.clear();
        if (rejected != null) {
            model.recordRejected();
            return rejected;
        }
        model.recordApplied(count);
        return null;
    }

    /** Runs the network over {@code steps} inputs of {@code ws.x}, writing {@code s_t}, {@code s_{t-1}} and {@code phi'(h_t)}. */
    private void forward(RnnParameters p, Activation phi, RowMatrix states, RowMatrix previous, RowMatrix derivs,
                         int steps) {
        RowMatrix wih = p.weightT(RnnMatrix.INPUT);
        RowMatrix whh = p.weightT(RnnMatrix.RECURRENT);
        float[] bh = p.hiddenBias();
        float[] a = ws.sumA.row(0);
        float[] b = ws.sumB.row(0);
        Arrays.fill(previous.row(0), 0f);
        for (int t = 0; t < steps; t++) {
            System.arraycopy(ws.x.row(t), 0, ws.inRow.row(0), 0, nIn);
            Kernels.combineRows(ws.inRow, wih, ws.nonzero, ws.sumA);
            if (t == 0) {
                Arrays.fill(b, 0f);
            } else {
                System.arraycopy(previous.row(t), 0, ws.hiddenRow.row(0), 0, n);
                Kernels.combineRows(ws.hiddenRow, whh, ws.nonzero, ws.sumB);
            }
            float[] st = states.row(t);
            float[] dt = derivs.row(t);
            for (int j = 0; j < n; j++) {
                float h = (a[j] * si + b[j] * sh) + bh[j];
                st[j] = phi.apply(h);
                dt[j] = phi.derivative(h);
            }
            if (t + 1 < steps) {
                System.arraycopy(st, 0, previous.row(t + 1), 0, n);
            }
        }
    }

    /** The live read-out: fills {@code outputs} and, for a labelled sequence, {@code e_t}; returns the mean step loss. */
    private double readout(SequenceSample s, float[] outputs, int steps) {
        RowMatrix who = model.live().weightT(RnnMatrix.READOUT);
        float[] bo = model.live().outputBias();
        float[] y = ws.outSum.row(0);
        double loss = 0;
        for (int t = 0; t < steps; t++) {
            System.arraycopy(ws.s.row(t), 0, ws.hiddenRow.row(0), 0, n);
            Kernels.combineRows(ws.hiddenRow, who, ws.nonzero, ws.outSum);
            float[] et = ws.e.row(t);
            double stepLoss = 0;
            for (int k = 0; k < nOut; k++) {
                float yk = y[k] * sh + bo[k];
                outputs[t * nOut + k] = yk;
                if (s.isLabelled()) {
                    float target = s.target(t, k);
                    et[k] = yk - target;
                    double d = (double) yk - target;
                    stepLoss += 0.5 * d * d;
                }
            }
            loss += stepLoss;
        }
        return loss / steps;
    }

    /** The rule's backward pass over the trajectory in the workspace, added to the pending sums. */
    private void accumulate(RuleName rule, Activation phi, int steps) {
        RnnPendingBatch p = model.pending();
        RnnParameters g = p.gradient();
        boolean track = model.alignment() != null;
        if (rule == RuleName.ALIGN_ZERO || rule == RuleName.ALIGN_ADA || track) {
            forward(model.frozen().initial(), phi, ws.s0, ws.s0Prev, ws.deriv0, steps);
            frozenBackward(steps, rule == RuleName.ALIGN_ADA);
        }
        switch (rule) {
            case BP -> {
                liveBackward(steps);
                addHidden(g, ws.sPrev, ws.delta);
                addReadout(g, ws.s);
            }
            case ALIGN_ZERO -> {
                addHidden(g, ws.s0Prev, ws.c);
                addReadout(g, ws.s0);
            }
            case ALIGN_ADA -> {
                addHidden(g, ws.sPrev, ws.delta);
                addReadout(g, ws.s);
            }
            case READOUT -> addReadout(g, ws.s);
            default -> throw new IllegalStateException("rule " + rule + " is not defined for RNNs");
        }
        if (p.prediction() != null) {
            RnnParameters q = p.prediction();
            Kernels.addOuter(q.weightT(RnnMatrix.INPUT), si, ws.x, ws.c);
            Kernels.addOuter(q.weightT(RnnMatrix.RECURRENT), sh, ws.s0Prev, ws.c);
            Kernels.addOuter(q.weightT(RnnMatrix.READOUT), sh, ws.s0, ws.e);
        }
    }

    /** {@code G_ih += sum signal_t x_t^T si}, {@code G_hh += sum signal_t prev_t^T sh}, {@code G_bh += sum signal_t}. */
    private void addHidden(RnnParameters g, RowMatrix previous, RowMatrix signal) {
        Kernels.addOuter(g.weightT(RnnMatrix.INPUT), si, ws.x, signal);
        Kernels.addOuter(g.weightT(RnnMatrix.RECURRENT), sh, previous, signal);
        Kernels.addColumnSums(g.hiddenBias(), 1f, signal);
    }

    /** {@code G_ho += sum e_t states_t^T sh}, {@code G_bo += sum e_t}. */
    private void addReadout(RnnParameters g, RowMatrix states) {
        Kernels.addOuter(g.weightT(RnnMatrix.READOUT), sh, states, ws.e);
        Kernels.addColumnSums(g.outputBias(), 1f, ws.e);
    }

    /**
     * BPTT in the frozen copy driven by the live errors: {@code c_t} for every step and, for
     * align-ada, the live signal {@code delta_t = phi'(h_t) * d_t}.
     */
    private void frozenBackward(int steps, boolean liveSignal) {
        RowMatrix w0ho = model.frozen().readoutRows();
        RowMatrix w0hh = model.frozen().recurrentRows();
        float[] a = ws.sumA.row(0);
        float[] b = ws.sumB.row(0);
        for (int t = steps - 1; t >= 0; t--) {
            System.arraycopy(ws.e.row(t), 0, ws.outRow.row(0), 0, nOut);
            Kernels.combineRows(ws.outRow, w0ho, ws.nonzero, ws.sumA);
            if (t == steps - 1) {
                Arrays.fill(b, 0f);
            } else {
                System.arraycopy(ws.c.row(t + 1), 0, ws.hiddenRow.row(0), 0, n);
                Kernels.combineRows(ws.hiddenRow, w0hh, ws.nonzero, ws.sumB);
            }
            float[] ct = ws.c.row(t);
            float[] g0 = ws.deriv0.row(t);
            float[] g = ws.deriv.row(t);
            float[] dl = ws.delta.row(t);
            for (int j = 0; j < n; j++) {
                float d = (a[j] + b[j]) * sh;
                ct[j] = g0[j] == 0f ? 0f : g0[j] * d;
                if (liveSignal) {
                    dl[j] = g[j] == 0f ? 0f : g[j] * d;
                }
            }
        }
    }

    /** BPTT through the live weights ({@code bp}): {@code delta_t} for every step. */
    private void liveBackward(int steps) {
        RnnParameters live = model.live();
        RowMatrix whoT = live.weightT(RnnMatrix.READOUT);
        RowMatrix whhT = live.weightT(RnnMatrix.RECURRENT);
        float[] a = ws.sumA.row(0);
        float[] b = ws.sumB.row(0);
        for (int t = steps - 1; t >= 0; t--) {
            // gate: phi'(h_t) itself, read through relu's derivative, i.e. 1 where phi'(h_t) > 0 and 0
            // elsewhere: the dot products of units whose derivative is 0 are skipped (their delta is 0
            // anyway), the others come out exactly (1 * dot)
            float[] g = ws.deriv.row(t);
            System.arraycopy(g, 0, ws.gateRow.row(0), 0, n);
            System.arraycopy(ws.e.row(t), 0, ws.outRow.row(0), 0, nOut);
            Kernels.backwardTransposed(whoT, ws.outRow, 1f, ws.gateRow, Activation.RELU,
                    ws.tile, ws.tileAcc, ws.products, ws.sumA);
            if (t == steps - 1) {
                Arrays.fill(b, 0f);
            } else {
                System.arraycopy(ws.delta.row(t + 1), 0, ws.hiddenRow.row(0), 0, n);
                Kernels.backwardTransposed(whhT, ws.hiddenRow, 1f, ws.gateRow, Activation.RELU,
                        ws.tile, ws.tileAcc, ws.products, ws.sumB);
            }
            float[] dl = ws.delta.row(t);
            for (int j = 0; j < n; j++) {
                float d = (a[j] + b[j]) * sh;
                dl[j] = g[j] == 0f ? 0f : g[j] * d;
            }
        }
    }

    /** Applies {@code -eta / count} times the pending sums, or nothing; returns the reason on rejection. */
    private String apply(int count) {
        RnnPendingBatch p = model.pending();
        RnnParameters g = p.gradient();
        RnnParameters live = model.live();
        if (!Kernels.allFinite(g.outputBias())) {
            return "non-finite output error (the network's output overflowed)";
        }
        float maxG = g.maxAbs();
        if (!Float.isFinite(maxG)) {
            return "non-finite gradient (the network's states overflowed)";
        }
        float eta = model.config().base().learningRate();
        float alpha = (float) (-(double) eta / count);
        boolean readoutOnly = model.config().rule() == RuleName.READOUT;
        if (Double.isNaN(weightBound)) {
            weightBound = live.maxAbs();
        }
        double change = (double) eta / count * maxG;
        if (weightBound + change < SAFE_LIMIT) {
            addScaled(live, alpha, g, readoutOnly);
            weightBound += change;
        } else {
            if (backup == null) {
                backup = live.copy();
            } else {
                backup.setTo(live);
            }
            addScaled(live, alpha, g, readoutOnly);
            if (!live.isFinite()) {
                live.setTo(backup);
                return "update would make the weights non-finite (divergence; try a smaller learning rate)";
            }
            weightBound = live.maxAbs();
        }
        RnnAlignmentTracker tracker = model.alignment();
        if (tracker != null) {
            RnnParameters increment = p.prediction() != null ? p.prediction() : g;
            for (RnnMatrix m : RnnMatrix.values()) {
                addScaled(tracker.predictedT(m), 1f, increment.weightT(m));
            }
        }
        return null;
    }

    /** {@code target += alpha * g} for every learning tensor (read-out only for {@code readout}). */
    private static void addScaled(RnnParameters target, float alpha, RnnParameters g, boolean readoutOnly) {
        for (RnnMatrix m : RnnMatrix.values()) {
            if (readoutOnly && m != RnnMatrix.READOUT) {
                continue;
            }
            addScaled(target.weightT(m), alpha, g.weightT(m));
            if (target.bias(m) != null) {
                addScaled(target.bias(m), alpha, g.bias(m));
            }
        }
    }

    private static void addScaled(RowMatrix target, float alpha, RowMatrix g) {
        for (int r = 0; r < target.numRows(); r++) {
            addScaled(target.row(r), alpha, g.row(r));
        }
    }

    private static void addScaled(float[] y, float alpha, float[] x) {
        for (int j = 0; j < y.length; j++) {
            y[j] += alpha * x[j];
        }
    }

    /** Rejects sequences that do not fit the model before anything is touched. */
    private static void check(SequenceSample s, RnnConfig c) {
        if (s.inputWidth() != c.inputSize()) {
            throw new IllegalArgumentException("expected " + c.inputSize() + " inputs per step, found " + s.inputWidth());
        }
        if (s.steps() > c.maxSteps()) {
            throw new IllegalArgumentException("sequence of " + s.steps() + " steps exceeds the model's max_steps "
                    + c.maxSteps());
        }
        if (!Kernels.allFinite(s.inputs())) {
            throw new IllegalArgumentException("sequence contains NaN or Infinity");
        }
        if (s.targets() != null) {
            if (s.targetWidth() != c.outputSize()) {
                throw new IllegalArgumentException("expected targets of " + c.outputSize() + " values per step, found "
                        + s.targetWidth());
            }
            if (!Kernels.allFinite(s.targets())) {
                throw new IllegalArgumentException("targets contain NaN or Infinity");
            }
        }
    }
}
