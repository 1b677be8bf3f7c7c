package dev.alignstream.stream;

import dev.alignstream.core.AlignmentGauges;
import dev.alignstream.core.Arch;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.Prediction;
import dev.alignstream.data.BadRecordException;
import dev.alignstream.data.BadRecordReason;
import dev.alignstream.data.DataEvent;
import dev.alignstream.data.SampleValidator;
import dev.alignstream.data.SequenceSample;
import dev.alignstream.io.RnnModelFile;
import dev.alignstream.io.SafetensorsContent;
import dev.alignstream.rnn.RnnConfig;
import dev.alignstream.rnn.RnnLearner;
import dev.alignstream.rnn.RnnModel;
import dev.alignstream.rnn.SequencePrediction;

/**
 * An Elman RNN (SPEC section 3) as the service runs it: sequence records, through
 * {@link RnnLearner}. Its answer for one sequence is a {@link Prediction} whose {@code output}
 * holds the outputs of every step, row-major {@code T x n_out}, and whose {@code loss} is the
 * sequence's prequential loss (mean over steps); there is no class, so {@code predictedClass} is
 * -1 and {@code correct} false.
 */
final class RnnServedModel implements ServedModel {

    private final RnnLearner learner;

    RnnServedModel(RnnModel model) {
        this.learner = new RnnLearner(model);
    }

    static RnnServedModel create(RnnConfig config) {
        return new RnnServedModel(RnnModel.create(config));
    }

    static RnnServedModel fromContent(SafetensorsContent content) {
        return new RnnServedModel(RnnModelFile.fromContent(content));
    }

    /** The core model, for what only an RNN has (per-matrix gauges, sequence prediction). */
    RnnModel model() {
        return learner.model();
    }

    @Override
    public AlignmentGauges alignmentGauges() {
        return model().alignmentGauges();
    }

    @Override
    public Arch arch() {
        return Arch.RNN;
    }

    @Override
    public ModelConfig config() {
        return model().config().base();
    }

    @Override
    public ModelSpec spec(String id, String stream) {
        return ModelSpec.rnn(id, stream, model().config(), paused());
    }

    @Override
    public RnnModel state() {
        return model();
    }

    @Override
    public BadRecordException fits(DataEvent record) {
        if (!(record instanceof SequenceSample s)) {
            return new BadRecordException(BadRecordReason.MISSING_SEQUENCE, "this RNN model learns sequence records"
                    + " {\"sequence\": [[...], ...], \"targets\": [[...], ...]}, not samples with 'features'");
        }
        RnnConfig c = model().config();
        try {
            SampleValidator.checkSequence(s, c.inputSize(), c.outputSize(), c.maxSteps());
        } catch (BadRecordException e) {
            return e;
        }
        long bound = PredictionJson.sequenceBound(s.steps(), c.outputSize(), s.isLabelled());
        if (bound > TaskModels.MAX_JOURNAL_ENTRY_BYTES) {
            return new BadRecordException(BadRecordReason.OVERSIZE, "the prediction record of " + s.steps()
                    + " steps of " + c.outputSize() + " outputs could take " + bound + " bytes, more than "
                    + TaskModels.MAX_JOURNAL_ENTRY_BYTES + " (a record must stay under 1 MB): send shorter sequences");
        }
        return null;
    }

    @Override
    public Prediction observe(DataEvent record) {
        return asPrediction(learner.observe((SequenceSample) record));
    }

    @Override
    public Prediction evaluate(DataEvent record) {
        return asPrediction(learner.evaluate((SequenceSample) record));
    }

    /** Outputs of one sequence as the service's common answer (see the class comment). */
    static Prediction asPrediction(SequencePrediction p) {
        return new Prediction(p.outputs(), -1, p.labelled(), p.loss(), false, p.samplesSeen(), p.step(),
                p.rejectReason());
    }

    @Override
    public Prediction scoreServed(float[] served, DataEvent labelled, Prediction learned) {
        throw new IllegalStateException("delayed labels complete feature samples; an RNN learns whole sequences");
    }

    @Override
    public byte[] snapshotBytes() {
        return RnnModelFile.toSnapshotBytes(model());
    }

    @Override
    public byte[] exportBytes() {
        return RnnModelFile.toBytes(model());
    }
}
