package dev.alignstream.data;

/**
 * One input sample (SPEC section 8): a feature vector and, optionally, a class label or a
 * regression target. A sample with neither is "predict only". {@code id} is the user's optional
 * sample id, echoed in predictions; it may be null.
 *
 * @param id       optional user id of the sample
 * @param features feature vector {@code x} (not yet multiplied by the model's input scale)
 * @param label    class label, or null
 * @param target   regression target, or null (never both label and target)
 */
public record Sample(String id, float[] features, Integer label, float[] target) implements DataEvent {

    public static Sample classification(float[] features, int label) {
        return new Sample(null, features, label, null);
    }

    public static Sample regression(float[] features, float[] target) {
        return new Sample(null, features, null, target);
    }

    public static Sample unlabelled(float[] features) {
        return new Sample(null, features, null, null);
    }

    public boolean isLabelled() {
        return label != null || target != null;
    }
}
