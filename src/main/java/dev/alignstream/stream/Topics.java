package dev.alignstream.stream;

/**
 * The topics the service reads and writes (SPEC sections 8 and 9), with the defaults users get
 * when they configure nothing. {@code labels} carries delayed labels and must have as many
 * partitions as {@code samples} (a label is keyed by its stream id, like its sample).
 */
public record Topics(String samples, String models, String predictions, String deadLetters, String labels) {

    /** Topics with the labels topic named after the samples topic ({@code x.samples} -> {@code x.labels}). */
    public Topics(String samples, String models, String predictions, String deadLetters) {
        this(samples, models, predictions, deadLetters, samples.endsWith("samples")
                ? samples.substring(0, samples.length() - "samples".length()) + "labels" : samples + ".labels");
    }

    public static Topics defaults() {
        return new Topics("alignstream.samples", "alignstream.models", "alignstream.predictions",
                "alignstream.dead-letters", "alignstream.labels");
    }
}
