package dev.alignstream.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.alignstream.core.Model;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.Predictor;
import dev.alignstream.core.Arch;
import dev.alignstream.core.Prediction;
import dev.alignstream.data.BadRecordException;
import dev.alignstream.data.SampleJson;
import dev.alignstream.data.SampleValidator;
import dev.alignstream.data.SequenceSample;
import dev.alignstream.stream.DeclaredModels;
import dev.alignstream.stream.DeclaredModels.Declaration;
import dev.alignstream.stream.ModelRegistry;
import dev.alignstream.stream.ModelSpec;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model endpoints that need more than this instance's directory (SPEC section 9): creating,
 * changing and deleting models, predictions on request, and answering for models that live on
 * another instance.
 *
 * <ul>
 *   <li>Declarations are read from this instance's {@link DeclaredModels} and written to the
 *   compacted models topic exactly as {@code models create} and {@code models delete} write them
 *   (see {@link DeclarationWriter} for when other instances see them); the stream side treats
 *   them like any other declaration. A change of learning rate or pause flag is a
 *   re-declaration of the same model that keeps its generation (so its state), journaled by the
 *   owning task when it applies it; a delete ends the generation, and a later create of the same
 *   id starts a fresh model from its seed.</li>
 *   <li>A model whose {@link ModelFootprint} exceeds this instance's whole memory budget is
 *   refused at once (400): it could never be built. Whether a model that fits the budget fits
 *   next to the models its owner already holds is decided by the owner when it starts the model
 *   (a model that does not fit shows state {@code refused} with the reason).</li>
 *   <li>Predictions run on the model's stream thread, between two samples, with a forward-only
 *   {@link Predictor}: nothing is learned and the answer carries the {@code samples_seen} of the
 *   parameters that produced it.</li>
 *   <li>Requests for a model that lives on another instance are relayed to it ({@link Forwarding}).</li>
 * </ul>
 * Every mutating call needs the admin token when one is configured; errors are {@link ApiError}s.
 */
public final class ModelRequests {

