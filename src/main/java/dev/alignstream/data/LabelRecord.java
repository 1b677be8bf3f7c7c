package dev.alignstream.data;

/**
 * A delayed label (SPEC section 8): {@code {"id": ..., "label": 3}} or
 * {@code {"id": ..., "target": [...]}} without features. It completes the pending sample with
 * the same id on the same stream; the sample is learned when this record arrives.
 *
 * @param id     id of the pending sample, never null
 * @param label  class label, or null
 * @param target regression target, or null (exactly one of label and target is set)
 */
public record LabelRecord(String id, Integer label, float[] target) implements DataEvent {

    public LabelRecord {
        if (id == null) {
            throw new IllegalArgumentException("a label record needs the id of its sample");
        }
        if ((label == null) == (target == null)) {
            throw new IllegalArgumentException("a label record has exactly one of 'label' and 'target'");
        }
    }

    /** The pending sample's features with this label: what the model learns from. */
    public Sample complete(float[] features) {
        return new Sample(id, features, label, target);
    }
}
