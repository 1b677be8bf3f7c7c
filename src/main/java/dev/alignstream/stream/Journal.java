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

    Journal(KeyValueStore<String, byte[]> store) {
        this.store = store;
    }

    private static String key(String stream, long seq) {
        return String.format("j|%s|%020d", stream, seq);
    }

    /** The next position of the stream's journal (0 for a stream never seen). */
    long head(String stream) {
        byte[] h = store.get("h|" + stream);
        return h == null ? 0 : ByteBuffer.wrap(h).getLong();
    }

    /** Appends at {@code seq} (which must be the head) and advances the head. */
    void append(String stream, long seq, JournalEntry e) {
        store.put(key(stream, seq), e.encode());
        store.put("h|" + stream, ByteBuffer.allocate(8).putLong(seq + 1).array());
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

    /** Deletes entries {@code from <= seq < to}. */
    void truncate(String stream, long from, long to) {
        for (long s = from; s < to; s++) {
            store.delete(key(stream, s));
        }
    }

    /** The lowest position still stored, or the head when the journal is empty. */
    long tail(String stream) {
        try (KeyValueIterator<String, byte[]> it = store.range(key(stream, 0), key(stream, Long.MAX_VALUE))) {
            if (it.hasNext()) {
                String k = it.next().key;
                return Long.parseLong(k.substring(k.lastIndexOf('|') + 1));
            }
        }
        return head(stream);
    }
}
