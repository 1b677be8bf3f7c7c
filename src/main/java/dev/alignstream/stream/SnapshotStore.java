package dev.alignstream.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Model snapshots in a changelogged key-value store, split into chunks well under the broker's
 * default 1 MB record limit (a larger changelog record would abort the whole transaction). A
 * header record per model names its stream and generation, the journal position the snapshot
 * covers, the chunk count, the CRC32C of the snapshot bytes (verified on every read) and the
 * model's fit counters ({@link TaskModels}). Beside the snapshots, a marker per refused model
 * ({@code r|id}) records that a generation of a model was refused as unfit for its stream, so a
 * restore does not bring it back.
 */
final class SnapshotStore {

    static final int CHUNK = 512 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A snapshot's header. {@code generation} and {@code crc} are null in headers written before
     * they existed; {@code fitted} says whether the model has used a sample, {@code unfitRun} how
     * many consecutive samples it could not use before it did.
     */
    record Header(String modelId, String stream, long journalSeq, int chunks, int bytes, Long generation, Long crc,
                  boolean fitted, int unfitRun) {
    }

    /** A committed refusal of one generation of a model. */
    record Refusal(String modelId, long generation, String reason) {
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

    private static String refusalKey(String id) {
        return "r|" + id;
    }

    static long crc(byte[] bytes) {
        CRC32C c = new CRC32C();
        c.update(bytes, 0, bytes.length);
        return c.getValue();
    }

    void put(String modelId, String stream, long generation, long journalSeq, boolean fitted, int unfitRun, byte[] bytes) {
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
        ObjectNode h = JSON.createObjectNode();
        h.put("modelId", modelId);
        h.put("stream", stream);
        h.put("journalSeq", journalSeq);
        h.put("chunks", chunks);
        h.put("bytes", bytes.length);
        h.put("generation", generation);
        h.put("crc32c", crc(bytes));
        h.put("fitted", fitted);
        h.put("unfitRun", unfitRun);
        store.put(headerKey(modelId), h.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    Header header(String modelId) {
        byte[] h = store.get(headerKey(modelId));
        return h == null ? null : parseHeader(h);
    }

    private static Header parseHeader(byte[] h) {
        try {
            JsonNode n = JSON.readTree(h);
            return new Header(n.get("modelId").asText(), n.get("stream").asText(), n.get("journalSeq").asLong(),
                    n.get("chunks").asInt(), n.get("bytes").asInt(),
                    n.hasNonNull("generation") ? n.get("generation").asLong() : null,
                    n.hasNonNull("crc32c") ? n.get("crc32c").asLong() : null,
                    // a header from before the fit counters: the model had been learning
                    n.path("fitted").asBoolean(true), n.path("unfitRun").asInt(0));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("corrupt snapshot header: " + e.getMessage(), e);
        }
    }

    /**
     * The snapshot's bytes, checked against the header's CRC32C.
     *
     * @throws IllegalStateException naming the model when a chunk is missing or the checksum differs
     */
    byte[] read(Header h) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(h.bytes());
        for (int i = 0; i < h.chunks(); i++) {
            byte[] c = store.get(chunkKey(h.modelId(), i));
            if (c == null) {
                throw new IllegalStateException("snapshot of model " + h.modelId() + " lacks chunk " + i);
            }
            out.write(c, 0, c.length);
        }
        byte[] bytes = out.toByteArray();
        if (bytes.length != h.bytes()) {
            throw new IllegalStateException("snapshot of model " + h.modelId() + " has " + bytes.length
                    + " bytes, its header says " + h.bytes());
        }
        if (h.crc() != null && crc(bytes) != h.crc()) {
            throw new IllegalStateException("snapshot of model " + h.modelId() + " is corrupt: CRC32C "
                    + Long.toHexString(crc(bytes)) + " differs from the header's " + Long.toHexString(h.crc())
                    + " (journal position " + h.journalSeq() + ")");
        }
        return bytes;
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

    void putRefusal(String modelId, long generation, String reason) {
        ObjectNode o = JSON.createObjectNode();
        o.put("generation", generation);
        o.put("reason", reason);
        store.put(refusalKey(modelId), o.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    void deleteRefusal(String modelId) {
        store.delete(refusalKey(modelId));
    }

    /** Every refusal marker in this task's store. */
    List<Refusal> refusals() {
        List<Refusal> out = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.range("r|", "r}")) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                try {
                    JsonNode n = JSON.readTree(kv.value);
                    out.add(new Refusal(kv.key.substring(2), n.get("generation").asLong(), n.get("reason").asText()));
                } catch (IOException | RuntimeException e) {
                    throw new IllegalStateException("corrupt refusal marker " + kv.key, e);
                }
            }
        }
        return out;
    }
}
