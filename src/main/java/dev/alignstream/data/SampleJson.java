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
 * Sequence records ({@code {"sequence": [[...], ...], "targets": [[...], ...]}}) are read by
 * {@link #parseSequence}; {@link #parse} refuses them as {@code unsupported}.
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
        // the common shape straight from the bytes; anything else or anything wrong, with Jackson
        TimedEvent fast = SampleJsonFastPath.tryParse(json);
        return fast != null ? fast : parseTimedWithJackson(json);
    }

    /** {@link #parseTimed} without its fast path (the reference the fast path is tested against). */
    static TimedEvent parseTimedWithJackson(byte[] json) {
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
                            "a sequence record is for an RNN model (arch rnn); an MLP sample has 'features'");
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

    /**
     * Parses any record of the samples topic (SPEC section 8): a sample or a delayed label, as
     * {@link #parseTimed}, or a sequence record, as {@link #parseSequence} with the largest
     * length any model may accept ({@link #MAX_SEQUENCE_STEPS}; each model then checks its own
     * {@code max_steps}). A sequence record is recognised by its first {@code "sequence"} or
     * {@code "targets"} field, where the sample parser stops.
     */
    public static TimedEvent parseRecord(byte[] json) {
        try {
            return parseTimed(json);
        } catch (BadRecordException e) {
            if (e.reason() != BadRecordReason.UNSUPPORTED) {
                throw e;
            }
            return new TimedEvent(parseSequence(json, MAX_SEQUENCE_STEPS), TimedEvent.UNKNOWN);
        }
    }

    /** The longest sequence {@link #parseRecord} reads (an RNN's {@code max_steps} cannot exceed it). */
    public static final int MAX_SEQUENCE_STEPS = 1_000_000;

    /**
     * Parses a sequence record {@code {"sequence": [[...], ...], "targets": [[...], ...]}} (SPEC
     * section 8; {@code targets} optional, {@code id} optional). Every step must have the same
     * number of values, {@code targets} (when given) as many steps as {@code sequence}, every
     * number finite in float32; a sequence longer than {@code maxSteps} is refused as oversize as
     * soon as its step {@code maxSteps + 1} is read.
     *
     * @throws BadRecordException naming the reason and the offending step
     */
    public static SequenceSample parseSequence(byte[] json, int maxSteps) {
        if (json == null) {
            throw new BadRecordException(BadRecordReason.MALFORMED_JSON, "empty record");
        }
        if (json.length > MAX_RECORD_BYTES) {
            throw new BadRecordException(BadRecordReason.OVERSIZE,
                    "record of " + json.length + " bytes exceeds the limit of " + MAX_RECORD_BYTES);
        }
        try (JsonParser p = FACTORY.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw malformed("a sequence record must be a JSON object");
            }
            String id = null;
            Steps sequence = null;
            Steps targets = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                switch (field) {
                    case "sequence" -> sequence = steps(p, t, "sequence", maxSteps);
                    case "targets" -> targets = t == JsonToken.VALUE_NULL ? null : steps(p, t, "targets", maxSteps);
                    case "id" -> id = t == JsonToken.VALUE_NULL ? null : id(p, t);
                    case "features", "label", "target" -> throw malformed("a sequence record has 'sequence' and "
                            + "'targets', not '" + field + "'");
                    default -> p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw malformed("trailing content after the sequence object");
            }
            if (sequence == null) {
                throw new BadRecordException(BadRecordReason.MISSING_SEQUENCE, "the record has no 'sequence' array");
            }
            if (sequence.count == 0) {
                throw new BadRecordException(BadRecordReason.EMPTY_SEQUENCE, "'sequence' has no steps");
            }
            if (targets != null && targets.count != sequence.count) {
                throw new BadRecordException(BadRecordReason.TARGETS_LENGTH, "'sequence' has " + sequence.count
                        + " steps but 'targets' has " + targets.count);
            }
            return new SequenceSample(id, sequence.count, sequence.width,
                    java.util.Arrays.copyOf(sequence.values, sequence.count * sequence.width),
                    targets == null ? 0 : targets.width,
                    targets == null ? null : java.util.Arrays.copyOf(targets.values, targets.count * targets.width));
        } catch (BadRecordException e) {
            throw e;
        } catch (IOException e) {
            String msg = e.getMessage() == null ? "unreadable" : e.getMessage().lines().findFirst().orElse("");
            throw malformed("not valid JSON: " + msg);
        }
    }

    /** Steps read so far: {@code count} rows of {@code width} values, flat in {@code values}. */
    private static final class Steps {
        int count;
        int width = -1;
        float[] values = new float[64];
    }

    private static Steps steps(JsonParser p, JsonToken t, String field, int maxSteps) throws IOException {
        if (t != JsonToken.START_ARRAY) {
            throw malformed("'" + field + "' must be an array of steps, each an array of numbers");
        }
        Steps s = new Steps();
        JsonToken row;
        while ((row = p.nextToken()) != JsonToken.END_ARRAY) {
            if (row != JsonToken.START_ARRAY) {
                throw malformed("'" + field + "'[" + s.count + "] must be an array of numbers, found " + p.getText());
            }
            if (s.count == maxSteps) {
                throw new BadRecordException(BadRecordReason.OVERSIZE,
                        "'" + field + "' has more than " + maxSteps + " steps (the limit)");
            }
            int start = s.count * Math.max(s.width, 0);
            int n = 0;
            JsonToken x;
            while ((x = p.nextToken()) != JsonToken.END_ARRAY) {
                String where = "'" + field + "'[" + s.count + "][" + n + "]";
                if (x != JsonToken.VALUE_NUMBER_INT && x != JsonToken.VALUE_NUMBER_FLOAT) {
                    if (x == JsonToken.VALUE_STRING && isNonFiniteWord(p.getText())) {
                        throw new BadRecordException(BadRecordReason.NON_FINITE, where + " is " + p.getText());
                    }
                    throw malformed(where + " is not a number: " + p.getText());
                }
                float v = p.getFloatValue();
                if (!Float.isFinite(v)) {
                    throw new BadRecordException(BadRecordReason.NON_FINITE,
                            where + " = " + p.getText() + " is not a finite float32");
                }
                if (s.width >= 0 && n == s.width) {
                    throw new BadRecordException(BadRecordReason.RAGGED_SEQUENCE, "'" + field + "'[" + s.count
                            + "] has more values than step 0 (" + s.width + ")");
                }
                if (start + n == s.values.length) {
                    if (s.values.length >= MAX_VALUES) {
                        throw new BadRecordException(BadRecordReason.OVERSIZE,
                                "'" + field + "' has more than " + MAX_VALUES + " values");
                    }
                    s.values = java.util.Arrays.copyOf(s.values, Math.min(MAX_VALUES, s.values.length * 2));
                }
                s.values[start + n++] = v;
            }
            if (n == 0) {
                throw new BadRecordException(BadRecordReason.EMPTY_SEQUENCE, "'" + field + "'[" + s.count + "] is empty");
            }
            if (s.width < 0) {
                s.width = n;
            } else if (n != s.width) {
                throw new BadRecordException(BadRecordReason.RAGGED_SEQUENCE, "'" + field + "'[" + s.count + "] has "
                        + n + " values, step 0 has " + s.width);
            }
            s.count++;
        }
        if (s.width < 0) {
            s.width = 0;
        }
        return s;
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

    /** {@code {"id": ..., "label": ...}} or with {@code "target"}: a delayed label (SPEC section 8). */
    public static byte[] toJson(LabelRecord l) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(32);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("id", l.id());
            if (l.label() != null) {
                g.writeNumberField("label", l.label());
            } else {
                g.writeArrayFieldStart("target");
                for (float v : l.target()) {
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

    /**
     * {@code {"id": ..., "sequence": [[...], ...], "targets": [[...], ...]}}: compact JSON that
     * {@link #parseSequence} reads back to the same bits.
     */
    public static byte[] toJson(SequenceSample s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(32 + 12 * s.inputs().length);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            if (s.id() != null) {
                g.writeStringField("id", s.id());
            }
            g.writeFieldName("sequence");
            writeSteps(g, s.inputs(), s.steps());
            if (s.targets() != null) {
                g.writeFieldName("targets");
                writeSteps(g, s.targets(), s.steps());
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * Writes {@code values} (row-major, {@code steps} rows of equal width) as an array of per-step
     * arrays, the shape of a sequence record's {@code sequence} and {@code targets} (and of the
     * service's per-step predictions).
     */
    public static void writeSteps(JsonGenerator g, float[] values, int steps) throws IOException {
        int width = values.length / steps;
        g.writeStartArray();
        for (int t = 0; t < steps; t++) {
            g.writeStartArray();
            for (int j = t * width, end = j + width; j < end; j++) {
                g.writeNumber(values[j]);
            }
            g.writeEndArray();
        }
        g.writeEndArray();
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
