package dev.alignstream.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.alignstream.core.Arch;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.ModelFootprint;
import dev.alignstream.rnn.RnnConfig;
import dev.alignstream.rnn.RnnFootprint;
import java.io.IOException;

/**
 * A model as declared on the models topic: which stream it learns from, its architecture and
 * configuration, and whether it is paused. The JSON is the topic's value format (unknown fields
 * are ignored; an optional integer {@code "generation"} is read by {@link #parseDeclaration}):
 * {@code {"id":"m1","stream":"s1","layers":"784,256,10","rule":"align-ada","learning_rate":0.05,
 * "batch_size":1,"seed":7,"activation":"relu","target_offset":-0.1,"input_scale":1,
 * "track_alignment":true,"paused":false}}; an RNN (SPEC section 3) adds {@code "arch":"rnn"}
 * ({@code layers} is then {@code n_in,n,n_out}) and optionally {@code "max_steps"}.
 *
 * @param arch     {@code mlp} or {@code rnn}
 * @param maxSteps RNN only: the longest sequence the model accepts ({@link RnnConfig#maxSteps});
 *                 0 for an MLP
 */
public record ModelSpec(String id, String stream, ModelConfig config, boolean paused, Arch arch, int maxSteps) {

    /** An MLP declaration. */
    public ModelSpec(String id, String stream, ModelConfig config, boolean paused) {
        this(id, stream, config, paused, Arch.MLP, 0);
    }

