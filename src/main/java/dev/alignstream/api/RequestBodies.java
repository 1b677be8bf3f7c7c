package dev.alignstream.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/** Reads request bodies with a size limit, so no client can make the service buffer more than it allows. */
final class RequestBodies {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Most bytes of a refused body read (and dropped) so the client sees the 413. */
    private static final long DRAIN_LIMIT = 8L << 20;
    /** Keeps decimals as written, so a float32 is rounded once from the text (as sample records are). */
    private static final ObjectMapper EXACT = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private RequestBodies() {
    }

    /**
     * The whole body, at most {@code limit} bytes. A declared {@code Content-Length} over the
     * limit is refused before reading; otherwise at most {@code limit + 1} bytes are read.
     *
     * @throws ApiError 413 when the body is larger than {@code limit}
     */
    static byte[] read(HttpExchange ex, int limit) throws IOException {
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            long length;
            try {
                length = Long.parseLong(declared.trim());
            } catch (NumberFormatException e) {
                throw ApiError.badRequest("Content-Length is not a number");
            }
            if (length > limit) {
                drain(ex.getRequestBody());
                throw tooLarge(limit);
            }
        }
        byte[] buf = new byte[Math.min(limit + 1, 8192)];
        int n = 0;
        try (InputStream in = ex.getRequestBody()) {
            while (true) {
                if (n == buf.length) {
                    if (n > limit) {
                        drain(in);
                        throw tooLarge(limit);
                    }
                    buf = Arrays.copyOf(buf, (int) Math.min((long) limit + 1, 2L * buf.length));
                }
                int r = in.read(buf, n, buf.length - n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
        }
        if (n > limit) {
            throw tooLarge(limit);
        }
        return Arrays.copyOf(buf, n);
    }

    /**
     * Reads and drops what is left of a refused body, up to {@link #DRAIN_LIMIT}: a client still
     * sending when the connection closes would often lose the 413 answer. A larger body is cut off.
     */
    private static void drain(InputStream in) throws IOException {
        byte[] skip = new byte[8192];
        long left = DRAIN_LIMIT;
        int r;
        while (left > 0 && (r = in.read(skip, 0, (int) Math.min(skip.length, left))) >= 0) {
            left -= r;
        }
    }

    /** The body as a JSON object. */
    static JsonNode readJsonObject(HttpExchange ex, int limit) throws IOException {
        return parseObject(read(ex, limit));
    }

    static JsonNode parseObject(byte[] body) {
        return parseObject(body, false);
    }

    /**
     * The body as a JSON object; with {@code exactDecimals}, decimal numbers are kept as written
     * (read them with {@link #toFloat}).
     */
    static JsonNode parseObject(byte[] body, boolean exactDecimals) {
        JsonNode o;
        try {
            o = (exactDecimals ? EXACT : JSON).readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiError.badRequest("the body is not valid JSON (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")");
        } catch (IOException e) {
            throw ApiError.badRequest("the body is not valid JSON");
        }
        if (o == null || !o.isObject()) {
            throw ApiError.badRequest("the body must be a JSON object");
        }
        return o;
    }

    /**
     * A JSON number as the nearest float32, rounded once from its decimal text (NaN when the node
     * is not a number; infinite when out of float32 range).
     */
    static float toFloat(JsonNode v) {
        if (!v.isNumber()) {
            return Float.NaN;
        }
        return Float.parseFloat(v.isBigDecimal() ? v.decimalValue().toString() : v.asText());
    }

    private static ApiError tooLarge(int limit) {
        return new ApiError(413, "request body too large", "the limit for this endpoint is " + limit + " bytes");
    }
}
