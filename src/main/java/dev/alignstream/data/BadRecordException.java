package dev.alignstream.data;

/** A record that cannot be used, with the machine-readable reason and a message for people. */
public final class BadRecordException extends RuntimeException {

    private final BadRecordReason reason;

    public BadRecordException(BadRecordReason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public BadRecordReason reason() {
        return reason;
    }
}
