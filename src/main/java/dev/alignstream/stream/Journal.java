package dev.alignstream.stream;

import java.nio.ByteBuffer;
import java.util.function.BiConsumer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Per-stream append-only journals in a changelogged key-value store: entry {@code n} of stream
 * {@code s} is key {@code j|s|n} (zero-padded, so keys sort by position), and {@code h|s} holds
 * the next position. Entries older than every model's snapshot of that stream are deleted.
 */
final class Journal {

    private final KeyValueStore<String, byte[]> store;
    /** Head and tail positions, cached: the store is only read for a stream the first time. */
    private final java.util.Map<String, long[]> positions = new java.util.HashMap<>();

    Journal(KeyValueStore<String, byte[]> store) {
        this.store = store;
    }

    private static String key(String stream, long seq) {
        String n = Long.toString(seq);
        return "j|" + stream + "|" + "0".repeat(20 - n.length()) + n;
    }

    private long[] positions(String stream) {
        return positions.computeIfAbsent(stream, s -> {
            byte[] h = store.get("h|" + s);
            long head = h == null ? 0 : ByteBuffer.wrap(h).getLong();
            return new long[] {head, scanTail(s, head)};
        });
    }

    /** The next position of the stream's journal (0 for a stream never seen). */
    long head(String stream) {
        return positions(stream)[0];
    }

    /** Appends at {@code seq} (which must be the head) and advances the head. */
    void append(String stream, long seq, JournalEntry e) {
        long[] p = positions(stream);
        if (seq != p[0]) {
            throw new IllegalStateException("journal of " + stream + " appended at " + seq + ", head is " + p[0]);
        }
        store.put(key(stream, seq), e.encode());
        store.put("h|" + stream, ByteBuffer.allocate(8).putLong(seq + 1).array());
        p[0] = seq + 1;
    }

    /** Visits entries {@code from <= seq < head} in order. */
    void replay(String stream, long from, BiConsumer<Long, JournalEntry> visitor) {
        try (KeyValueIterator<String, byte[]> it = store.range(key(stream, from), key(stream, Long.MAX_VALUE))) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                long seq = Long.parseLong(kv.key.substring(kv.key.lastIndexOf('|') + 1));
                visitor.accept(seq, JournalEntry.decode(kv.value));
            }
        }
    }

    /** Deletes entries below {@code to} that are still stored. */
    void truncateBelow(String stream, long to) {
        long[] p = positions(stream);
        for (long s = p[1]; s < to; s++) {
            store.delete(key(stream, s));
        }
        p[1] = Math.max(p[1], to);
    }

    private long scanTail(String stream, long head) {
        try (KeyValueIterator<String, byte[]> it = store.range(key(stream, 0), key(stream, Long.MAX_VALUE))) {
            if (it.hasNext()) {
                String k = it.next().key;
                return Long.parseLong(k.substring(k.lastIndexOf('|') + 1));
            }
        }
        return head;
    }
}
