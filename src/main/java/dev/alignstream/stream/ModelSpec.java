package dev.alignstream.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.alignstream.core.Activation;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * A model as declared on the models topic: which stream it learns from, its configuration and
 * whether it is paused. The JSON is the topic's value format (unknown fields are ignored):
 * {@code {"id":"m1","stream":"s1","layers":"784,256,10","rule":"align-ada","learning_rate":0.05,
 * "batch_size":1,"seed":7,"activation":"relu","target_offset":-0.1,"input_scale":1,
 * "track_alignment":true,"paused":false}}.
 */
public record ModelSpec(String id, String stream, ModelConfig config, boolean paused) {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Model ids and stream ids are short names: they become Kafka keys and metric tags. */
    public static final int MAX_ID = 128;

    public ModelSpec {
        checkId(id, "model id");
        checkId(stream, "stream id");
    }

    static void checkId(String s, String what) {
        if (s == null || s.isEmpty() || s.length() > MAX_ID || !s.matches("[A-Za-z0-9._:-]+")) {
            throw new IllegalArgumentException(what + " must be 1-" + MAX_ID
                    + " characters of letters, digits, '.', '_', ':' or '-', got '" + s + "'");
        }
    }

    /** True when {@code next} differs from this only in what may change at run time (learning rate, paused). */
    public boolean isCompatibleChange(ModelSpec next) {
        ModelConfig a = config.withLearningRate(0f);
        ModelConfig b = next.config.withLearningRate(0f);
        return stream.equals(next.stream) && a.equals(b);
    }

    public byte[] toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", id);
        o.put("stream", stream);
        o.put("layers", config.layersString());
        o.put("rule", config.rule().id());
        o.put("learning_rate", config.learningRate());
        o.put("batch_size", config.batchSize());
        o.put("seed", config.seed());
        o.put("activation", config.activation().id());
        o.put("target_offset", config.targetOffset());
        o.put("input_scale", config.inputScale());
        o.put("track_alignment", config.trackAlignment());
        o.put("paused", paused);
        try {
            return JSON.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses the models-topic JSON; throws IllegalArgumentException naming the problem. */
    public static ModelSpec parse(byte[] json) {
        if (json == null || json.length > 64 * 1024) {
            throw new IllegalArgumentException("model config must be a JSON object of at most 64 KiB");
        }
        JsonNode o;
        try {
            o = JSON.readTree(new String(json, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalArgumentException("model config is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (o == null || !o.isObject()) {
            throw new IllegalArgumentException("model config must be a JSON object");
        }
        String layers = o.path("layers").isArray() ? join(o.path("layers")) : o.path("layers").asText(null);
        if (layers == null || !o.hasNonNull("rule") || !o.hasNonNull("learning_rate")) {
            throw new IllegalArgumentException("model config needs 'layers', 'rule' and 'learning_rate'");
        }
        ModelConfig c = new ModelConfig(
                ModelConfig.parseLayers(layers),
                Activation.parse(o.path("activation").asText("relu")),
                RuleName.parse(o.path("rule").asText()),
                (float) o.path("learning_rate").asDouble(),
                o.path("batch_size").asInt(1),
                o.path("seed").asLong(7),
                (float) o.path("target_offset").asDouble(0),
                (float) o.path("input_scale").asDouble(1),
                o.path("track_alignment").asBoolean(true));
        return new ModelSpec(o.path("id").asText(null), o.path("stream").asText(null), c, o.path("paused").asBoolean(false));
    }

    private static String join(JsonNode arr) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode n : arr) {
            sb.append(sb.length() == 0 ? "" : ",").append(n.asText());
        }
        return sb.toString();
    }
}
