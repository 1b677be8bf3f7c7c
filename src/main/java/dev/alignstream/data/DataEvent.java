package dev.alignstream.data;

/**
 * One line of a data file or one record of the samples topic, as SPEC sections 7 and 8 define
 * them: a {@link Sample} (features, with or without a label), a {@link LabelRecord} (a label
 * that completes an earlier sample with the same id) or, for an RNN, a {@link SequenceSample}.
 */
public interface DataEvent {

    /** The user's id of the sample this event is about, or null. */
    String id();
}
