package dev.alignstream.cli;

import dev.alignstream.core.FrozenNetwork;
import dev.alignstream.core.Initializer;
import dev.alignstream.core.Model;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.Parameters;
import dev.alignstream.core.RuleName;
import dev.alignstream.io.ModelFile;
import dev.alignstream.io.RnnModelFile;
import dev.alignstream.io.Safetensors;
import dev.alignstream.io.SafetensorsContent;
import dev.alignstream.rnn.RnnConfig;
import dev.alignstream.rnn.RnnFrozen;
import dev.alignstream.rnn.RnnModel;
import dev.alignstream.rnn.RnnParameters;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * {@code train --init}: a model with the command line's configuration whose parameters come
 * from a file (SPEC section 7). The frozen copy is the file's {@code frozen.*} tensors when it
 * has them, else the file's own parameters; feedback matrices come from the file when present,
 * else from the seed. A partial mini-batch pending in the file stays pending (the same rule as
 * the stream's), so a run continued with {@code --init} learns what one longer run would; it
 * must fit the new batch size.
 */
final class InitialModel {

    private InitialModel() {
    }

    static Model fromFile(Path file, ModelConfig config) throws IOException {
        ModelFile.Contents f = ModelFile.readContents(file);
        if (!Arrays.equals(f.config().layers(), config.layers())) {
            throw new IllegalArgumentException(file + ": layers " + f.config().layersString()
                    + " do not match --layers " + config.layersString());
        }
        Parameters initial = f.frozenParameters() != null ? f.frozenParameters() : f.live().copy();
        RuleName kind = config.rule() == RuleName.FA || config.rule() == RuleName.DFA ? config.rule() : null;
        float[][] feedback = new float[config.depth()][];
        if (kind != null) {
            FrozenNetwork seeded = Initializer.frozen(config);
            for (int l = 1; l <= config.depth(); l++) {
                float[] fromFile = kind == f.config().rule() ? f.feedback()[l - 1] : null;
                feedback[l - 1] = fromFile != null ? fromFile : seeded.feedbackTensor(l);
            }
        }
        Model m = new Model(config, f.live(), new FrozenNetwork(initial, kind, feedback), 0);
        m.restoreCounters(f.samplesSeen(), 0);
        if (f.pendingCount() > 0) {
            if (f.pendingCount() >= config.batchSize()) {
                throw new IllegalArgumentException(file + ": " + f.pendingCount() + " samples wait in its partial mini-batch,"
                        + " which does not fit --batch " + config.batchSize() + " (use --batch " + f.config().batchSize() + ")");
            }
            m.pending().restore(f.pendingFeatures(), f.pendingTargets(), f.pendingCount());
        }
        return m;
    }

    /** The RNN form: live parameters from the file, the frozen copy from its {@code frozen.rnn.*} tensors or else the same parameters. */
    static RnnModel rnnFromFile(Path file, RnnConfig config) throws IOException {
        SafetensorsContent content = Safetensors.read(file);
        if (!RnnModelFile.isRnn(content)) {
            throw new IllegalArgumentException(file + ": not an RNN model file (metadata arch is not rnn)");
        }
        RnnModel f;
        RnnParameters frozen;
        try {
            f = RnnModelFile.fromContent(content);
            frozen = RnnModelFile.frozenParameters(content, f.config());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
        if (!Arrays.equals(f.config().base().layers(), config.base().layers())) {
            throw new IllegalArgumentException(file + ": layers " + f.config().base().layersString()
                    + " do not match --layers " + config.base().layersString());
        }
        RnnParameters initial = frozen != null ? frozen : f.live().copy();
        RnnModel m = new RnnModel(config, f.live(), new RnnFrozen(initial, config), 0);
        m.restoreCounters(f.samplesSeen(), 0);
        return m;
    }
}