    /** Largest model config or change accepted. */
    static final int MAX_CONFIG_BYTES = 64 * 1024;
    /** Largest predict body accepted (a batch of wide samples as JSON text). */
    static final int MAX_PREDICT_BYTES = 4 << 20;
    /** Most samples one predict call may carry. */
    static final int MAX_PREDICT_SAMPLES = 1000;
    static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(30);
    static final Duration EXPORT_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration PEER_LIST_TIMEOUT = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(ModelRequests.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ModelRegistry registry;
    private final DeclaredModels declared;
    private final DeclarationWriter writer;
    private final Forwarding forwarding;
    private final AdminToken admin;
    /** The whole memory budget of this instance (see {@code MemoryBudget}), in bytes. */
    private final long memoryBudget;
    /** Serializes read-check-write of declarations made through this instance. */
    private final Object writes = new Object();

    /**
     * @param memoryBudget the total memory budget of this instance's models, in bytes
     */
    ModelRequests(ModelRegistry registry, DeclarationWriter writer, Forwarding forwarding, AdminToken admin,
                  long memoryBudget) {
        this.registry = registry;
        this.declared = registry.declarations();
        this.writer = writer;
        this.forwarding = forwarding;
        this.admin = admin;
        this.memoryBudget = memoryBudget;
    }

    /**
     * Answers {@code POST /models}, {@code PATCH|DELETE /models/{id}} and
     * {@code POST /models/{id}/predict}; returns false (having done nothing) for any other request.
     */
    boolean handleChange(HttpExchange ex, String method, String path) throws IOException, InterruptedException {
        if (method.equals("POST") && (path.equals("/models") || path.equals("/models/"))) {
            create(ex);
            return true;
        }
        if (!path.startsWith("/models/")) {
            return false;
        }
        String rest = path.substring("/models/".length());
        if (method.equals("POST") && rest.endsWith("/predict")) {
            predict(ex, rest.substring(0, rest.length() - "/predict".length()));
            return true;
        }
        if (rest.indexOf('/') >= 0) {
            return false;
        }
        if (method.equals("PATCH")) {
            patch(ex, rest);
            return true;
        }
        if (method.equals("DELETE")) {
            delete(ex, rest);
            return true;
        }
        return false;
    }

    private void create(HttpExchange ex) throws IOException, InterruptedException {
        admin.require(ex, "creating a model");
        byte[] body = RequestBodies.read(ex, MAX_CONFIG_BYTES);
        RequestBodies.parseObject(body);
        ModelSpec spec;
        try {
            spec = ModelSpec.parse(body);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
        }
        // ModelSpec.parse checked ids, sizes, rule, activation and hyper-parameters; what is left
        // is whether the model can ever be built here
        long need = spec.footprintBytes();
        if (need > memoryBudget) {
            throw ApiError.badRequest("model '" + spec.id() + "' needs " + mb(need) + " MB, more than the whole "
                    + mb(memoryBudget) + " MB memory budget of this instance (serve --memory-budget): it could never be"
                    + " built; declare a smaller model or give the service a larger budget");
        }
        int status;
        synchronized (writes) {
            Declaration existing = declared(spec.id());
            if (existing != null && !existing.spec().isCompatibleChange(spec)) {
                throw new ApiError(409, "model exists", "model '" + spec.id() + "' is declared with other fixed settings ("
                        + describe(existing.spec()) + "); delete it first, or change only learning_rate or paused with PATCH");
            }
            if (existing == null) {
                put(spec, null);
            } else if (!spec.equals(existing.spec())) {
                // a re-declaration keeps the generation: the model keeps its state
                put(spec, existing.generation());
            }
            status = existing == null ? 201 : 200;
        }
        ex.getResponseHeaders().set("Location", "/models/" + spec.id());
        send(ex, status, "application/json", spec.toJson());
    }

    private void patch(HttpExchange ex, String id) throws IOException, InterruptedException {
        admin.require(ex, "changing a model");
        checkId(id);
        JsonNode o = RequestBodies.readJsonObject(ex, MAX_CONFIG_BYTES);
        Float lr = null;
        Boolean paused = null;
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            JsonNode v = o.get(f);
            if (f.equals("learning_rate") && v.isNumber()) {
                lr = v.floatValue();
            } else if (f.equals("paused") && v.isBoolean()) {
                paused = v.booleanValue();
            } else if (f.equals("learning_rate") || f.equals("paused")) {
                throw ApiError.badRequest("'" + f + "' must be a " + (f.equals("paused") ? "boolean" : "number"));
            } else {
                throw ApiError.badRequest("only learning_rate and paused can change at run time, not '"
                        + ApiError.abbreviate(f) + "'; to change anything else delete the model and create a new one");
            }
        }
        if (lr == null && paused == null) {
            throw ApiError.badRequest("nothing to change: send {\"learning_rate\": x} and/or {\"paused\": true|false}");
        }
        ModelSpec next;
        synchronized (writes) {
            Declaration d = declared(id);
            if (d == null) {
                throw ApiError.unknownModel(id);
            }
            ModelSpec existing = d.spec();
            ModelConfig c;
            try {
                c = lr == null ? existing.config() : existing.config().withLearningRate(lr);
            } catch (IllegalArgumentException e) {
                throw ApiError.badRequest(e.getMessage());
            }
            next = new ModelSpec(id, existing.stream(), c, paused == null ? existing.paused() : paused);
            if (!next.equals(existing)) {
                put(next, d.generation());
            }
        }
        send(ex, 200, "application/json", next.toJson());
    }

