package dev.alignstream.core;

import dev.alignstream.data.Sample;

/**
 * Test-then-train on one model (SPEC sections 2 and 4): every labelled sample is first predicted
 * by the live network and scored, then learned from, alone or as part of a mini-batch. This is
 * the single code path for offline {@code train} and the Kafka Streams processor, which is what
 * makes their results bit-identical.
 *
 * <p>A step whose update would leave a non-finite weight (or whose error is already non-finite)
 * is rejected: the model keeps its previous parameters and the outcome says why. To keep that
 * check cheap, the learner keeps an upper bound on each layer's largest weight and only takes a
 * backup copy when an update could come near float32 overflow.
 *
 * <p>At batch size 1 an applied update is {@linkplain DeferredUpdate deferred}: the next forward
 * pass applies it row by row as it reads each weight row ({@link Workspace#forwardApplying}), so
 * the update and the next prediction sweep the weights once instead of twice. Anyone else who
 * reads the parameters first gets it applied by {@link Model#live()}; the bits are those of the
 * immediate update either way ({@code UpdateDeferralTest}).
 */
public final class Learner {

    /** Updates that keep every weight's bound below this cannot overflow float32. */
    private static final double SAFE_LIMIT = 1e30;

    private final Model model;
    private final LearningRule rule;
    private final Workspace ws;
    private final double[] weightBound;
    /** Per-layer bound on this step's change; a field so the step allocates nothing. */
    private final double[] stepBound;
    private final RowMatrix[] scoreSignals;
    private final float[] target;
    private Parameters backup;
    /** This learner's reusable deferred update (batch 1 only, else null). */
    private final DeferredUpdate deferral;

    public Learner(Model model, LearningRule rule) {
        if (rule.name() != model.config().rule()) {
            throw new IllegalArgumentException("rule " + rule.name() + " does not match the model's " + model.config().rule());
        }
        this.model = model;
        this.rule = rule;
        int depth = model.config().depth();
        this.ws = new Workspace(model.config().layers(), model.config().batchSize());
        this.weightBound = new double[depth + 1];
        java.util.Arrays.fill(weightBound, Double.NaN);
        this.stepBound = new double[depth + 1];
        this.scoreSignals = new RowMatrix[depth + 1];
        this.target = new float[model.config().outputSize()];
        this.deferral = ws.hasSpareLive() ? new DeferredUpdate(ws, depth) : null;
    }

    /** Bytes of this learner's step buffers ({@link Workspace}) and divergence backup, if taken. */
    public long workspaceBytes() {
        long b = ws.bytes() + 4L * target.length;
        if (backup != null) {
            for (int l = 1; l <= backup.depth(); l++) {
                b += backup.weightT(l).bytes() + 4L * backup.bias(l).length;
            }
        }
        return b;
    }

    public Model model() {
        return model;
    }

    /**
     * Predicts the sample with the live model and, if it is labelled and the model is not paused,
     * learns from it (immediately at batch size 1, else when its batch is complete).
     *
     * @throws IllegalArgumentException if the sample does not fit the model (width, label range,
     *                                  non-finite values); the model is untouched
     */
    public Prediction observe(Sample s) {
        return observe(s, true);
    }

    /** Predicts and scores the sample without ever learning from it (for {@code evaluate}). */
    public Prediction evaluate(Sample s) {
        return observe(s, false);
    }

    /**
     * Scores an output served earlier against the label that has just arrived for it (delayed
     * labels, SPEC section 8): the prequential score of a delayed sample is that of the
     * prediction the user was given, not of the model as it is now. Touches no parameter.
     *
     * @param served       the output the model gave when the features arrived
     * @param labelled     the sample's features with its label or target
     * @param learned      what learning from {@code labelled} did (its step outcome and samples seen)
     */
    public Prediction scoreServed(float[] served, Sample labelled, Prediction learned) {
        ModelConfig c = model.config();
        check(labelled, c);
        if (served.length != c.outputSize()) {
            throw new IllegalArgumentException("served output has " + served.length + " values, the model "
                    + c.outputSize());
        }
        fillTarget(labelled, c);
        double loss = loss(served, target);
        int predicted = argmax(served);
        boolean correct = labelled.label() != null && predicted == labelled.label();
        return new Prediction(served.clone(), predicted, true, loss, correct, learned.samplesSeen(), learned.step(),
                learned.rejectReason());
    }

