package dev.alignstream.core;

import java.lang.ref.SoftReference;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Draws a model's initial parameters and feedback matrices from its seed (SPEC section 1:
 * {@code W ~ N(0,1)}, {@code b = 0}). {@link java.util.Random}'s Gaussian generator is fixed by
 * its specification, so the same seed and sizes give the same bits on every JVM and machine.
 *
 * <p>Weights are drawn layer by layer, each {@code W^l} in row-major order of the contract's
 * {@code n_l x n_{l-1}} layout, from {@code new Random(seed)}. Feedback matrices come from a
 * second stream {@code new Random(seed ^ FEEDBACK_SALT)}: {@code fa}'s {@code B^l} for
 * {@code l = 2..L}, or {@code dfa}'s {@code D^l} for {@code l = 1..L-1}, each row-major.
 */
public final class Initializer {

    static final long FEEDBACK_SALT = 0x5DEECE66DL * 31L + 0xA11617L;

    private static final Map<String, SoftReference<FrozenNetwork>> SHARED = new ConcurrentHashMap<>();

    private Initializer() {
    }

    /** Fresh live parameters for a config: a private copy, safe to train. */
    public static Parameters initial(ModelConfig config) {
        return frozen(config).initial().copy();
    }

    /**
     * The frozen network for a config, shared between models with the same seed, sizes and
     * feedback kind. Read-only.
     */
    public static FrozenNetwork frozen(ModelConfig config) {
        RuleName feedbackKind = switch (config.rule()) {
            case FA, DFA -> config.rule();
            default -> null;
        };
        String key = config.seed() + "|" + config.layersString() + "|" + feedbackKind;
        SoftReference<FrozenNetwork> ref = SHARED.get(key);
        FrozenNetwork f = ref == null ? null : ref.get();
        if (f == null) {
            f = build(config.layers(), config.seed(), feedbackKind);
            SHARED.put(key, new SoftReference<>(f));
        }
        return f;
    }

    private static FrozenNetwork build(int[] layers, long seed, RuleName feedbackKind) {
        Parameters p = Parameters.zeros(layers);
        Random rnd = new Random(seed);
        int depth = layers.length - 1;
        for (int l = 1; l <= depth; l++) {
            p.setWeight(l, gaussian(rnd, layers[l] * layers[l - 1]));
        }
        float[][] feedback = new float[depth][];
        Random fb = new Random(seed ^ FEEDBACK_SALT);
        if (feedbackKind == RuleName.FA) {
            for (int l = 2; l <= depth; l++) {
                feedback[l - 1] = gaussian(fb, layers[l] * layers[l - 1]);
            }
        } else if (feedbackKind == RuleName.DFA) {
            for (int l = 1; l < depth; l++) {
                feedback[l - 1] = gaussian(fb, layers[l] * layers[depth]);
            }
        }
        return new FrozenNetwork(p, feedbackKind, feedback);
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }
}
