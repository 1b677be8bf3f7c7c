package dev.alignstream.stream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import dev.alignstream.core.Prediction;
import dev.alignstream.data.DataEvent;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SampleJson;
import dev.alignstream.data.SequenceSample;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The records of SPEC section 8 on the predictions topic, one per (sample, model), told apart by
 * {@code "kind"}: {@code "prediction"} when a sample arrives (learned at once if it carries its
 * label; {@code "pending": true} if it waits for a delayed label) and {@code "outcome"} when a
 * delayed label completes a sample. Both carry {@code "version"}: the model's samples seen when
 * the prediction was served. One topic keeps a model's predictions and outcomes in one ordered
 * log, so a consumer joins them by {@code id} without a second subscription.
 */
final class PredictionJson {

    /** Thread-safe; generators write straight to bytes, without a tree per record. */
    private static final JsonFactory JSON = new JsonFactory();

    private static final String[] STEP = java.util.Arrays.stream(Prediction.StepOutcome.values())
            .map(o -> o.name().toLowerCase(java.util.Locale.ROOT)).toArray(String[]::new);

    private PredictionJson() {
    }

    /**
     * Largest text {@link #encode} writes for a float: {@link Float#toString} gives at most 15
     * characters (e.g. {@code -1.23456789E-38}), plus a separator.
     */
    static final int MAX_FLOAT_CHARS = 16;

    /**
     * An upper bound of the bytes of a sequence's prediction record: {@code T} steps of
     * {@code nOut} outputs, and as many targets when labelled, plus the fixed fields (ids of at
     * most {@code 4 * 256} bytes each, numbers). The service refuses a sequence whose record could
     * exceed the producer's 1 MB limit before learning it.
     */
    static long sequenceBound(int steps, int nOut, boolean labelled) {
        long values = (long) steps * nOut * (labelled ? 2 : 1);
        return 4096 + values * MAX_FLOAT_CHARS + (long) steps * 3 * (labelled ? 2 : 1);
    }

    /** The prediction record of a sample or, for an RNN, of a whole sequence (an output per step). */
    static byte[] encode(ModelSpec spec, DataEvent event, Prediction p, long sourceOffset, long version, boolean pending) {
        ByteArrayBuilder out = new ByteArrayBuilder(160);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            if (event instanceof SequenceSample q) {
                sequenceBody(g, spec, q, p, sourceOffset);
            } else {
                body(g, "prediction", spec, (Sample) event, p, sourceOffset);
            }
            g.writeNumberField("version", version);
            if (pending) {
                g.writeBooleanField("pending", true);
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * @param servedVersion the model's samples seen when it served the prediction scored here, or
     *                      -1 when the model joined after the sample was served (it is then scored
     *                      by its prediction at the label)
     * @param delayMillis   record time from the sample to its label
     */
    static byte[] encodeOutcome(ModelSpec spec, Sample s, Prediction scored, long sourceOffset, long servedVersion,
                                long delayMillis) {
        ByteArrayBuilder out = new ByteArrayBuilder(160);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            body(g, "outcome", spec, s, scored, sourceOffset);
            if (servedVersion >= 0) {
                g.writeNumberField("version", servedVersion);
            } else {
                g.writeNullField("version");
            }
            g.writeNumberField("label_delay_ms", delayMillis);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * A sequence's fields: {@code "steps"}, {@code "prediction"} (one output array per step),
     * {@code "targets"} when given, the sequence's loss (mean over steps), then as for a sample.
     */
    private static void sequenceBody(JsonGenerator g, ModelSpec spec, SequenceSample q, Prediction p, long sourceOffset)
            throws IOException {
        head(g, "prediction", spec, q.id(), sourceOffset);
        g.writeNumberField("steps", q.steps());
        g.writeFieldName("prediction");
        SampleJson.writeSteps(g, p.output(), q.steps());
        if (q.targets() != null) {
            g.writeFieldName("targets");
            SampleJson.writeSteps(g, q.targets(), q.steps());
        }
        outcomeFields(g, p);
    }

    /** Writes the opening brace and the fields both kinds share, in the order of SPEC section 8's examples. */
    private static void body(JsonGenerator g, String kind, ModelSpec spec, Sample s, Prediction p, long sourceOffset)
            throws IOException {
        head(g, kind, spec, s.id(), sourceOffset);
        boolean classification = s.target() == null;
        if (classification) {
            g.writeNumberField("prediction", p.predictedClass());
        } else {
            g.writeArrayFieldStart("prediction");
            for (float v : p.output()) {
                g.writeNumber(v);
            }
            g.writeEndArray();
        }
        if (s.label() != null) {
            g.writeNumberField("label", s.label().intValue());
            g.writeBooleanField("correct", p.correct());
        }
        if (s.target() != null) {
            g.writeArrayFieldStart("target");
            for (float v : s.target()) {
                g.writeNumber(v);
            }
            g.writeEndArray();
        }
        outcomeFields(g, p);
    }

    /** The opening brace and the fields every record starts with: kind, stream, model, id, offset. */
    private static void head(JsonGenerator g, String kind, ModelSpec spec, String id, long sourceOffset)
            throws IOException {
        g.writeStartObject();
        g.writeStringField("kind", kind);
        g.writeStringField("stream", spec.stream());
        g.writeStringField("model", spec.id());
        if (id != null) {
            g.writeStringField("id", id);
        }
        g.writeNumberField("offset", sourceOffset);
    }

    /** The fields after the prediction, shared by samples and sequences: loss, samples seen, step. */
    private static void outcomeFields(JsonGenerator g, Prediction p) throws IOException {
        if (p.labelled()) {
            g.writeNumberField("loss", p.loss());
        }
        g.writeNumberField("samples_seen", p.samplesSeen());
        g.writeStringField("step", STEP[p.step().ordinal()]);
        if (p.rejectReason() != null) {
            g.writeStringField("reject_reason", p.rejectReason());
        }
    }
}
