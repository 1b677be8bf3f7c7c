package dev.alignstream.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads and writes the safetensors format (8-byte little-endian header length, a JSON header,
 * raw little-endian data), float32 only. Output is deterministic — the same tensors and metadata
 * give the same bytes — and round trips are bit-exact, NaN payloads included. Reading checks every
 * length and offset before allocating, so a corrupt or hostile file gets a clear error, not an
 * out-of-memory.
 */
public final class Safetensors {

    /** Headers larger than this are refused (real headers are a few KB). */
    public static final int MAX_HEADER_BYTES = 16 << 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    private Safetensors() {
    }

    public static byte[] write(Map<String, Tensor> tensors, Map<String, String> metadata) {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Tensor t : tensors.values()) {
            ObjectNode o = header.putObject(t.name());
            o.put("dtype", "F32");
            ArrayNode shape = o.putArray("shape");
            for (int d : t.shape()) {
                shape.add(d);
            }
            long end = offset + 4L * t.data().length;
            o.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] headerBytes;
        try {
            headerBytes = JSON.writeValueAsBytes(header);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        int padded = (headerBytes.length + 7) & ~7;
        long total = 8L + padded + offset;
        if (total > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("model too large for one safetensors buffer: " + total + " bytes");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(padded);
        buf.put(headerBytes);
        for (int i = headerBytes.length; i < padded; i++) {
            buf.put((byte) ' ');
        }
        for (Tensor t : tensors.values()) {
            for (float v : t.data()) {
                buf.putInt(Float.floatToRawIntBits(v));
            }
        }
        return buf.array();
    }

    /** Writes to a temporary file beside {@code file} and moves it into place, so no reader sees half a file. */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        byte[] bytes = write(tensors, metadata);
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            Files.write(tmp, bytes);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static SafetensorsContent read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("file too large (" + size + " bytes)");
        }
        return read(Files.readAllBytes(file));
    }

    public static SafetensorsContent read(byte[] bytes) {
        if (bytes.length < 8) {
            throw new IllegalArgumentException("not a safetensors file: " + bytes.length + " bytes, need at least 8");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen = buf.getLong();
        if (headerLen < 2 || headerLen > MAX_HEADER_BYTES || headerLen > bytes.length - 8) {
            throw new IllegalArgumentException("bad safetensors header length " + headerLen + " for a file of "
                    + bytes.length + " bytes");
        }
        JsonNode header;
        try {
            header = JSON.readTree(new String(bytes, 8, (int) headerLen, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("safetensors header is not valid JSON: " + e.getOriginalMessage());
        }
        if (header == null || !header.isObject()) {
            throw new IllegalArgumentException("safetensors header is not a JSON object");
        }
        long dataStart = 8 + headerLen;
        long dataLen = bytes.length - dataStart;
        LinkedHashMap<String, String> metadata = new LinkedHashMap<>();
        LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = header.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode v = e.getValue();
            if (name.equals("__metadata__")) {
                v.fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            String dtype = v.path("dtype").asText("");
            if (!dtype.equals("F32")) {
                throw new IllegalArgumentException("tensor '" + name + "' has dtype " + (dtype.isEmpty() ? "(none)" : dtype)
                        + "; only F32 is supported");
            }
            JsonNode shapeNode = v.path("shape");
            JsonNode offs = v.path("data_offsets");
            if (!shapeNode.isArray() || !offs.isArray() || offs.size() != 2) {
                throw new IllegalArgumentException("tensor '" + name + "' lacks a shape or data_offsets");
            }
            int[] shape = new int[shapeNode.size()];
            long count = 1;
            for (int i = 0; i < shape.length; i++) {
                long d = shapeNode.get(i).asLong(-1);
                if (d < 0 || d > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException("tensor '" + name + "' has a bad dimension " + shapeNode.get(i));
                }
                shape[i] = (int) d;
                count *= d;
                if (count > dataLen) {
                    throw new IllegalArgumentException("tensor '" + name + "' is larger than the file's data");
                }
            }
            long begin = offs.get(0).asLong(-1);
            long end = offs.get(1).asLong(-1);
            if (begin < 0 || end < begin || end > dataLen || end - begin != 4 * count) {
                throw new IllegalArgumentException("tensor '" + name + "' has data_offsets [" + begin + ", " + end
                        + "] that do not fit its shape or the file (" + dataLen + " data bytes)");
            }
            float[] data = new float[(int) count];
            ByteBuffer slice = ByteBuffer.wrap(bytes, (int) (dataStart + begin), (int) (end - begin))
                    .order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < data.length; i++) {
                data[i] = Float.intBitsToFloat(slice.getInt());
            }
            tensors.put(name, new Tensor(name, shape, data));
        }
        return new SafetensorsContent(tensors, metadata);
    }
}
