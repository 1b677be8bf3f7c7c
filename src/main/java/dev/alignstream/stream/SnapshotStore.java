package dev.alignstream.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Model snapshots in a changelogged key-value store, split into chunks well under the broker's
 * default 1 MB record limit (a larger changelog record would abort the whole transaction). A
 * header record per model names its stream, the journal position the snapshot covers and the
 * chunk count.
 */
final class SnapshotStore {

    static final int CHUNK = 512 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A snapshot's header. */
    record Header(String modelId, String stream, long journalSeq, int chunks, int bytes) {
    }

    private final KeyValueStore<String, byte[]> store;

    SnapshotStore(KeyValueStore<String, byte[]> store) {
        this.store = store;
    }

    private static String headerKey(String id) {
        return "m|" + id + "|h";
    }

    private static String chunkKey(String id, int i) {
        return String.format("m|%s|c|%06d", id, i);
    }

    void put(String modelId, String stream, long journalSeq, byte[] bytes) {
        Header old = header(modelId);
        int chunks = (bytes.length + CHUNK - 1) / CHUNK;
        for (int i = 0; i < chunks; i++) {
            store.put(chunkKey(modelId, i), Arrays.copyOfRange(bytes, i * CHUNK, Math.min(bytes.length, (i + 1) * CHUNK)));
        }
        if (old != null) {
            for (int i = chunks; i < old.chunks(); i++) {
                store.delete(chunkKey(modelId, i));
            }
        }
        try {
            store.put(headerKey(modelId), JSON.writeValueAsBytes(new Header(modelId, stream, journalSeq, chunks, bytes.length)));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    Header header(String modelId) {
        byte[] h = store.get(headerKey(modelId));
        return h == null ? null : parseHeader(h);
    }

    private static Header parseHeader(byte[] h) {
        try {
            JsonNode n = JSON.readTree(h);
            return new Header(n.get("modelId").asText(), n.get("stream").asText(), n.get("journalSeq").asLong(),
                    n.get("chunks").asInt(), n.get("bytes").asInt());
        } catch (IOException e) {
            throw new IllegalStateException("corrupt snapshot header", e);
        }
    }

    byte[] read(Header h) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(h.bytes());
        for (int i = 0; i < h.chunks(); i++) {
            byte[] c = store.get(chunkKey(h.modelId(), i));
            if (c == null) {
                throw new IllegalStateException("snapshot of model " + h.modelId() + " lacks chunk " + i);
            }
            out.write(c, 0, c.length);
        }
        return out.toByteArray();
    }

    void delete(String modelId) {
        Header h = header(modelId);
        if (h == null) {
            return;
        }
        for (int i = 0; i < h.chunks(); i++) {
            store.delete(chunkKey(modelId, i));
        }
        store.delete(headerKey(modelId));
    }

    /** Every snapshot header in this task's store. */
    List<Header> headers() {
        List<Header> out = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.range("m|", "m}")) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                if (kv.key.endsWith("|h")) {
                    out.add(parseHeader(kv.value));
                }
            }
        }
        return out;
    }
}
