package dev.alignstream.stream;

/**
 * The four topics the service reads and writes (SPEC section 8), with the defaults users get
 * when they configure nothing.
 */
public record Topics(String samples, String models, String predictions, String deadLetters) {

    public static Topics defaults() {
        return new Topics("alignstream.samples", "alignstream.models", "alignstream.predictions",
                "alignstream.dead-letters");
    }
}
