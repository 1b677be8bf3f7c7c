package dev.alignstream.stream;

import dev.alignstream.core.AlignmentGauges;
import dev.alignstream.core.Arch;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.Prediction;
import dev.alignstream.core.TrainingState;
import dev.alignstream.data.BadRecordException;
import dev.alignstream.data.DataEvent;
import dev.alignstream.io.RnnModelFile;
import dev.alignstream.io.Safetensors;
import dev.alignstream.io.SafetensorsContent;

/**
 * One model as the service runs it, whatever its architecture: the seam between
 * {@link TaskModels} (journal, snapshots, outputs, refusals) and the learning core's
 * {@link dev.alignstream.core.Learner} (MLP, SPEC sections 1-2) or
 * {@link dev.alignstream.rnn.RnnLearner} (Elman RNN, SPEC section 3). Everything the service does
 * to a model goes through here, so both kinds get the same exactly-once treatment.
 *
 * <p>Contract, for both implementations:
 * <ul>
 *   <li>{@link #fits} is a pure function of the record and the model's fixed config: the same
 *       answer live and in a replay. A record it refuses MUST NOT be given to {@link #observe}.</li>
 *   <li>{@link #observe} is deterministic: the same records in the same order give the same
 *       bits. It predicts first and then learns (test-then-train), exactly as offline training.</li>
 *   <li>{@link #snapshotBytes} followed by {@link #fromSnapshot} reproduces the model bit for bit,
 *       including its pending mini-batch, counters and pause flag.</li>
 *   <li>Single-threaded: only the owning stream thread (or a step thread it hands the model to)
 *       calls a model; readers get a {@link #copy}.</li>
 * </ul>
 */
sealed interface ServedModel permits MlpServedModel, RnnServedModel {

    /** A fresh model of the declaration, from its seed. */
    static ServedModel create(ModelSpec spec) {
        ServedModel m = spec.arch() == Arch.RNN ? RnnServedModel.create(spec.rnnConfig()) : MlpServedModel.create(spec.config());
        m.setPaused(spec.paused());
        return m;
    }

    /** The model a snapshot or model file holds (its {@code arch} metadata says which kind). */
    static ServedModel fromSnapshot(byte[] bytes) {
        SafetensorsContent content = Safetensors.read(bytes);
        return RnnModelFile.isRnn(content) ? RnnServedModel.fromContent(content) : MlpServedModel.fromContent(content);
    }

    Arch arch();

    /** The config shared by both kinds: layers, rule, learning rate, batch size, seed, ... */
    ModelConfig config();

    /** The declaration this model satisfies, with its current learning rate and pause flag. */
    ModelSpec spec(String id, String stream);

    /** The core model's counters, pause flag and learning rate (the same for both kinds). */
    TrainingState state();

    default long samplesSeen() {
        return state().samplesSeen();
    }

    default long rejectedSteps() {
        return state().rejectedSteps();
    }

    default boolean paused() {
        return state().paused();
    }

    default void setLearningRate(float lr) {
        state().setLearningRate(lr);
    }

    default void setPaused(boolean paused) {
        state().setPaused(paused);
    }

    /** Why this model cannot use {@code record} (wrong kind, width, length, label range), or null. */
    BadRecordException fits(DataEvent record);

    /** Test-then-train on a record {@link #fits} accepted. */
    Prediction observe(DataEvent record);

    /** Predicts a record {@link #fits} accepted, never learning from it (a served prediction). */
    Prediction evaluate(DataEvent record);

    /**
     * Scores an output served earlier against the delayed label that completed its sample
     * (SPEC section 8, feature samples only).
     */
    Prediction scoreServed(float[] served, DataEvent labelled, Prediction learned);

    /** The compact form kept in the snapshot store (the model file of SPEC section 6 with training state). */
    byte[] snapshotBytes();

    /** The model file of SPEC section 6, as {@code GET /models/{id}/export} returns it. */
    byte[] exportBytes();

    /** A deep copy, for computations that must not run on the owning thread. */
    default ServedModel copy() {
        return fromSnapshot(snapshotBytes());
    }

    /** The model's alignment figures ({@link AlignmentGauges}); on a copy, off the stream thread. */
    AlignmentGauges alignmentGauges();
}
