package dev.alignstream.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The sample record of SPEC section 8 as JSON: {@code {"features":[...], "label":3}}, or with
 * {@code "target":[...]}, or neither (predict only), and an optional {@code "id"}. Parsing streams
 * tokens and refuses oversize records and feature lists before allocating for them; numbers
 * that are not finite in float32 are refused too, so nothing downstream sees NaN or Infinity.
 */
public final class SampleJson {

    /** Largest record accepted, in bytes. */
    public static final int MAX_RECORD_BYTES = 4 << 20;
    /** Largest feature or target vector accepted. */
    public static final int MAX_VALUES = 1 << 20;
    /** Longest sample id accepted: ids are kept while their label is pending. */
    public static final int MAX_ID = 256;

    /**
     * The fast float parser (Jackson's port of FastDoubleParser) rounds correctly, so it gives
     * the same bits as {@link Float#parseFloat}, in a fraction of its time: parsing 784 features
     * was about a quarter of the service's time per sample.
     */
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .streamReadConstraints(StreamReadConstraints.builder().maxNumberLength(64).maxStringLength(1 << 16)
                    .maxNestingDepth(8).build())
            .build();

    private SampleJson() {
    }

    /**
     * Parses a sample; a label record (an {@code id} and a label or target, no features) is
     * refused as {@code missing-features}. Use {@link #parseEvent} where labels may arrive late.
     */
    public static Sample parse(byte[] json) {
        DataEvent e = parseEvent(json);
        if (e instanceof Sample s) {
            return s;
        }
        throw new BadRecordException(BadRecordReason.MISSING_FEATURES, "the sample has no 'features' array");
    }

    /** Parses a sample or a delayed label (SPEC section 8). */
    public static DataEvent parseEvent(byte[] json) {
        return parseTimed(json).event();
    }

    /**
     * Parses a sample or a delayed label with its optional {@code "timestamp"} (epoch
     * milliseconds): the record time of a line in a file, where there is no Kafka timestamp.
     */
    public static TimedEvent parseTimed(byte[] json) {
        if (json == null) {
            throw new BadRecordException(BadRecordReason.MALFORMED_JSON, "empty record");
        }
        if (json.length > MAX_RECORD_BYTES) {
            throw new BadRecordException(BadRecordReason.OVERSIZE,
                    "record of " + json.length + " bytes exceeds the limit of " + MAX_RECORD_BYTES);
        }
        try (JsonParser p = FACTORY.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw malformed("a sample must be a JSON object");
            }
            String id = null;
            float[] features = null;
            float[] target = null;
            Integer label = null;
            long time = Long.MIN_VALUE;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                switch (field) {
                    case "features" -> features = floats(p, t, "features");
                    case "target" -> target = t == JsonToken.VALUE_NULL ? null : floats(p, t, "target");
                    case "label" -> label = t == JsonToken.VALUE_NULL ? null : label(p, t);
                    case "id" -> id = t == JsonToken.VALUE_NULL ? null : id(p, t);
                    case "timestamp" -> time = timestamp(p, t);
                    case "sequence", "targets" -> throw new BadRecordException(BadRecordReason.UNSUPPORTED,
                            "sequence (RNN) records are not supported yet; only MLP samples with 'features'");
                    default -> p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw malformed("trailing content after the sample object");
            }
            if (label != null && target != null) {
                throw malformed("a sample has either 'label' or 'target', not both");
            }
            if (features == null) {
                if (id != null && (label != null || target != null)) {
                    return new TimedEvent(new LabelRecord(id, label, target), time);
                }
                throw new BadRecordException(BadRecordReason.MISSING_FEATURES, id == null
                        ? "the sample has no 'features' array"
                        : "the record has an 'id' but neither 'features' (a sample) nor 'label'/'target' (a label)");
            }
            return new TimedEvent(new Sample(id, features, label, target), time);
        } catch (BadRecordException e) {
            throw e;
        } catch (IOException e) {
            String msg = e.getMessage() == null ? "unreadable" : e.getMessage().lines().findFirst().orElse("");
            throw malformed("not valid JSON: " + msg);
        }
    }

    private static String id(JsonParser p, JsonToken t) throws IOException {
        if (t != JsonToken.VALUE_STRING && t != JsonToken.VALUE_NUMBER_INT) {
            throw malformed("'id' must be a string or an integer");
        }
        String s = p.getValueAsString();
        if (s.length() > MAX_ID) {
            throw new BadRecordException(BadRecordReason.OVERSIZE, "'id' is longer than " + MAX_ID + " characters");
        }
        return s;
    }

    private static long timestamp(JsonParser p, JsonToken t) throws IOException {
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw malformed("'timestamp' must be an integer (epoch milliseconds)");
        }
        return p.getLongValue();
    }

    private static Integer label(JsonParser p, JsonToken t) throws IOException {
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw malformed("'label' must be a non-negative integer, found " + p.getText());
        }
        long v = p.getLongValue();
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw new BadRecordException(BadRecordReason.LABEL_OUT_OF_RANGE, "label " + v + " is out of range");
        }
        return (int) v;
    }

    private static float[] floats(JsonParser p, JsonToken t, String field) throws IOException {
        if (t != JsonToken.START_ARRAY) {
            throw malformed("'" + field + "' must be an array of numbers");
        }
        float[] buf = new float[64];
        int n = 0;
        JsonToken x;
        while ((x = p.nextToken()) != JsonToken.END_ARRAY) {
            if (x != JsonToken.VALUE_NUMBER_INT && x != JsonToken.VALUE_NUMBER_FLOAT) {
                if (x == JsonToken.VALUE_STRING && isNonFiniteWord(p.getText())) {
                    throw new BadRecordException(BadRecordReason.NON_FINITE,
                            "'" + field + "'[" + n + "] is " + p.getText());
                }
                throw malformed("'" + field + "'[" + n + "] is not a number: " + p.getText());
            }
            float v = p.getFloatValue();
            if (!Float.isFinite(v)) {
                throw new BadRecordException(BadRecordReason.NON_FINITE,
                        "'" + field + "'[" + n + "] = " + p.getText() + " is not a finite float32");
            }
            if (n == buf.length) {
                if (n >= MAX_VALUES) {
                    throw new BadRecordException(BadRecordReason.OVERSIZE,
                            "'" + field + "' has more than " + MAX_VALUES + " values");
                }
                buf = java.util.Arrays.copyOf(buf, Math.min(MAX_VALUES, n * 2));
            }
            buf[n++] = v;
        }
        return java.util.Arrays.copyOf(buf, n);
    }

    private static boolean isNonFiniteWord(String s) {
        String t = s.trim().toLowerCase(java.util.Locale.ROOT);
        return t.equals("nan") || t.contains("inf");
    }

    private static BadRecordException malformed(String msg) {
        return new BadRecordException(BadRecordReason.MALFORMED_JSON, msg);
    }

    /** Compact JSON that {@link #parse} reads back to the same bits ({@link Float#toString} round-trips). */
    public static byte[] toJson(Sample s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 + 12 * s.features().length);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            if (s.id() != null) {
                g.writeStringField("id", s.id());
            }
            g.writeArrayFieldStart("features");
            for (float v : s.features()) {
                g.writeNumber(v);
            }
            g.writeEndArray();
            if (s.label() != null) {
                g.writeNumberField("label", s.label());
            }
            if (s.target() != null) {
                g.writeArrayFieldStart("target");
                for (float v : s.target()) {
                    g.writeNumber(v);
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