    private void delete(HttpExchange ex, String id) throws IOException, InterruptedException {
        admin.require(ex, "deleting a model");
        checkId(id);
        synchronized (writes) {
            if (declared(id) == null) {
                throw ApiError.unknownModel(id);
            }
            try {
                writer.delete(id);
            } catch (DeclarationWriter.WriteFailedException e) {
                throw notAcknowledged();
            }
        }
        send(ex, 204, "application/json", new byte[0]);
    }

    private void predict(HttpExchange ex, String id) throws IOException, InterruptedException {
        checkId(id);
        Declaration d = declared(id);
        if (d == null) {
            throw ApiError.unknownModel(id);
        }
        ModelSpec spec = d.spec();
        byte[] body = RequestBodies.read(ex, MAX_PREDICT_BYTES);
        if (relay(ex, spec.stream(), body, ANSWER_TIMEOUT)) {
            return;
        }
        if (spec.arch() == Arch.RNN) {
            predictSequence(ex, id, spec, body);
            return;
        }
        JsonNode o = RequestBodies.parseObject(body, true);
        if (o.has("sequence")) {
            throw ApiError.badRequest("model '" + id + "' is not an RNN model: send {\"features\": [...]}");
        }
        boolean batch = o.has("samples");
        List<float[]> inputs = inputs(o, spec.config().inputSize());
        requireLive(id, spec.stream());
        int outputs = spec.config().outputSize();
        Answers answers = answer(registry.withModel(id, m -> predictAll(m, inputs, outputs)));
        Object answer;
        if (batch) {
            ArrayNode a = JSON.createArrayNode();
            for (float[] out : answers.outputs()) {
                a.add(answerJson(id, out, answers.samplesSeen()));
            }
            answer = a;
        } else {
            answer = answerJson(id, answers.outputs().get(0), answers.samplesSeen());
        }
        send(ex, 200, "application/json", JSON.writeValueAsBytes(answer));
    }

    /**
     * An RNN's prediction of one sequence {@code {"sequence": [[...], ...]}} (optional
     * {@code "targets"}: the answer then has the sequence's loss): the outputs of every step from
     * the live model on its stream thread, without learning. Parsed and checked as a sequence
     * record of the samples topic is, and refused with the same reasons.
     */
    private void predictSequence(HttpExchange ex, String id, ModelSpec spec, byte[] body) throws IOException,
            InterruptedException {
        SequenceSample q;
        try {
            q = SampleJson.parseSequence(body, spec.maxSteps());
            SampleValidator.checkSequence(q, spec.config().inputSize(), spec.config().outputSize(), spec.maxSteps());
        } catch (BadRecordException e) {
            // the body is read a second time only to explain a refusal: was it meant for an MLP?
            if (!RequestBodies.parseObject(body, true).has("sequence")) {
                throw ApiError.badRequest("model '" + id + "' is an RNN model (arch rnn): send {\"sequence\": [[...], ...]},"
                        + " one array of " + spec.config().inputSize() + " values per step");
            }
            throw ApiError.badRequest(e.reason().id() + ": " + e.getMessage());
        }
        requireLive(id, spec.stream());
        Prediction p = answer(registry.predictSequence(id, q));
        ObjectNode o = JSON.createObjectNode();
        o.put("model", id);
        o.put("steps", q.steps());
        int width = spec.config().outputSize();
        ArrayNode steps = o.putArray("prediction");
        for (int t = 0; t < q.steps(); t++) {
            ArrayNode row = steps.addArray();
            for (int j = 0; j < width; j++) {
                row.add(p.output()[t * width + j]);
            }
        }
        o.set("output", steps.deepCopy());
        if (p.labelled()) {
            o.put("loss", p.loss());
        }
        o.put("samples_seen", p.samplesSeen());
        send(ex, 200, "application/json", JSON.writeValueAsBytes(o));
    }