    private Prediction observe(Sample s, boolean learn) {
        ModelConfig c = model.config();
        check(s, c);
        ws.rows(1);
        loadInput(s.features(), 0, c.inputScale());
        forwardLive(c.activation());
        int depth = c.depth();
        float[] output = new float[c.outputSize()];
        System.arraycopy(ws.a(depth).row(0), 0, output, 0, output.length);
        int predicted = argmax(output);
        if (!s.isLabelled()) {
            return new Prediction(output, predicted, false, Double.NaN, false, model.samplesSeen(),
                    Prediction.StepOutcome.NONE, null);
        }
        fillTarget(s, c);
        double loss = loss(output, target);
        boolean correct = s.label() != null && predicted == s.label();
        if (!learn || model.paused()) {
            Prediction.StepOutcome o = learn ? Prediction.StepOutcome.PAUSED : Prediction.StepOutcome.NONE;
            return new Prediction(output, predicted, true, loss, correct, model.samplesSeen(), o, null);
        }
        String rejected;
        Prediction.StepOutcome outcome;
        if (c.batchSize() == 1) {
            System.arraycopy(target, 0, ws.target().row(0), 0, target.length);
            rejected = step();
            outcome = rejected == null ? Prediction.StepOutcome.APPLIED : Prediction.StepOutcome.REJECTED;
        } else {
            model.pending().add(s.features(), target);
            if (model.pending().isFull()) {
                rejected = flush();
                outcome = rejected == null ? Prediction.StepOutcome.APPLIED : Prediction.StepOutcome.REJECTED;
            } else {
                rejected = null;
                outcome = Prediction.StepOutcome.BUFFERED;
            }
        }
        return new Prediction(output, predicted, true, loss, correct, model.samplesSeen(), outcome, rejected);
    }

    /**
     * Learns from the pending mini-batch, complete or not. Neither offline training nor the stream
     * calls this for a partial batch (a partial batch stays pending, see {@code OfflineTrainer});
     * it is for callers that own the whole batch, like the step benchmark. Returns null when
     * applied or nothing was pending, else the rejection reason.
     */
    public String flush() {
        PendingBatch p = model.pending();
        int n = p.count();
        if (n == 0) {
            return null;
        }
        ModelConfig c = model.config();
        ws.rows(n);
        for (int b = 0; b < n; b++) {
            loadInput(p.features().row(b), b, c.inputScale());
            System.arraycopy(p.targets().row(b), 0, ws.target().row(b), 0, c.outputSize());
        }
        p.clear();
        forwardLive(c.activation());
        return step();
    }

    /**
     * The live forward pass of the rows in the workspace. An update this learner deferred is
     * applied on the way ({@link Workspace#forwardApplying}): the same bits as applying it first.
     */
    private void forwardLive(Activation phi) {
        DeferredUpdate d = model.takeDeferred();
        if (d == null) {
            ws.forward(model.live(), phi, false);
        } else if (d.owner() == ws) { // only a batch-1 workspace makes one
            ws.forwardApplying(model.liveUnapplied(), phi, d);
        } else {
            d.applyTo(model.liveUnapplied());
            ws.forward(model.live(), phi, false);
        }
    }

