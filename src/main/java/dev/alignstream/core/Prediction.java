package dev.alignstream.core;

/**
 * What the live model said about one sample, and what learning did with it (SPEC sections 4
 * and 8): the output, the predicted class, the prequential score when the sample was labelled,
 * and the step's outcome. Produced by {@link Learner#observe}.
 *
 * @param output         network output {@code f} (a copy)
 * @param predictedClass argmax of {@code f} (always filled; meaningful for classification)
 * @param labelled       whether the sample carried a label or target
 * @param loss           {@code 0.5 ||f - t||^2} before learning, NaN when unlabelled
 * @param correct        classification only: predicted class equals the label
 * @param samplesSeen    samples the model has learned from after this call
 * @param step           what happened to the model
 * @param rejectReason   why the step was rejected, or null
 */
public record Prediction(float[] output, int predictedClass, boolean labelled, double loss, boolean correct,
                         long samplesSeen, StepOutcome step, String rejectReason) {

    /** The fate of the learning step a sample took part in. */
    public enum StepOutcome {
        /** Unlabelled sample: predicted only. */
        NONE,
        /** Labelled, waiting for the rest of its mini-batch. */
        BUFFERED,
        /** The update was applied. */
        APPLIED,
        /** The update would have made parameters non-finite (or the error was non-finite); nothing changed. */
        REJECTED,
        /** The model is paused: predicted, not learned from. */
        PAUSED
    }
}