    /**
     * The stream thread's answer to a model request: 400 when the model refused the input, 502/503
     * when its owner moved, 503 when it did not answer within {@link #ANSWER_TIMEOUT}.
     */
    private <T> T answer(java.util.concurrent.CompletableFuture<T> request) throws InterruptedException {
        try {
            return request.get(ANSWER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IllegalArgumentException bad) {
                throw ApiError.badRequest(bad.getMessage());
            }
            throw moved();
        } catch (TimeoutException e) {
            throw new ApiError(503, "model busy", "the model's stream thread did not answer within "
                    + ANSWER_TIMEOUT.toSeconds() + " s; retry");
        }
    }

    /** Outputs computed together on the stream thread, and the samples_seen of the parameters used. */
    private record Answers(List<float[]> outputs, long samplesSeen) {
    }

    private static Answers predictAll(Model m, List<float[]> inputs, int outputs) {
        Predictor p = new Predictor(m.config());
        List<float[]> out = new ArrayList<>(inputs.size());
        for (float[] x : inputs) {
            float[] f = new float[outputs];
            p.predict(m, x, f);
            out.add(f);
        }
        return new Answers(out, m.samplesSeen());
    }

    private static ObjectNode answerJson(String id, float[] out, long samplesSeen) {
        ObjectNode o = JSON.createObjectNode();
        o.put("model", id);
        o.put("prediction", Predictor.argmax(out));
        ArrayNode a = o.putArray("output");
        for (float v : out) {
            a.add(v);
        }
        o.put("samples_seen", samplesSeen);
        return o;
    }

    /** The feature vectors of {@code {"features": [...]}} or {@code {"samples": [{"features": [...]}, ...]}}. */
    private static List<float[]> inputs(JsonNode o, int width) {
        if (o.has("samples")) {
            JsonNode s = o.get("samples");
            if (!s.isArray() || s.isEmpty() || s.size() > MAX_PREDICT_SAMPLES) {
                throw ApiError.badRequest("'samples' must be an array of 1.." + MAX_PREDICT_SAMPLES
                        + " objects like {\"features\": [...]}");
            }
            List<float[]> out = new ArrayList<>(s.size());
            for (int i = 0; i < s.size(); i++) {
                out.add(features(s.get(i), width, "sample " + i + ": "));
            }
            return out;
        }
        if (!o.has("features")) {
            throw ApiError.badRequest("send {\"features\": [...]} or {\"samples\": [{\"features\": [...]}, ...]}");
        }
        return List.of(features(o, width, ""));
    }

    private static float[] features(JsonNode sample, int width, String where) {
        JsonNode f = sample == null ? null : sample.get("features");
        if (f == null || !f.isArray()) {
            throw ApiError.badRequest(where + "'features' must be an array of numbers");
        }
        if (f.size() != width) {
            throw ApiError.badRequest(where + "expected " + width + " features, found " + f.size());
        }
        float[] x = new float[width];
        for (int i = 0; i < width; i++) {
            JsonNode v = f.get(i);
            float fv = RequestBodies.toFloat(v);
            if (!Float.isFinite(fv)) {
                throw ApiError.badRequest(where + "feature " + i + " is not a finite float32 number");
            }
            x[i] = fv;
        }
        return x;
    }

    /**
     * For {@code GET /models/{id}} and {@code /export}: relays the request to the model's owner when
     * that is another instance and the request was not relayed already. True when relayed.
     *
     * @throws ApiError 404 when the model is not declared (as this instance knows it): a deleted
     *                  model is gone at once, even while its owner has yet to drop it
     */
    boolean relayToOwner(HttpExchange ex, String id, Duration timeout) throws IOException, InterruptedException {
        Declaration d = declared(id);
        if (d == null) {
            throw ApiError.unknownModel(id);
        }
        return relay(ex, d.spec().stream(), null, timeout);
    }