    /** The learning step on the rows in the workspace, whose live forward pass is done. */
    private String step() {
        ModelConfig c = model.config();
        Activation phi = c.activation();
        int depth = c.depth();
        int n = ws.rows();
        AlignmentTracker tracker = model.alignment();
        if (rule.usesFrozenPass() || tracker != null) {
            ws.forward(model.frozen().initial(), phi, true);
        }
        RowMatrix e = ws.signal(depth);
        for (int b = 0; b < n; b++) {
            float[] f = ws.a(depth).row(b);
            float[] t = ws.target().row(b);
            float[] eb = e.row(b);
            for (int j = 0; j < eb.length; j++) {
                eb[j] = f[j] - t[j];
            }
        }
        if (!e.allFinite()) {
            return reject("non-finite output error (the network's output overflowed)");
        }
        rule.backward(ws, model.live(), model.frozen(), phi);
        String rejected = update(n, c.learningRate(), tracker);
        if (rejected != null) {
            return reject(rejected);
        }
        model.recordApplied(n);
        return null;
    }

    /**
     * Whether the rule's own backward signal is the align-zero signal the alignment score needs
     * (align-zero and align-ada: frozen weights, frozen derivatives, live error), so the tracked
     * accumulator can reuse it instead of running the frozen backward pass again.
     */
    private boolean signalIsAlignZero() {
        return rule.name() == RuleName.ALIGN_ZERO || rule.name() == RuleName.ALIGN_ADA;
    }

    /** Accumulates the alignment score's {@code P} for an applied step (deferred, see {@link AlignmentTracker}). */
    private void accumulateAlignment(AlignmentTracker tracker) {
        Activation phi = model.config().activation();
        int depth = model.config().depth();
        RowMatrix e = ws.signal(depth);
        if (signalIsAlignZero()) {
            for (int l = 1; l <= depth; l++) {
                scoreSignals[l] = ws.signal(l);
            }
        } else {
            ws.frozenBackward(model.frozen(), phi, true);
            for (int l = 1; l < depth; l++) {
                scoreSignals[l] = ws.alignSignal(l);
            }
            scoreSignals[depth] = e;
        }
        tracker.accumulate(ws, scoreSignals);
    }

    private String reject(String reason) {
        model.recordRejected();
        return reason;
    }

    /**
     * Applies the rule's update to every learning layer, and accumulates the alignment score when
     * tracked, or nothing at all; returns a reason on rejection.
     */
    private String update(int n, float eta, AlignmentTracker tracker) {
        Parameters live = model.live();
        int depth = live.depth();
        int first = rule.firstLearningLayer(depth);
        boolean certainlyFinite = true;
        double[] delta = stepBound;
        for (int l = first; l <= depth; l++) {
            RowMatrix u = rule.updateInput(ws, l);
            RowMatrix g = ws.signal(l);
            float mu = u.maxAbs();
            float mg = g.maxAbs();
            if (!Float.isFinite(mu) || !Float.isFinite(mg)) {
                return "non-finite " + (Float.isFinite(mg) ? "input activity" : "backward signal") + " at layer " + l;
            }
            if (Double.isNaN(weightBound[l])) {
                weightBound[l] = exactBound(live, l);
            }
            delta[l] = (double) eta / n * (n * (double) mu * mg + n * (double) mg);
            if (!(weightBound[l] + delta[l] < SAFE_LIMIT)) {
                certainlyFinite = false;
            }
        }
        if (certainlyFinite) {
            // the common case: nothing can overflow, so no backup is needed
            if (tracker != null) {
                accumulateAlignment(tracker);
            }
            if (deferral != null) { // a batch-1 learner's
                defer(eta, first, depth);
            } else {
                apply(n, eta, first, depth);
            }
            for (int l = first; l <= depth; l++) {
                weightBound[l] += delta[l];
            }
            return null;
        }
        if (backup == null) {
            backup = live.copy();
        }
        for (int l = first; l <= depth; l++) {
            backup.setLayerTo(live, l);
        }
        apply(n, eta, first, depth);
        for (int l = first; l <= depth; l++) {
            if (!live.isFinite(l)) {
                for (int m = first; m <= depth; m++) {
                    live.setLayerTo(backup, m);
                }
                return "update would make layer " + l + " weights non-finite (divergence; try a smaller learning rate)";
            }
        }
        for (int l = first; l <= depth; l++) {
            weightBound[l] = exactBound(live, l);
        }
        if (tracker != null) {
            accumulateAlignment(tracker);
        }
        return null;
    }

