package dev.alignstream.stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.alignstream.core.Prediction;
import dev.alignstream.data.Sample;
import java.io.IOException;

/** The prediction record of SPEC section 8, one per (sample, model). */
final class PredictionJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private PredictionJson() {
    }

    static byte[] encode(ModelSpec spec, Sample s, Prediction p, long sourceOffset) {
        ObjectNode o = JSON.createObjectNode();
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
        try {
            return JSON.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