    /**
     * Throws the right answer when the model (declared on {@code stream}) has no parameters on this
     * instance: 409 when its partition is processed here but no sample has started it yet, 503
     * while it moves between instances.
     */
    void requireLive(String id, String stream) {
        if (registry.isLocal(id)) {
            return;
        }
        if (forwarding.ownsHere(stream)) {
            throw new ApiError(409, "model not live", "model '" + id + "' is declared but not live yet: it starts at the"
                    + " first sample of stream '" + stream + "'");
        }
        throw moved();
    }

    private boolean relay(HttpExchange ex, String stream, byte[] body, Duration timeout)
            throws IOException, InterruptedException {
        if (Forwarding.isForwarded(ex)) {
            return false;
        }
        Optional<HostInfo> owner = forwarding.remoteOwner(stream);
        if (owner.isEmpty()) {
            return false;
        }
        forwarding.relay(ex, owner.get(), body, timeout);
        return true;
    }

    /**
     * {@code GET /models} for the whole deployment: this instance's view merged with every other
     * instance's, so a live model shows its owner's counters rather than a non-owner's "waiting".
     * An instance that does not answer is left out (and logged).
     */
    ArrayNode mergeWithPeers(HttpExchange ex, ArrayNode local) throws InterruptedException {
        if (Forwarding.isForwarded(ex)) {
            return local;
        }
        Map<String, JsonNode> byId = new TreeMap<>();
        local.forEach(n -> byId.put(n.path("id").asText(), n));
        for (HostInfo peer : forwarding.peers()) {
            byte[] answer = forwarding.fetch(ex, peer, "/models", PEER_LIST_TIMEOUT);
            if (answer == null) {
                continue;
            }
            try {
                for (JsonNode n : JSON.readTree(answer)) {
                    byId.merge(n.path("id").asText(), n, ModelRequests::better);
                }
            } catch (IOException e) {
                LOG.warn("instance {}:{} sent an unreadable model list", peer.host(), peer.port());
            }
        }
        ArrayNode out = JSON.createArrayNode();
        byId.values().forEach(out::add);
        return out;
    }

    /** The more informative of two views of one model: a live one, and of two live ones the further. */
    private static JsonNode better(JsonNode a, JsonNode b) {
        boolean liveA = "live".equals(a.path("state").asText());
        boolean liveB = "live".equals(b.path("state").asText());
        if (liveA != liveB) {
            return liveA ? a : b;
        }
        return b.path("samples_seen").asLong() > a.path("samples_seen").asLong() ? b : a;
    }

    /**
     * The accepted declaration of {@code id} as this instance knows it, or null. Complete from the
     * moment model requests are served: the service restores its global store (and with it
     * these declarations) before its start returns.
     */
    private Declaration declared(String id) {
        return id.length() > ModelSpec.MAX_ID ? null : declared.view().get(id);
    }

    private void put(ModelSpec spec, Long generation) throws InterruptedException {
        try {
            writer.put(spec, generation);
        } catch (DeclarationWriter.WriteFailedException e) {
            throw notAcknowledged();
        }
    }

    private static String mb(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f", bytes / (1024.0 * 1024.0));
    }

    private static ApiError notAcknowledged() {
        // an unacknowledged idempotent send may still land: say so, a retry is harmless
        return new ApiError(503, "models topic unavailable", "Kafka did not acknowledge the write in time; it may or"
                + " may not take effect, retrying is safe");
    }

    private static void checkId(String id) {
        if (id.isEmpty() || id.length() > ModelSpec.MAX_ID || !id.matches("[A-Za-z0-9._:-]+")) {
            throw ApiError.unknownModel(id);
        }
    }

    private static ApiError moved() {
        return new ApiError(503, "model moving", "the model is moving between instances; retry shortly");
    }

    private static String describe(ModelSpec s) {
        ModelConfig c = s.config();
        return "stream " + s.stream() + ", layers " + c.layersString() + ", rule " + c.rule().id() + ", activation "
                + c.activation().id() + ", batch_size " + c.batchSize() + ", seed " + c.seed();
    }

    static void send(HttpExchange ex, int code, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