    /**
     * Leaves the batch-1 update of layers {@code first..depth} to the next forward pass (or to
     * whoever reads the parameters first, {@link Model#live()}): it refers to this step's inputs and
     * signals, and the live activities move to the workspace's spare set so the next pass cannot
     * overwrite them. Nothing reads the signals or frozen activities before the update is applied.
     */
    private void defer(float eta, int first, int depth) {
        Parameters live = model.liveUnapplied();
        for (int l = first; l <= depth; l++) {
            deferral.set(l, rule.updateInput(ws, l), ws.signal(l), weightFactor(eta, 1, live.weightT(l).numRows()));
        }
        deferral.range(first, biasFactor(eta, 1));
        ws.swapLive();
        model.defer(deferral);
    }

    /** The weight and bias updates of layers {@code first..depth}. */
    private void apply(int n, float eta, int first, int depth) {
        Parameters live = model.live();
        float biasAlpha = biasFactor(eta, n);
        for (int l = first; l <= depth; l++) {
            RowMatrix wt = live.weightT(l);
            float alpha = weightFactor(eta, n, wt.numRows());
            Kernels.addOuter(wt, alpha, rule.updateInput(ws, l), ws.signal(l), ws.coefScratch(), ws.coefRowsScratch());
            Kernels.addColumnSums(live.bias(l), biasAlpha, ws.signal(l));
        }
    }

    /** The weight update's step factor {@code -eta / (B sqrt(n_{l-1}))} (SPEC section 2's NTK scaling). */
    private static float weightFactor(float eta, int n, int inputs) {
        return (float) (-(double) eta / (n * Math.sqrt(inputs)));
    }

    /** The bias update's step factor {@code -eta / B}. */
    private static float biasFactor(float eta, int n) {
        return (float) (-(double) eta / n);
    }

    /** The largest absolute weight or bias of layer {@code l}. */
    private static double exactBound(Parameters p, int l) {
        return Math.max(p.weightT(l).maxAbs(), Kernels.maxAbs(p.bias(l)));
    }

    private void loadInput(float[] src, int row, float scale) {
        float[] dst = ws.input().row(row);
        for (int i = 0; i < dst.length; i++) {
            dst[i] = scale * src[i];
        }
    }

    private void fillTarget(Sample s, ModelConfig c) {
        if (s.label() != null) {
            java.util.Arrays.fill(target, c.targetOffset());
            target[s.label()] = 1f + c.targetOffset();
        } else {
            System.arraycopy(s.target(), 0, target, 0, target.length);
        }
    }

    /** {@code 0.5 ||f - t||^2}, summed in double precision in index order. */
    private static double loss(float[] f, float[] t) {
        double loss = 0;
        for (int j = 0; j < f.length; j++) {
            double d = (double) f[j] - t[j];
            loss += 0.5 * d * d;
        }
        return loss;
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Rejects samples that do not fit the model before anything is touched. */
    private static void check(Sample s, ModelConfig c) {
        float[] x = s.features();
        if (x == null || x.length != c.inputSize()) {
            throw new IllegalArgumentException("expected " + c.inputSize() + " features, found "
                    + (x == null ? 0 : x.length));
        }
        if (!Kernels.allFinite(x)) {
            throw new IllegalArgumentException("features contain NaN or Infinity");
        }
        if (s.label() != null && (s.label() < 0 || s.label() >= c.outputSize())) {
            throw new IllegalArgumentException("label " + s.label() + " outside 0.." + (c.outputSize() - 1));
        }
        if (s.target() != null) {
            if (s.target().length != c.outputSize()) {
                throw new IllegalArgumentException("expected a target of " + c.outputSize() + " values, found "
                        + s.target().length);
            }
            if (!Kernels.allFinite(s.target())) {
                throw new IllegalArgumentException("target contains NaN or Infinity");
            }
        }
    }
}
