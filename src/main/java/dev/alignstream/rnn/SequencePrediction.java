package dev.alignstream.rnn;

import dev.alignstream.core.Prediction.StepOutcome;

/**
 * What the live RNN said about one sequence, and what learning did with it (SPEC sections 3
 * and 8): an output per step, the prequential score when the sequence had targets, and the
 * step's outcome. Produced by {@link RnnLearner#observe}.
 *
 * @param outputs      {@code y_1..y_T}, row-major {@code T x n_out} (a copy)
 * @param steps        {@code T}
 * @param labelled     whether the sequence carried targets
 * @param loss         mean over steps of {@code 0.5 ||y_t - target_t||^2} before learning; NaN when unlabelled
 * @param samplesSeen  sequences the model has learned from after this call
 * @param step         what happened to the model
 * @param rejectReason why the step was rejected, or null
 */
public record SequencePrediction(float[] outputs, int steps, boolean labelled, double loss, long samplesSeen,
                                 StepOutcome step, String rejectReason) {
}
