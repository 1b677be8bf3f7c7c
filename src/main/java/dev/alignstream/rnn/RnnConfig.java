package dev.alignstream.rnn;

import dev.alignstream.core.Arch;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything that determines how an Elman RNN learns (SPEC section 3): the shared
 * {@link ModelConfig} fields, read with {@code layers = n_in,n,n_out} (input width, hidden width,
 * output width), plus the longest sequence the model accepts. {@code target_offset} has no use
 * for sequence targets; {@code input_scale} multiplies every input {@code x_t} as it multiplies an
 * MLP's input. Two models with equal configs fed the same sequences in the same order end with
 * bit-identical parameters.
 *
 * @param base     layers, activation, rule and hyper-parameters
 * @param maxSteps the longest sequence accepted; longer ones are refused as {@code oversize}
 */
public record RnnConfig(ModelConfig base, int maxSteps) {

    public static final int DEFAULT_MAX_STEPS = 10_000;
    /**
     * The largest {@code max_steps} a config may ask for (trajectory buffers grow up to it): the
     * longest sequence the record parser reads.
     */
    public static final int MAX_STEPS_LIMIT = dev.alignstream.data.SampleJson.MAX_SEQUENCE_STEPS;

    public RnnConfig {
        if (base == null) {
            throw new IllegalArgumentException("config is required");
        }
        if (base.layers().length != 3) {
            throw new IllegalArgumentException("an RNN needs layers n_in,n,n_out (input, hidden, output width), got "
                    + base.layersString());
        }
        if (base.rule() == RuleName.FA || base.rule() == RuleName.DFA) {
            throw new IllegalArgumentException("rule " + base.rule().id()
                    + " is not defined for RNNs (use bp, align-zero, align-ada or readout)");
        }
        long n = base.width(1);
        long weights = n * base.inputSize() + n * n + n * base.outputSize();
        if (weights > ModelConfig.MAX_PARAMETERS) {
            throw new IllegalArgumentException("RNN has " + weights + " weights, more than the limit "
                    + ModelConfig.MAX_PARAMETERS);
        }
        if (maxSteps < 1 || maxSteps > MAX_STEPS_LIMIT) {
            throw new IllegalArgumentException("max steps must be in 1.." + MAX_STEPS_LIMIT + ", got " + maxSteps);
        }
    }

    public RnnConfig(ModelConfig base) {
        this(base, DEFAULT_MAX_STEPS);
    }

    /** A config with the contract's defaults (relu, batch 1, seed 7, alignment tracked). */
    public static RnnConfig of(RuleName rule, float learningRate, int nIn, int hidden, int nOut) {
        return new RnnConfig(ModelConfig.of(rule, learningRate, nIn, hidden, nOut));
    }

    public int inputSize() {
        return base.inputSize();
    }

    /** Hidden width {@code n}. */
    public int hidden() {
        return base.width(1);
    }

    public int outputSize() {
        return base.outputSize();
    }

    public RuleName rule() {
        return base.rule();
    }

    public RnnConfig withBase(ModelConfig b) {
        return new RnnConfig(b, maxSteps);
    }

    public RnnConfig withMaxSteps(int m) {
        return new RnnConfig(base, m);
    }

    /** The string metadata of SPEC section 6: the shared keys plus {@code arch=rnn} and {@code max_steps}. */
    public Map<String, String> toMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(Arch.KEY, Arch.RNN.id());
        m.putAll(base.toMetadata());
        m.put("max_steps", Integer.toString(maxSteps));
        return m;
    }

    /** Reads {@link #toMetadata()}; the {@code arch} entry must say {@code rnn}. */
    public static RnnConfig fromMetadata(Map<String, String> m) {
        if (Arch.of(m) != Arch.RNN) {
            throw new IllegalArgumentException("metadata declares arch '" + m.getOrDefault(Arch.KEY, "mlp")
                    + "', not rnn");
        }
        int maxSteps;
        try {
            maxSteps = Integer.parseInt(m.getOrDefault("max_steps", Integer.toString(DEFAULT_MAX_STEPS)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("metadata 'max_steps' is not an integer: " + m.get("max_steps"));
        }
        Map<String, String> shared = new LinkedHashMap<>(m);
        shared.remove(Arch.KEY);
        shared.remove("max_steps");
        return new RnnConfig(ModelConfig.fromMetadata(shared), maxSteps);
    }
}
