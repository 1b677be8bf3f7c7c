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
    UNSUPPORTED("unsupported"),
    NO_MODEL("no-model"),
    UNKNOWN_MODEL("unknown-model"),
    BAD_CONFIG("bad-config");

    private final String id;

    BadRecordReason(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }
}
