package dev.alignstream.core;

/**
 * Forward-only inference on a model's live parameters, for predictions asked on request: the
 * same forward pass {@link Learner} runs before learning (so the output is bit-identical to the
 * prediction a sample would get), in its own batch-1 {@link Workspace}, so it never touches the
 * learner's buffers, the pending mini-batch or any counter.
 *
 * <p>Not thread-safe: one predictor per thread. It reads the model's parameters without
 * synchronization, so the caller MUST run it where the model is not being updated (in the
 * service: on the model's stream thread, between two samples).
 */
public final class Predictor {

    private final ModelConfig shape;
    private final Workspace ws;

    /** A predictor for models with {@code config}'s layer sizes. */
    public Predictor(ModelConfig config) {
        this.shape = config;
        this.ws = new Workspace(config.layers(), 1);
    }

    /**
     * Writes the model's output {@code f(x)} for one input into {@code out}; nothing else changes.
     *
     * @param model a model with this predictor's layer sizes (not modified)
     * @param x     {@code n_0} finite features (not modified)
     * @param out   receives the {@code n_L} outputs (modified)
     * @throws IllegalArgumentException on a wrong width or a non-finite feature; nothing is computed
     */
    public void predict(Model model, float[] x, float[] out) {
        ModelConfig c = model.config();
        if (!java.util.Arrays.equals(c.layers(), shape.layers())) {
            throw new IllegalArgumentException("model layers " + c.layersString() + " do not match this predictor's "
                    + shape.layersString());
        }
        if (x == null || x.length != c.inputSize()) {
            throw new IllegalArgumentException("expected " + c.inputSize() + " features, found " + (x == null ? 0 : x.length));
        }
        if (!Kernels.allFinite(x)) {
            throw new IllegalArgumentException("features contain NaN or Infinity");
        }
        if (out.length != c.outputSize()) {
            throw new IllegalArgumentException("output buffer has " + out.length + " entries, the model " + c.outputSize());
        }
        ws.rows(1);
        float[] in = ws.input().row(0);
        float scale = c.inputScale();
        for (int i = 0; i < in.length; i++) {
            in[i] = scale * x[i];
        }
        ws.forward(model.live(), c.activation(), false);
        System.arraycopy(ws.a(c.depth()).row(0), 0, out, 0, out.length);
    }

    /** The index of the largest output (the first on ties), as the stream's predictions report it. */
    public static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
