package dev.alignstream.data;

/**
 * Why a record could not be used. The ids are stable: they are the dead-letter topic's
 * {@code reason} header and the {@code reason} tag of the dead-letter metric.
 */
public enum BadRecordReason {
    MALFORMED_JSON("malformed-json"),
    MISSING_FEATURES("missing-features"),
    WRONG_WIDTH("wrong-width"),
    NON_FINITE("non-finite"),
    LABEL_OUT_OF_RANGE("label-out-of-range"),
    TARGET_WIDTH("target-width"),
    OVERSIZE("oversize"),
    /** A sequence record without a {@code sequence} array (or a sequence where a feature vector is needed). */
    MISSING_SEQUENCE("missing-sequence"),
    /** A sequence with no steps, or a step with no values. */
    EMPTY_SEQUENCE("empty-sequence"),
    /** Steps of one sequence (or of its targets) with different widths. */
    RAGGED_SEQUENCE("ragged-sequence"),
    /** {@code targets} with another number of steps than {@code sequence}. */
    TARGETS_LENGTH("targets-length"),
    UNSUPPORTED("unsupported"),
    NO_MODEL("no-model"),
    UNKNOWN_MODEL("unknown-model"),
    BAD_CONFIG("bad-config"),
    /** A label whose sample is not pending: never seen, already expired, or never given an id. */
    UNMATCHED_LABEL("unmatched-label"),
    /** A second label for a sample that was already learned. */
    DUPLICATE_LABEL("duplicate-label"),
    /** A second unlabelled sample with the id of one still pending. */
    DUPLICATE_ID("duplicate-id");

    private final String id;

    BadRecordReason(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }
}
