package dev.alignstream.stream;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Per-stream append-only journals in a changelogged key-value store: entry {@code n} of stream
 * {@code s} is key {@code j|s|n} (zero-padded, so keys sort by position). Entries older than
 * every model's snapshot of that stream are deleted.
 *
 * <p>The head (next position) is not written per entry, which would double the changelog
 * records of every sample. It MUST be derivable from the committed store alone: it is one past
 * the last entry when there is one; a truncation that deletes every entry writes {@code h|s}
 * (the head then) in the same transaction, so an empty journal still knows its head. Reading
 * takes the larger of the two ({@code h|s} may be older than later entries). State written
 * before this rule had {@code h|s} rewritten on every append; it reads the same way.
 */
final class Journal {

    private final KeyValueStore<String, byte[]> store;
    /** Head and tail positions, cached: the store is only read for a stream the first time. */
    private final Map<String, long[]> positions = new HashMap<>();

    Journal(KeyValueStore<String, byte[]> store) {
        this.store = store;
    }

    private static String key(String stream, long seq) {
        StringBuilder b = new StringBuilder(stream.length() + 23).append("j|").append(stream).append('|');
        String n = Long.toString(seq);
        for (int i = n.length(); i < 20; i++) {
            b.append('0');
        }
        return b.append(n).toString();
    }

    private static long seqOf(String key) {
        return Long.parseLong(key.substring(key.lastIndexOf('|') + 1));
    }

    private long[] positions(String stream) {
        return positions.computeIfAbsent(stream, s -> {
            byte[] h = store.get("h|" + s);
            long head = h == null ? 0 : ByteBuffer.wrap(h).getLong();
            long tail = head;
            try (KeyValueIterator<String, byte[]> it = store.range(key(s, 0), key(s, Long.MAX_VALUE))) {
                if (it.hasNext()) {
                    tail = seqOf(it.next().key);
                }
            }
            try (KeyValueIterator<String, byte[]> it = store.reverseRange(key(s, 0), key(s, Long.MAX_VALUE))) {
                if (it.hasNext()) {
                    head = Math.max(head, seqOf(it.next().key) + 1);
                }
            }
            return new long[] {head, tail};
        });
    }

    /** The next position of the stream's journal (0 for a stream never seen). */
    long head(String stream) {
        return positions(stream)[0];
    }

    /** Appends at {@code seq} (which must be the head) and advances the head. */
    void append(String stream, long seq, JournalEntry e) {
        append(stream, seq, e.encode());
    }

    /** Appends an entry already in its stored form ({@link JournalEntry#encode}) at the head {@code seq}. */
    void append(String stream, long seq, byte[] encoded) {
        long[] p = positions(stream);
        if (seq != p[0]) {
            throw new IllegalStateException("journal of " + stream + " appended at " + seq + ", head is " + p[0]);
        }
        store.put(key(stream, seq), encoded);
        p[0] = seq + 1;
    }

    /** Visits entries {@code from <= seq < head} in order. */
    void replay(String stream, long from, BiConsumer<Long, JournalEntry> visitor) {
        try (KeyValueIterator<String, byte[]> it = store.range(key(stream, from), key(stream, Long.MAX_VALUE))) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                visitor.accept(seqOf(kv.key), JournalEntry.decode(kv.value));
            }
        }
    }

    /**
     * The task's list of journaled records whose outputs were not emitted yet (see
     * {@link TaskModels}), or null when there is none. One key for the task, beside the journals.
     */
    byte[] owed() {
        return store.get(OWED);
    }

    void putOwed(byte[] list) {
        store.put(OWED, list);
    }

    void deleteOwed() {
        store.delete(OWED);
    }

    private static final String OWED = "o|";

    /** Deletes entries below {@code to} that are still stored. */
    void truncateBelow(String stream, long to) {
        long[] p = positions(stream);
        if (to <= p[1]) {
            return;
        }
        for (long s = p[1]; s < to; s++) {
            store.delete(key(stream, s));
        }
        p[1] = to;
        if (to >= p[0]) {
            // no entry left to derive the head from: record it (see the class comment)
            store.put("h|" + stream, ByteBuffer.allocate(8).putLong(p[0]).array());
        }
    }
}
