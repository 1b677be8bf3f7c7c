package dev.alignstream.stream;

import dev.alignstream.core.AlignmentGauges;
import dev.alignstream.core.Arch;
import dev.alignstream.core.Learner;
import dev.alignstream.core.Model;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.Prediction;
import dev.alignstream.data.BadRecordException;
import dev.alignstream.data.BadRecordReason;
import dev.alignstream.data.DataEvent;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SampleValidator;
import dev.alignstream.io.ModelFile;
import dev.alignstream.io.SafetensorsContent;
import dev.alignstream.rules.Rules;

/** An MLP (SPEC sections 1-2) as the service runs it: feature samples, through {@link Learner}. */
final class MlpServedModel implements ServedModel {

    private final Learner learner;

    MlpServedModel(Model model) {
        this.learner = new Learner(model, Rules.of(model.config().rule()));
    }

    static MlpServedModel create(ModelConfig config) {
        return new MlpServedModel(Model.create(config));
    }

    static MlpServedModel fromContent(SafetensorsContent content) {
        return new MlpServedModel(ModelFile.fromContent(content));
    }

    /** The core model, for the computations only an MLP has (forward-only prediction, per-layer gauges). */
    Model model() {
        return learner.model();
    }

    @Override
    public AlignmentGauges alignmentGauges() {
        return model().alignmentGauges();
    }

    @Override
    public Arch arch() {
        return Arch.MLP;
    }

    @Override
    public ModelConfig config() {
        return model().config();
    }

    @Override
    public ModelSpec spec(String id, String stream) {
        return new ModelSpec(id, stream, config(), paused());
    }

    @Override
    public Model state() {
        return model();
    }

    @Override
    public BadRecordException fits(DataEvent record) {
        if (!(record instanceof Sample s)) {
            return new BadRecordException(BadRecordReason.UNSUPPORTED,
                    "a sequence record is for an RNN model (arch rnn); this MLP learns samples with 'features'");
        }
        try {
            SampleValidator.check(s, config().inputSize(), config().outputSize());
            return null;
        } catch (BadRecordException e) {
            return e;
        }
    }

    @Override
    public Prediction observe(DataEvent record) {
        return learner.observe((Sample) record);
    }

    @Override
    public Prediction evaluate(DataEvent record) {
        return learner.evaluate((Sample) record);
    }

    @Override
    public Prediction scoreServed(float[] served, DataEvent labelled, Prediction learned) {
        return learner.scoreServed(served, (Sample) labelled, learned);
    }

    @Override
    public byte[] snapshotBytes() {
        return ModelFile.toSnapshotBytes(model());
    }

    @Override
    public byte[] exportBytes() {
        return ModelFile.toBytes(model());
    }
}