    /** An RNN declaration. */
    public static ModelSpec rnn(String id, String stream, RnnConfig config, boolean paused) {
        return new ModelSpec(id, stream, config.base(), paused, Arch.RNN, config.maxSteps());
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    /** Model ids and stream ids are short names: they become Kafka keys and metric tags. */
    public static final int MAX_ID = 128;

    public ModelSpec {
        checkId(id, "model id");
        checkId(stream, "stream id");
        if (arch == null) {
            throw new IllegalArgumentException("arch is required");
        }
        if (arch == Arch.RNN) {
            new RnnConfig(config, maxSteps); // layers n_in,n,n_out, no fa/dfa, a sane max_steps
        } else if (maxSteps != 0) {
            throw new IllegalArgumentException("'max_steps' is for RNN models (arch rnn)");
        }
    }

    /** The RNN config of an {@code rnn} declaration. */
    public RnnConfig rnnConfig() {
        if (arch != Arch.RNN) {
            throw new IllegalStateException("model " + id + " is an MLP");
        }
        return new RnnConfig(config, maxSteps);
    }

    /** The heap the model will hold once built and learning ({@link ModelFootprint}, {@link RnnFootprint}). */
    public long footprintBytes() {
        return arch == Arch.RNN ? RnnFootprint.bytes(rnnConfig()) : ModelFootprint.bytes(config);
    }

    /** Layers with the arch for an RNN, e.g. {@code "784,256,10"} or {@code "rnn 1,64,1"}, for log lines. */
    public String describe() {
        return config.rule().id() + " " + (arch == Arch.RNN ? "rnn " : "") + config.layersString();
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
        return stream.equals(next.stream) && arch == next.arch && maxSteps == next.maxSteps && a.equals(b);
    }

    public byte[] toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", id);
        o.put("stream", stream);
        if (arch == Arch.RNN) {
            o.put(Arch.KEY, arch.id());
        }
        o.put("layers", config.layersString());
        o.put("rule", config.rule().id());
        o.put("learning_rate", config.learningRate());
        o.put("batch_size", config.batchSize());
        o.put("seed", config.seed());
        o.put("activation", config.activation().id());
        o.put("target_offset", config.targetOffset());
        o.put("input_scale", config.inputScale());
        o.put("track_alignment", config.trackAlignment());
        if (arch == Arch.RNN) {
            o.put("max_steps", maxSteps);
        }
        o.put("paused", paused);
        try {
            return JSON.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Parses the models-topic JSON strictly; throws IllegalArgumentException naming the problem.
     * Numbers must be JSON numbers ({@code "learning_rate": "abc"} is refused), integers must be
     * integral ({@code "batch_size": 2.9} is refused), flags JSON booleans; every default comes
     * from {@link ModelConfig.Defaults} through {@link ModelConfig#fromMetadata}, the same
     * reader model files use. Unknown fields are ignored (a newer writer's additions).
     */
    public static ModelSpec parse(byte[] json) {
        return parseDeclaration(json).spec();
    }

    /** A declaration as written on the models topic: the spec and the generation it names, if any. */
    public record Declared(ModelSpec spec, Long generation) {
    }

    /** {@link #parse} plus the optional {@code generation} field (see {@link DeclaredModels}). */
    public static Declared parseDeclaration(byte[] json) {
        if (json == null || json.length > 64 * 1024) {
            throw new IllegalArgumentException("model config must be a JSON object of at most 64 KiB");
        }
        JsonNode o;
        try {
            o = JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("model config is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (o == null || !o.isObject()) {
            throw new IllegalArgumentException("model config must be a JSON object");
        }
        JsonNode archNode = o.get(Arch.KEY);
        Arch arch = Arch.MLP;
        if (archNode != null && !archNode.isNull()) {
            if (!archNode.isTextual() || !(archNode.asText().equals("mlp") || archNode.asText().equals("rnn"))) {
                throw new IllegalArgumentException("'arch' must be \"mlp\" or \"rnn\", got "
                        + abbreviate(archNode.toString()));
            }
            arch = Arch.parse(archNode.asText());
        }
        JsonNode steps = o.get("max_steps");
        int maxSteps = 0;
        if (steps != null && !steps.isNull()) {
            if (arch != Arch.RNN) {
                throw new IllegalArgumentException("'max_steps' is for RNN models (\"arch\": \"rnn\")");
            }
            if (!steps.isIntegralNumber() || !steps.canConvertToInt()) {
                throw new IllegalArgumentException("'max_steps' must be an integer, got " + abbreviate(steps.toString()));
            }
            maxSteps = steps.asInt();
        } else if (arch == Arch.RNN) {
            maxSteps = RnnConfig.DEFAULT_MAX_STEPS;
        }
        java.util.Map<String, String> m = new java.util.HashMap<>();
        JsonNode layers = o.get("layers");
        if (layers != null && layers.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode n : layers) {
                if (!n.isIntegralNumber()) {
                    throw new IllegalArgumentException("'layers' must hold integers, got " + abbreviate(n.toString()));
                }
                sb.append(sb.length() == 0 ? "" : ",").append(n.asText());
            }
            m.put("layers", sb.toString());
        } else if (layers != null) {
            m.put("layers", text(o, "layers"));
        }
        putIfPresent(m, o, "rule", JsonNode::isTextual, "a string");
        putIfPresent(m, o, "activation", JsonNode::isTextual, "a string");
        putIfPresent(m, o, "learning_rate", JsonNode::isNumber, "a number");
        putIfPresent(m, o, "target_offset", JsonNode::isNumber, "a number");
        putIfPresent(m, o, "input_scale", JsonNode::isNumber, "a number");
        putIfPresent(m, o, "batch_size", JsonNode::isIntegralNumber, "an integer");
        putIfPresent(m, o, "seed", JsonNode::isIntegralNumber, "an integer");
        putIfPresent(m, o, "track_alignment", JsonNode::isBoolean, "true or false");
        ModelConfig c = ModelConfig.fromMetadata(m);
        JsonNode paused = o.get("paused");
        if (paused != null && !paused.isNull() && !paused.isBoolean()) {
            throw new IllegalArgumentException("'paused' must be true or false, got " + abbreviate(paused.toString()));
        }
        JsonNode gen = o.get("generation");
        if (gen != null && !gen.isNull() && !(gen.isIntegralNumber() && gen.canConvertToLong())) {
            throw new IllegalArgumentException("'generation' must be an integer, got " + abbreviate(gen.toString()));
        }
        ModelSpec spec = new ModelSpec(text(o, "id"), text(o, "stream"), c, paused != null && paused.asBoolean(), arch,
                maxSteps);
        return new Declared(spec, gen == null || gen.isNull() ? null : gen.asLong());
    }

    /** This spec's JSON with an explicit {@code generation} (kept by re-declarations so compaction cannot change it). */
    public byte[] toJson(long generation) {
        try {
            ObjectNode o = (ObjectNode) JSON.readTree(toJson());
            o.put("generation", generation);
            return JSON.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String text(JsonNode o, String key) {
        JsonNode n = o.get(key);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw new IllegalArgumentException("'" + key + "' must be a string, got " + abbreviate(n.toString()));
        }
        return n.asText();
    }

    private static void putIfPresent(java.util.Map<String, String> m, JsonNode o, String key,
                                     java.util.function.Predicate<JsonNode> type, String what) {
        JsonNode n = o.get(key);
        if (n == null || n.isNull()) {
            return;
        }
        if (!type.test(n)) {
            throw new IllegalArgumentException("'" + key + "' must be " + what + ", got " + abbreviate(n.toString()));
        }
        // numbers keep their decimal text (BigDecimal): "0.05" becomes the float a CLI --lr 0.05 gives
        m.put(key, n.isBigDecimal() ? n.decimalValue().toString() : n.asText());
    }

    private static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }
}
