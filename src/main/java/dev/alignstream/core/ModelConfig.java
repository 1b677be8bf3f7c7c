package dev.alignstream.core;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Everything that determines how a model learns: its layer sizes, activation, rule and
 * hyper-parameters (SPEC sections 1 and 2). Two models with equal configs fed the same samples
 * in the same order end with bit-identical parameters. The config travels with the model: it is
 * written into every model file's metadata and into the models topic, in the spirit of Tribuo's
 * provenance.
 *
 * @param layers          sizes {@code n_0 (input), ..., n_L (output)}, at least two entries
 * @param activation      hidden nonlinearity
 * @param rule            learning rule
 * @param learningRate    {@code eta}
 * @param batchSize       mini-batch size {@code B >= 1}
 * @param seed            seed of the initial (and frozen) parameters and feedback matrices
 * @param targetOffset    added to every entry of a one-hot classification target
 * @param inputScale      {@code a^0 = inputScale * x}
 * @param trackAlignment  whether the alignment score of SPEC section 5 is tracked
 */
public record ModelConfig(
        int[] layers,
        Activation activation,
        RuleName rule,
        float learningRate,
        int batchSize,
        long seed,
        float targetOffset,
        float inputScale,
        boolean trackAlignment) {

    /** The largest layer width accepted; bounds the memory one config can ask for. */
    public static final int MAX_WIDTH = 1 << 16;
    /** The largest number of parameters (weights of all layers) one model may have. */
    public static final long MAX_PARAMETERS = 64L << 20;
    public static final int MAX_BATCH = 4096;

    public ModelConfig {
        layers = layers.clone();
        if (layers.length < 2) {
            throw new IllegalArgumentException("layers needs at least an input and an output size, got "
                    + Arrays.toString(layers));
        }
        long params = 0;
        for (int i = 0; i < layers.length; i++) {
            if (layers[i] < 1 || layers[i] > MAX_WIDTH) {
                throw new IllegalArgumentException("layer size " + layers[i] + " out of range 1.." + MAX_WIDTH);
            }
            if (i > 0) {
                params += (long) layers[i] * layers[i - 1];
            }
        }
        if (params > MAX_PARAMETERS) {
            throw new IllegalArgumentException("model has " + params + " weights, more than the limit "
                    + MAX_PARAMETERS);
        }
        if (!(learningRate >= 0f) || Float.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be finite and >= 0, got " + learningRate);
        }
        if (batchSize < 1 || batchSize > MAX_BATCH) {
            throw new IllegalArgumentException("batch size must be in 1.." + MAX_BATCH + ", got " + batchSize);
        }
        if (!Float.isFinite(targetOffset) || !Float.isFinite(inputScale)) {
            throw new IllegalArgumentException("target offset and input scale must be finite");
        }
        if (activation == null || rule == null) {
            throw new IllegalArgumentException("activation and rule are required");
        }
    }

    /** A config with the contract's defaults: relu, batch 1, seed 7, offset 0, scale 1, alignment on. */
    public static ModelConfig of(RuleName rule, float learningRate, int... layers) {
        return new ModelConfig(layers, Activation.RELU, rule, learningRate, 1, 7L, 0f, 1f, true);
    }

    @Override
    public int[] layers() {
        return layers.clone();
    }

    /** Number of weight layers {@code L}. */
    public int depth() {
        return layers.length - 1;
    }

    public int width(int i) {
        return layers[i];
    }

    public int inputSize() {
        return layers[0];
    }

    public int outputSize() {
        return layers[layers.length - 1];
    }

    public String layersString() {
        return Arrays.stream(layers).mapToObj(Integer::toString).collect(Collectors.joining(","));
    }

    public static int[] parseLayers(String s) {
        try {
            return Arrays.stream(s.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("layers must be comma-separated integers like 784,256,10, got '"
                    + s + "'");
        }
    }

    public ModelConfig withLearningRate(float lr) {
        return new ModelConfig(layers, activation, rule, lr, batchSize, seed, targetOffset, inputScale, trackAlignment);
    }

    public ModelConfig withBatchSize(int b) {
        return new ModelConfig(layers, activation, rule, learningRate, b, seed, targetOffset, inputScale, trackAlignment);
    }

    public ModelConfig withRule(RuleName r) {
        return new ModelConfig(layers, activation, r, learningRate, batchSize, seed, targetOffset, inputScale, trackAlignment);
    }

    public ModelConfig withSeed(long s) {
        return new ModelConfig(layers, activation, rule, learningRate, batchSize, s, targetOffset, inputScale, trackAlignment);
    }

    public ModelConfig withTrackAlignment(boolean t) {
        return new ModelConfig(layers, activation, rule, learningRate, batchSize, seed, targetOffset, inputScale, t);
    }

    public ModelConfig withActivation(Activation a) {
        return new ModelConfig(layers, a, rule, learningRate, batchSize, seed, targetOffset, inputScale, trackAlignment);
    }

    public ModelConfig withTargetOffset(float o) {
        return new ModelConfig(layers, activation, rule, learningRate, batchSize, seed, o, inputScale, trackAlignment);
    }

    public ModelConfig withInputScale(float s) {
        return new ModelConfig(layers, activation, rule, learningRate, batchSize, seed, targetOffset, s, trackAlignment);
    }

    /** The string metadata of SPEC section 6 (without {@code samples_seen}, which is state). */
    public Map<String, String> toMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("rule", rule.id());
        m.put("layers", layersString());
        m.put("activation", activation.id());
        m.put("learning_rate", Float.toString(learningRate));
        m.put("batch_size", Integer.toString(batchSize));
        m.put("seed", Long.toString(seed));
        m.put("target_offset", Float.toString(targetOffset));
        m.put("input_scale", Float.toString(inputScale));
        m.put("track_alignment", Boolean.toString(trackAlignment));
        return m;
    }

    /** Reads {@link #toMetadata()}; absent optional keys take the contract's defaults. */
    public static ModelConfig fromMetadata(Map<String, String> m) {
        String layers = m.get("layers");
        String rule = m.get("rule");
        if (layers == null || rule == null) {
            throw new IllegalArgumentException("model metadata lacks 'layers' or 'rule'");
        }
        try {
            return new ModelConfig(
                    parseLayers(layers),
                    Activation.parse(m.getOrDefault("activation", "relu")),
                    RuleName.parse(rule),
                    Float.parseFloat(m.getOrDefault("learning_rate", "0.05")),
                    Integer.parseInt(m.getOrDefault("batch_size", "1")),
                    Long.parseLong(m.getOrDefault("seed", "7")),
                    Float.parseFloat(m.getOrDefault("target_offset", "0")),
                    Float.parseFloat(m.getOrDefault("input_scale", "1")),
                    Boolean.parseBoolean(m.getOrDefault("track_alignment", "true")));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad number in model metadata: " + e.getMessage());
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelConfig c
                && Arrays.equals(layers, c.layers)
                && activation == c.activation
                && rule == c.rule
                && Float.floatToIntBits(learningRate) == Float.floatToIntBits(c.learningRate)
                && batchSize == c.batchSize
                && seed == c.seed
                && Float.floatToIntBits(targetOffset) == Float.floatToIntBits(c.targetOffset)
                && Float.floatToIntBits(inputScale) == Float.floatToIntBits(c.inputScale)
                && trackAlignment == c.trackAlignment;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(layers) * 31 + rule.hashCode();
    }

    @Override
    public String toString() {
        return "ModelConfig" + toMetadata();
    }
}
