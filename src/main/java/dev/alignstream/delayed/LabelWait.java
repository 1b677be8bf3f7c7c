package dev.alignstream.delayed;

import java.time.Duration;

/**
 * How long and how many samples may wait for their delayed label (SPEC section 8): a sample
 * expires once the stream's record time has moved more than {@code maxWait} past its own time, or
 * when {@code maxPending} younger samples of its stream are waiting. Both bounds hold per stream.
 *
 * @param maxWait    the longest a sample waits, in record time
 * @param maxPending most samples waiting on one stream; the oldest expire first
 */
public record LabelWait(Duration maxWait, int maxPending) {

    /** One hour and 100,000 samples per stream. */
    public static final LabelWait DEFAULT = new LabelWait(Duration.ofHours(1), 100_000);
    /** The largest {@code maxPending} accepted: every pending sample is kept on disk and indexed in memory. */
    public static final int MAX_PENDING_LIMIT = 10_000_000;

    public LabelWait {
        if (maxWait == null || maxWait.isNegative() || maxWait.isZero()) {
            throw new IllegalArgumentException("label wait must be a positive duration, got " + maxWait);
        }
        if (maxPending < 1 || maxPending > MAX_PENDING_LIMIT) {
            throw new IllegalArgumentException("max pending must be in 1.." + MAX_PENDING_LIMIT + ", got " + maxPending);
        }
    }

    public long waitMillis() {
        return maxWait.toMillis();
    }
}
