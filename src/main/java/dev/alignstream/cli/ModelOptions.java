package dev.alignstream.cli;

import dev.alignstream.core.Activation;
import dev.alignstream.core.Arch;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import dev.alignstream.rnn.RnnConfig;
import picocli.CommandLine.Option;

/**
 * The model configuration flags shared by {@code train} and {@code models create} (SPEC
 * sections 7 and 9), as a picocli mixin so both commands spell them identically; their defaults
 * are {@link ModelConfig.Defaults}, the same the models topic and model files use.
 */
public final class ModelOptions {

    @Option(names = "--layers", required = true,
            description = "layer sizes, input first, e.g. 784,256,256,10; for --arch rnn n_in,n,n_out, e.g. 1,256,1")
    public String layers;

    @Option(names = "--arch", defaultValue = "mlp",
            description = "mlp (feed-forward) or rnn (Elman recurrent network on sequence records) (default ${DEFAULT-VALUE})")
    public String arch;

    @Option(names = "--max-steps", defaultValue = "" + RnnConfig.DEFAULT_MAX_STEPS,
            description = "rnn only: longest sequence accepted; longer records are refused as oversize (default ${DEFAULT-VALUE})")
    public int maxSteps;

    @Option(names = "--rule", required = true,
            description = "learning rule: bp, align-zero, align-ada, fa, dfa or readout (rnn: not fa, dfa)")
    public String rule;

    @Option(names = "--lr", required = true, description = "learning rate eta")
    public float learningRate;

    @Option(names = "--batch", defaultValue = ModelConfig.Defaults.BATCH_SIZE, description = "mini-batch size B (default ${DEFAULT-VALUE})")
    public int batch;

    @Option(names = "--seed", defaultValue = ModelConfig.Defaults.SEED, description = "seed of the initial weights (default ${DEFAULT-VALUE})")
    public long seed;

    @Option(names = "--activation", defaultValue = ModelConfig.Defaults.ACTIVATION, description = "relu, tanh or identity (default ${DEFAULT-VALUE})")
    public String activation;

    @Option(names = "--target-offset", defaultValue = ModelConfig.Defaults.TARGET_OFFSET,
            description = "added to every entry of a one-hot target, e.g. -0.1 (default ${DEFAULT-VALUE})")
    public float targetOffset;

    @Option(names = "--input-scale", defaultValue = ModelConfig.Defaults.INPUT_SCALE,
            description = "a0 = scale * x; about 3 for MNIST pixels in [0,1] (default ${DEFAULT-VALUE})")
    public float inputScale;

    @Option(names = "--no-alignment", description = "do not track the alignment score (saves one outer product per layer per sample)")
    public boolean noAlignment;

    public Arch arch() {
        return Arch.parse(arch);
    }

    /** The RNN config these flags describe ({@code --arch rnn}); throws IllegalArgumentException with a clear message. */
    public RnnConfig toRnnConfig() {
        return new RnnConfig(toConfig(), maxSteps);
    }

    /** The config these flags describe; throws IllegalArgumentException with a clear message. */
    public ModelConfig toConfig() {
        return new ModelConfig(ModelConfig.parseLayers(layers), Activation.parse(activation), RuleName.parse(rule),
                learningRate, batch, seed, targetOffset, inputScale, !noAlignment);
    }
}
