package dev.alignstream.delayed;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The samples of one stream that were served a prediction and wait for their label, in arrival
 * order, with the expiry rules of {@link LabelWait}. It also remembers, under the same bounds,
 * the ids whose label already came, so that a second label is told apart from a label that
 * matches nothing.
 *
 * <p>Contract:
 * <ul>
 *   <li>Stream time is the largest record time seen by {@link #add} or {@link #take}; records
 *       whose time is unknown ({@link Long#MIN_VALUE}) do not move it and never expire by time.</li>
 *   <li>Expiry runs in arrival order: the oldest arrival is examined first and expiry stops at
 *       the first sample that has not expired, so the outcome depends only on the order and times
 *       of the records, never on the wall clock. Every expired sample is passed to the caller's
 *       consumer exactly once.</li>
 *   <li>At most {@code maxPending} samples wait after any call returns.</li>
 * </ul>
 * Not thread-safe: one stream is handled by one thread.
 *
 * @param <V> what is kept for each sample (its features and the served predictions)
 */
public final class PendingSamples<V> {

    /** A waiting sample. */
    public record Entry<V>(String id, long time, V value) {
    }

    /** What a label found. */
    public sealed interface Match<V> {
    }

    /** The label completes this pending sample, now removed from the pending set. */
    public record Completed<V>(Entry<V> entry) implements Match<V> {
    }

    /** The sample with this id was already learned. */
    public record Duplicate<V>() implements Match<V> {
    }

    /** No sample with this id waits (never seen, or expired). */
    public record Unmatched<V>() implements Match<V> {
    }

    /** What the owner hears about, to mirror the set in a store. Called on the caller's thread. */
    public interface Events<V> {
        /** A sample expired (by time or count) and left the pending set. */
        default void expired(Entry<V> e) {
        }

        /** A completed id is forgotten (older than the wait, or beyond the count): a later label for it is unmatched. */
        default void forgotten(String id) {
        }
    }

    private final LabelWait bounds;
    private final Events<V> events;
    private final LinkedHashMap<String, Entry<V>> pending = new LinkedHashMap<>();
    /** Ids already learned, with their label's time, under the same bounds as the pending ones. */
    private final LinkedHashMap<String, Long> completed = new LinkedHashMap<>();
    private long streamTime = Long.MIN_VALUE;
    private long expiredCount;

    public PendingSamples(LabelWait bounds) {
        this(bounds, new Events<>() { });
    }

    public PendingSamples(LabelWait bounds, Events<V> events) {
        this.bounds = bounds;
        this.events = events;
    }

    /**
     * Keeps a served sample until its label comes. Returns false, keeping nothing, when a sample
     * with this id is already waiting ({@code duplicate-id}).
     */
    public boolean add(String id, long time, V value) {
        advance(time);
        if (pending.containsKey(id)) {
            return false;
        }
        if (completed.remove(id) != null) {
            events.forgotten(id);
        }
        pending.put(id, new Entry<>(id, time, value));
        while (pending.size() > bounds.maxPending()) {
            Iterator<Entry<V>> it = pending.values().iterator();
            expire(it.next(), it);
        }
        return true;
    }

    /** Finds and removes the pending sample a label completes. */
    public Match<V> take(String id, long time) {
        advance(time);
        Entry<V> e = pending.remove(id);
        if (e != null) {
            completed.put(id, time);
            if (completed.size() > bounds.maxPending()) {
                Iterator<String> it = completed.keySet().iterator();
                String oldest = it.next();
                it.remove();
                events.forgotten(oldest);
            }
            return new Completed<>(e);
        }
        return completed.containsKey(id) ? new Duplicate<>() : new Unmatched<>();
    }

    /** Moves stream time to {@code time} (if later) and expires what waited too long. */
    public void advance(long time) {
        if (time != Long.MIN_VALUE && time > streamTime) {
            streamTime = time;
        }
        if (streamTime == Long.MIN_VALUE) {
            return;
        }
        long limit = streamTime - bounds.waitMillis();
        Iterator<Entry<V>> it = pending.values().iterator();
        while (it.hasNext()) {
            Entry<V> e = it.next();
            if (e.time() == Long.MIN_VALUE || e.time() >= limit) {
                break;
            }
            expire(e, it);
        }
        Iterator<Map.Entry<String, Long>> done = completed.entrySet().iterator();
        while (done.hasNext()) {
            Map.Entry<String, Long> d = done.next();
            if (d.getValue() == Long.MIN_VALUE || d.getValue() >= limit) {
                break;
            }
            done.remove();
            events.forgotten(d.getKey());
        }
    }

    private void expire(Entry<V> e, Iterator<Entry<V>> it) {
        it.remove();
        expiredCount++;
        events.expired(e);
    }

    /**
     * Rebuilds the set from a store after a restart: call with the pending samples and the
     * completed ids each in their original arrival order, then the stream time; no expiry runs
     * and no event is reported.
     */
    public void restorePending(String id, long time, V value) {
        pending.put(id, new Entry<>(id, time, value));
    }

    /** See {@link #restorePending}. */
    public void restoreCompleted(String id, long time) {
        completed.put(id, time);
    }

    /** See {@link #restorePending}. */
    public void restoreStreamTime(long time) {
        streamTime = time;
    }

    /** Whether a sample with this id waits now (call {@link #advance} first to apply expiry). */
    public boolean contains(String id) {
        return pending.containsKey(id);
    }

    public int size() {
        return pending.size();
    }

    /** Samples expired so far, by time or by count. */
    public long expired() {
        return expiredCount;
    }

    public long streamTime() {
        return streamTime;
    }
}
