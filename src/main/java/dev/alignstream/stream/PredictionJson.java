package dev.alignstream.stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.alignstream.core.Prediction;
import dev.alignstream.data.Sample;
import java.io.IOException;

/**
 * The records of SPEC section 8 on the predictions topic, one per (sample, model), told apart by
 * {@code "kind"}: {@code "prediction"} when a sample arrives (learned at once if it carries its
 * label; {@code "pending": true} if it waits for a delayed label) and {@code "outcome"} when a
 * delayed label completes a sample. Both carry {@code "version"}: the model's samples seen when
 * the prediction was served. One topic keeps a model's predictions and outcomes in one ordered
 * log, so a consumer joins them by {@code id} without a second subscription.
 */
final class PredictionJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private PredictionJson() {
    }

    static byte[] encode(ModelSpec spec, Sample s, Prediction p, long sourceOffset, long version, boolean pending) {
        ObjectNode o = body("prediction", spec, s, p, sourceOffset);
        o.put("version", version);
        if (pending) {
            o.put("pending", true);
        }
        return write(o);
    }

    /**
     * @param servedVersion the model's samples seen when it served the prediction scored here, or
     *                      -1 when the model joined after the sample was served (it is then scored
     *                      by its prediction at the label)
     * @param delayMillis   record time from the sample to its label
     */
    static byte[] encodeOutcome(ModelSpec spec, Sample s, Prediction scored, long sourceOffset, long servedVersion,
                                long delayMillis) {
        ObjectNode o = body("outcome", spec, s, scored, sourceOffset);
        if (servedVersion >= 0) {
            o.put("version", servedVersion);
        } else {
            o.putNull("version");
        }
        o.put("label_delay_ms", delayMillis);
        return write(o);
    }

    private static ObjectNode body(String kind, ModelSpec spec, Sample s, Prediction p, long sourceOffset) {
        ObjectNode o = JSON.createObjectNode();
        o.put("kind", kind);
        o.put("stream", spec.stream());
        o.put("model", spec.id());
        if (s.id() != null) {
            o.put("id", s.id());
        }
        o.put("offset", sourceOffset);
        boolean classification = s.target() == null;
        if (classification) {
            o.put("prediction", p.predictedClass());
        } else {
            ArrayNode a = o.putArray("prediction");
            for (float v : p.output()) {
                a.add(v);
            }
        }
        if (s.label() != null) {
            o.put("label", s.label());
            o.put("correct", p.correct());
        }
        if (s.target() != null) {
            ArrayNode t = o.putArray("target");
            for (float v : s.target()) {
                t.add(v);
            }
        }
        if (p.labelled()) {
            o.put("loss", p.loss());
        }
        o.put("samples_seen", p.samplesSeen());
        o.put("step", p.step().name().toLowerCase(java.util.Locale.ROOT));
        if (p.rejectReason() != null) {
            o.put("reject_reason", p.rejectReason());
        }
        return o;
    }

    private static byte[] write(ObjectNode o) {
        try {
            return JSON.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
