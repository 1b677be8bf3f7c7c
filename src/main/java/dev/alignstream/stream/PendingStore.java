package dev.alignstream.stream;

import dev.alignstream.data.Sample;
import dev.alignstream.delayed.LabelWait;
import dev.alignstream.delayed.PendingSamples;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The samples of one task's streams that wait for a delayed label (SPEC section 8), kept in a
 * changelogged, disk-backed store so that a crash loses none and matches none twice, with the
 * expiry rules of {@link PendingSamples} held in memory per stream.
 *
 * <p>Keys: {@code p|stream|id} a waiting sample (arrival number, record time, the sample, and
 * each model's served output and version); {@code c|stream|id} an id whose label came (arrival
 * number, time), for telling a second label from an unmatched one; {@code t|stream} the stream's
 * time; {@code n|stream} the next arrival number.
 *
 * <p>Contract (what exactly-once relies on):
 * <ul>
 *   <li>Every change is a write to the store made on the stream thread while processing the
 *       record that caused it, so it commits atomically with that record's offset and outputs.</li>
 *   <li>{@link #PendingStore construction} rebuilds the in-memory sets from the store alone, in
 *       arrival order, so after a restart the same records meet the same pending set.</li>
 *   <li>Expiry depends only on the records of the stream (their order and times), never on the
 *       wall clock: a stream's samples expire as that stream's records arrive.</li>
 * </ul>
 */
final class PendingStore {

    /** One model's answer when the sample was served. */
    record Served(String modelId, long version, float[] output) {
    }

    /** A sample waiting for its label. */
    record Pending(long time, Sample sample, List<Served> served) {

        Served servedBy(String modelId) {
            for (Served s : served) {
                if (s.modelId().equals(modelId)) {
                    return s;
                }
            }
            return null;
        }
    }

    /** What a label found. */
    sealed interface Match {
    }

    record Completed(Pending pending) implements Match {
    }

    record Duplicate() implements Match {
    }

    record Unmatched() implements Match {
    }

    private final KeyValueStore<String, byte[]> store;
    private final LabelWait wait;
    private final BiConsumer<String, Long> onExpired;
    private final Map<String, PendingSamples<Long>> streams = new HashMap<>();
    private final Map<String, long[]> nextSeq = new HashMap<>();

    /**
     * @param onExpired told (stream, record time of the sample) for each sample that expires
     */
    PendingStore(KeyValueStore<String, byte[]> store, LabelWait wait, BiConsumer<String, Long> onExpired) {
        this.store = store;
        this.wait = wait;
        this.onExpired = onExpired;
        rebuild();
    }

    private PendingSamples<Long> set(String stream) {
        return streams.computeIfAbsent(stream, s -> new PendingSamples<>(wait, new PendingSamples.Events<>() {
            @Override
            public void expired(PendingSamples.Entry<Long> e) {
                store.delete(pendingKey(s, e.id()));
                onExpired.accept(s, e.time());
            }

            @Override
            public void forgotten(String id) {
                store.delete(completedKey(s, id));
            }
        }));
    }

    /** Applies the stream's time to expiry; returns whether a sample with {@code id} waits now. */
    boolean advanceAndContains(String stream, long time, String id) {
        PendingSamples<Long> p = streams.get(stream);
        if (p == null) {
            return false;
        }
        advance(stream, p, time);
        return id != null && p.contains(id);
    }

    /** Keeps a served sample; the caller checked with {@link #advanceAndContains} that its id is free. */
    void add(String stream, long time, Sample sample, List<Served> served) {
        PendingSamples<Long> p = set(stream);
        long seq = next(stream);
        if (!p.add(sample.id(), time, seq)) {
            throw new IllegalStateException("sample id '" + sample.id() + "' already waits on stream " + stream);
        }
        store.put(pendingKey(stream, sample.id()), encode(seq, time, sample, served));
        storeTime(stream, p);
    }

    /** Finds and removes the sample a label completes. */
    Match take(String stream, String id, long time) {
        PendingSamples<Long> p = streams.get(stream);
        if (p == null) {
            return new Unmatched();
        }
        long before = p.streamTime();
        PendingSamples.Match<Long> m = p.take(id, time);
        if (p.streamTime() != before) {
            storeTime(stream, p);
        }
        if (m instanceof PendingSamples.Completed<Long> c) {
            byte[] bytes = store.get(pendingKey(stream, id));
            store.delete(pendingKey(stream, id));
            store.put(completedKey(stream, id), ByteBuffer.allocate(16).putLong(next(stream)).putLong(time).array());
            return new Completed(decode(bytes));
        }
        return m instanceof PendingSamples.Duplicate<Long> ? new Duplicate() : new Unmatched();
    }

    /** Samples waiting on {@code stream} now. */
    int size(String stream) {
        PendingSamples<Long> p = streams.get(stream);
        return p == null ? 0 : p.size();
    }

    private void advance(String stream, PendingSamples<Long> p, long time) {
        long before = p.streamTime();
        p.advance(time);
        if (p.streamTime() != before) {
            storeTime(stream, p);
        }
    }

    private void storeTime(String stream, PendingSamples<Long> p) {
        store.put("t|" + stream, ByteBuffer.allocate(8).putLong(p.streamTime()).array());
    }

    private long next(String stream) {
        long[] n = nextSeq.computeIfAbsent(stream, s -> {
            byte[] v = store.get("n|" + s);
            return new long[] {v == null ? 0 : ByteBuffer.wrap(v).getLong()};
        });
        long seq = n[0]++;
        store.put("n|" + stream, ByteBuffer.allocate(8).putLong(n[0]).array());
        return seq;
    }

    private static String pendingKey(String stream, String id) {
        return "p|" + stream + "|" + id;
    }

    private static String completedKey(String stream, String id) {
        return "c|" + stream + "|" + id;
    }

    /** Reads every stream's pending samples and completed ids back in arrival order. */
    private void rebuild() {
        record Item(String stream, String id, long seq, long time, boolean pending) {
        }
        List<Item> items = new ArrayList<>();
        Map<String, Long> times = new HashMap<>();
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                String k = kv.key;
                char kind = k.charAt(0);
                int bar = k.indexOf('|', 2);
                String stream = bar < 0 ? k.substring(2) : k.substring(2, bar);
                ByteBuffer b = ByteBuffer.wrap(kv.value);
                switch (kind) {
                    case 'p', 'c' -> items.add(new Item(stream, k.substring(bar + 1), b.getLong(), b.getLong(), kind == 'p'));
                    case 't' -> times.put(stream, b.getLong());
                    default -> { }
                }
            }
        }
        items.sort(Comparator.comparingLong(Item::seq));
        for (Item i : items) {
            if (i.pending()) {
                set(i.stream()).restorePending(i.id(), i.time(), i.seq());
            } else {
                set(i.stream()).restoreCompleted(i.id(), i.time());
            }
        }
        times.forEach((stream, t) -> set(stream).restoreStreamTime(t));
    }

    private static byte[] encode(long seq, long time, Sample sample, List<Served> served) {
        byte[] s = SampleCodec.encode(sample);
        int size = 8 + 8 + 4 + s.length + 4;
        List<byte[]> ids = new ArrayList<>(served.size());
        for (Served v : served) {
            byte[] id = v.modelId().getBytes(StandardCharsets.UTF_8);
            ids.add(id);
            size += 4 + id.length + 8 + 4 + 4 * v.output().length;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putLong(seq).putLong(time).putInt(s.length).put(s).putInt(served.size());
        for (int i = 0; i < served.size(); i++) {
            Served v = served.get(i);
            b.putInt(ids.get(i).length).put(ids.get(i)).putLong(v.version()).putInt(v.output().length);
            for (float x : v.output()) {
                b.putFloat(x);
            }
        }
        return b.array();
    }

    private static Pending decode(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        b.getLong();
        long time = b.getLong();
        byte[] s = new byte[b.getInt()];
        b.get(s);
        int n = b.getInt();
        List<Served> served = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] id = new byte[b.getInt()];
            b.get(id);
            long version = b.getLong();
            float[] out = new float[b.getInt()];
            for (int j = 0; j < out.length; j++) {
                out[j] = b.getFloat();
            }
            served.add(new Served(new String(id, StandardCharsets.UTF_8), version, out));
        }
        return new Pending(time, SampleCodec.decode(s), served);
    }
}
