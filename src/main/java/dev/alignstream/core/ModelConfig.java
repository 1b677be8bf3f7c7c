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
    /** The largest number of weight layers; deeper nets cost per-layer buffers and bookkeeping for nothing. */
    public static final int MAX_DEPTH = 64;

    /**
     * The contract's defaults for every optional setting, as text: the one place they are
     * written. The model-file metadata, the models-topic JSON and the CLI options all read them
     * (the CLI through picocli's {@code defaultValue}, which needs compile-time constants).
     */
    public static final class Defaults {
        public static final String ACTIVATION = "relu";
        public static final String BATCH_SIZE = "1";
        public static final String SEED = "7";
        public static final String TARGET_OFFSET = "0";
        public static final String INPUT_SCALE = "1";
        public static final String TRACK_ALIGNMENT = "true";

        private Defaults() {
        }
    }

    public ModelConfig {
        layers = layers.clone();
        if (layers.length < 2) {
            throw new IllegalArgumentException("layers needs at least an input and an output size, got "
                    + Arrays.toString(layers));
        }
        if (layers.length - 1 > MAX_DEPTH) {
            throw new IllegalArgumentException("at most " + MAX_DEPTH + " weight layers, got " + (layers.length - 1));
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
        return fromMetadata(Map.of("layers", Arrays.stream(layers).mapToObj(Integer::toString)
                .collect(Collectors.joining(",")), "rule", rule.id(), "learning_rate", Float.toString(learningRate)));
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
            if (s.split(",", -1).length > MAX_DEPTH + 1) {
                throw new IllegalArgumentException("at most " + MAX_DEPTH + " weight layers, got '" + abbreviate(s) + "'");
            }
            return Arrays.stream(s.split(",", -1)).map(String::trim).mapToInt(Integer::parseInt).toArray();
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

    /**
     * Reads {@link #toMetadata()}, strictly: {@code layers}, {@code rule} and
     * {@code learning_rate} are required, absent optional keys take {@link Defaults}, and a value
     * that is not exactly of its type ({@code "abc"} or {@code "2.9"} for an integer,
     * {@code "yes"} for a boolean) is refused with an IllegalArgumentException naming the key,
     * never coerced. Keys it does not know (state such as {@code samples_seen}) are ignored.
     */
    public static ModelConfig fromMetadata(Map<String, String> m) {
        String layers = m.get("layers");
        String rule = m.get("rule");
        String lr = m.get("learning_rate");
        if (layers == null || rule == null || lr == null) {
            throw new IllegalArgumentException("model config needs 'layers', 'rule' and 'learning_rate'");
        }
        return new ModelConfig(
                parseLayers(layers),
                Activation.parse(m.getOrDefault("activation", Defaults.ACTIVATION)),
                RuleName.parse(rule),
                parseFloat("learning_rate", lr),
                parseInt("batch_size", m.getOrDefault("batch_size", Defaults.BATCH_SIZE)),
                parseLong("seed", m.getOrDefault("seed", Defaults.SEED)),
                parseFloat("target_offset", m.getOrDefault("target_offset", Defaults.TARGET_OFFSET)),
                parseFloat("input_scale", m.getOrDefault("input_scale", Defaults.INPUT_SCALE)),
                parseBoolean("track_alignment", m.getOrDefault("track_alignment", Defaults.TRACK_ALIGNMENT)));
    }

    /** A decimal number as Java writes floats ({@code 0.05}, {@code -1e-3}); no hex, suffix, NaN or spaces. */
    private static final java.util.regex.Pattern DECIMAL =
            java.util.regex.Pattern.compile("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?");

    static float parseFloat(String key, String v) {
        if (v == null || v.length() > 64 || !DECIMAL.matcher(v).matches()) {
            throw new IllegalArgumentException("'" + key + "' must be a decimal number, got '" + abbreviate(v) + "'");
        }
        return Float.parseFloat(v);
    }

    static int parseInt(String key, String v) {
        long x = parseLong(key, v);
        if (x < Integer.MIN_VALUE || x > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("'" + key + "' is out of range: " + v);
        }
        return (int) x;
    }

    static long parseLong(String key, String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + key + "' must be an integer, got '" + abbreviate(v) + "'");
        }
    }

    static boolean parseBoolean(String key, String v) {
        if ("true".equals(v) || "false".equals(v)) {
            return Boolean.parseBoolean(v);
        }
        throw new IllegalArgumentException("'" + key + "' must be true or false, got '" + abbreviate(v) + "'");
    }

    private static String abbreviate(String s) {
        return s == null ? "null" : s.length() <= 64 ? s : s.substring(0, 64) + "...";
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
