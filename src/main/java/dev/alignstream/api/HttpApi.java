package dev.alignstream.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.alignstream.stream.ModelRegistry;
import dev.alignstream.stream.ModelSpec;
import dev.alignstream.stream.ModelStatus;
import dev.alignstream.stream.ServiceHealth.Verdict;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The service's HTTP endpoints (SPEC section 9): health, the model directory, model export and
 * Prometheus metrics, on the JDK's built-in server (no web framework to learn or patch). When an
 * admin token is configured, export (and every call that changes models) requires
 * {@code Authorization: Bearer <token>}; health and metrics stay open for probes and scrapers.
 * With {@link ModelRequests} attached, models can be created, changed, deleted and asked for
 * predictions, and requests for models living on another instance are relayed there; bodies are
 * size-limited ({@link RequestBodies}). Slow requests are cut off (see the static initializer).
 * Errors are JSON {@code {"error": ..., "detail": ...}} ({@link ApiError}), never exception text.
 *
 * <p>Health probes cannot be starved by exports, predictions or relaying: the server's own
 * threads answer only requests that never wait ({@code /health*}, {@code /metrics}, unknown
 * paths), from verdicts that never block. Everything under {@code /models} runs on a pool of its
 * own: an export (which waits for the model's stream thread, then sends up to tens of MB to a
 * client that may read slowly) on the export pool, at most {@value #MAX_EXPORTS} at a time; the
 * other model calls on the model pool, at most {@value #MAX_MODEL_CALLS}. One more than a pool
 * takes is answered at once with 503 {@code busy} and a {@code Retry-After}.
 */
public final class HttpApi implements AutoCloseable {

    static {
        // Read once by the JDK's server when first used; set them unless the operator already
        // did: a client that trickles its request (or never reads the answer) cannot hold a
        // handler thread forever.
        System.getProperties().putIfAbsent("sun.net.httpserver.maxReqTime", "30");
        System.getProperties().putIfAbsent("sun.net.httpserver.maxRspTime", "300");
        System.getProperties().putIfAbsent("sun.net.httpserver.maxReqHeaders", "100");
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HttpApi.class);
    /** Exports running at once; a model file can be tens of MB. */
    static final int MAX_EXPORTS = 2;
    /**
     * Other model calls running at once (changes, predictions, relayed requests, the merged model
     * list); each may wait up to its timeout on a stream thread, another instance or Kafka.
     */
    static final int MAX_MODEL_CALLS = 8;

    private final HttpServer server;
    private final ModelRegistry registry;
    private final Supplier<Verdict> live;
    private final Supplier<Verdict> ready;
    private final ExecutorService exportPool = Executors.newFixedThreadPool(MAX_EXPORTS, daemon("alignstream-export"));
    private final Semaphore exports = new Semaphore(MAX_EXPORTS);
    private final ExecutorService modelPool = Executors.newFixedThreadPool(MAX_MODEL_CALLS, daemon("alignstream-models"));
    private final Semaphore modelCalls = new Semaphore(MAX_MODEL_CALLS);
    private final Supplier<String> metrics;
    private final AdminToken token;
    private final Function<String, ObjectNode> details;
    /** Model changes, predictions and relaying; null: this API is read-only and per instance. */
    private volatile ModelRequests requests;

    /**
     * @param port     port to listen on (0 for any)
     * @param registry the models of this instance
     * @param live     liveness ({@code /health}, {@code /health/live})
     * @param ready    readiness ({@code /health/ready})
     * @param metrics  Prometheus text exposition
     * @param token    admin token, or null for no protection
     * @param details  extra per-model JSON (prequential windows, alignment) or null
     */
    public HttpApi(int port, ModelRegistry registry, Supplier<Verdict> live, Supplier<Verdict> ready,
                   Supplier<String> metrics, String token, Function<String, ObjectNode> details) throws IOException {
        this(new InetSocketAddress(port), registry, live, ready, metrics, token, details);
    }

    /** As above, listening on {@code bind} (address and port; port 0 for any). */
    public HttpApi(InetSocketAddress bind, ModelRegistry registry, Supplier<Verdict> live, Supplier<Verdict> ready,
                   Supplier<String> metrics, String token, Function<String, ObjectNode> details) throws IOException {
        this.registry = registry;
        this.live = live;
        this.ready = ready;
        this.metrics = metrics;
        this.token = new AdminToken(token);
        this.details = details;
        server = HttpServer.create(bind, 64);
        server.setExecutor(Executors.newFixedThreadPool(4, daemon("alignstream-http")));
        server.createContext("/", this::handle);
        server.start();
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Attaches the model-changing, predicting and relaying endpoints. */
    void serveModelRequests(ModelRequests r) {
        this.requests = r;
    }

    /**
     * Where a request runs. Health, metrics and unknown paths are answered on the server's own
     * threads and never wait on anything. Everything under {@code /models} may wait (on a stream
     * thread, a relayed instance, the models topic), so it runs on a pool of its own: exports on
     * the export pool, the other model calls on the model pool; each pool takes only as many
     * requests as it has threads, and refuses one more at once with 503 {@code busy} and a
     * {@code Retry-After} rather than queueing it.
     */
    private void handle(HttpExchange ex) {
        String path = ex.getRequestURI().getPath();
        if (!path.equals("/models") && !path.startsWith("/models/")) {
            respond(ex, () -> general(ex, path));
            return;
        }
        boolean export = ex.getRequestMethod().equals("GET") && path.startsWith("/models/") && path.endsWith("/export");
        if (!export) {
            dispatch(ex, modelPool, modelCalls, MAX_MODEL_CALLS + " model requests are running; retry later",
                    () -> models(ex, path));
        } else if (!authorized(ex)) {
            // admin endpoints authenticate before saying anything about the model (or the load)
            respond(ex, () -> {
                ex.getResponseHeaders().add("WWW-Authenticate", "Bearer");
                send(ex, 401, "application/json", ApiError.body("unauthorized",
                        "export needs 'Authorization: Bearer <admin token>'"));
            });
        } else {
            dispatch(ex, exportPool, exports, MAX_EXPORTS + " exports are running; retry later", () -> models(ex, path));
        }
    }

    /** A request's work; any failure becomes a JSON error answer in {@link #respond}. */
    private interface Call {
        void run() throws IOException, InterruptedException, ExecutionException, TimeoutException;
    }

    /** Export slots not taken right now (observable state for tests that hold the slots). */
    int freeExportSlots() {
        return exports.availablePermits();
    }

    /** Runs {@code call} on {@code pool} when one of its {@code permits} is free, else answers 503 busy. */
    private void dispatch(HttpExchange ex, ExecutorService pool, Semaphore permits, String busy, Call call) {
        if (!permits.tryAcquire()) {
            respond(ex, () -> {
                ex.getResponseHeaders().set("Retry-After", "5");
                send(ex, 503, "application/json", ApiError.body("busy", busy));
            });
            return;
        }
        try {
            pool.execute(() -> {
                try {
                    respond(ex, call);
                } finally {
                    permits.release();
                }
            });
        } catch (RejectedExecutionException e) {
            permits.release();
            respond(ex, () -> send(ex, 503, "application/json", ApiError.body("busy", "the server is shutting down")));
        }
    }

    /** Runs {@code call}, answers its failures as JSON errors (never exception text), then closes the exchange. */
    private static void respond(HttpExchange ex, Call call) {
        // closed in finally, not try-with-resources: the error answers below need it open
        try {
            call.run();
        } catch (ApiError e) {
            trySend(ex, e.status(), e.body());
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("model request failed", e);
            trySend(ex, 503, ApiError.body("model busy or moved", "retry shortly"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the client went away mid-answer; nothing to tell it
            LOG.debug("{} {}: client gone", ex.getRequestMethod(), abbreviate(ex.getRequestURI().getPath()), e);
        } catch (RuntimeException e) {
            // the client learns nothing about the internals; the log has the whole story
            LOG.error("{} {} failed", ex.getRequestMethod(), abbreviate(ex.getRequestURI().getPath()), e);
            trySend(ex, 500, ApiError.body("internal error", "see the server log"));
        } finally {
            ex.close();
        }
    }

    /** Health, metrics, and the answers for paths that are not endpoints; never waits. */
    private void general(HttpExchange ex, String path) throws IOException {
        if (!ex.getRequestMethod().equals("GET")) {
            methodNotAllowed(ex, path, "GET");
        } else if (path.equals("/health") || path.equals("/health/live")) {
            health(ex, "not live", live.get());
        } else if (path.equals("/health/ready")) {
            health(ex, "not ready", ready.get());
        } else if (path.equals("/metrics")) {
            send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.get().getBytes(StandardCharsets.UTF_8));
        } else {
            send(ex, 404, "application/json", ApiError.body("no such endpoint", abbreviate(path)
                    + " (try /health, /health/live, /health/ready, /models, /models/{id}, /models/{id}/export,"
                    + " /metrics)"));
        }
    }

    /** Everything under {@code /models}; runs on the model or export pool. */
    private void models(HttpExchange ex, String path)
            throws IOException, InterruptedException, ExecutionException, TimeoutException {
        ModelRequests requests = this.requests;
        if (requests != null && requests.handleChange(ex, ex.getRequestMethod(), path)) {
            return;
        }
        if (!ex.getRequestMethod().equals("GET")) {
            methodNotAllowed(ex, path, requests == null ? "GET" : "GET, POST, PATCH, DELETE");
            return;
        }
        if (path.equals("/models") || path.equals("/models/")) {
            ArrayNode a = JSON.createArrayNode();
            for (ModelStatus s : registry.models()) {
                a.add(toJson(s));
            }
            if (requests != null) {
                a = requests.mergeWithPeers(ex, a);
            }
            send(ex, 200, "application/json", JSON.writeValueAsBytes(a));
            return;
        }
        String rest = path.substring("/models/".length());
        boolean export = rest.endsWith("/export");
        String id = export ? rest.substring(0, rest.length() - "/export".length()) : rest;
        // an export was authenticated before it was dispatched (handle)
        if (requests != null && requests.relayToOwner(ex, id,
                export ? ModelRequests.EXPORT_TIMEOUT : ModelRequests.ANSWER_TIMEOUT)) {
            return;
        }
        ModelStatus s = id.length() > ModelSpec.MAX_ID ? null : registry.status(id);
        if (s == null) {
            send(ex, 404, "application/json", ApiError.unknownModel(id).body());
        } else if (!export) {
            send(ex, 200, "application/json", JSON.writeValueAsBytes(toJson(s)));
        } else if (!registry.isLocal(id)) {
            if (requests != null) {
                requests.requireLive(id, s.stream());
            }
            send(ex, 404, "application/json", ApiError.body("model not here",
                    "model '" + id + "' does not live on this instance"));
        } else {
            byte[] file = registry.export(id).get(60, TimeUnit.SECONDS);
            ex.getResponseHeaders().add("Content-Disposition", "attachment; filename=\"" + id + ".safetensors\"");
            send(ex, 200, "application/octet-stream", file);
        }
    }

    private static void methodNotAllowed(HttpExchange ex, String path, String allow) throws IOException {
        ex.getResponseHeaders().set("Allow", allow);
        send(ex, 405, "application/json", ApiError.body("method not allowed", abbreviate(ex.getRequestMethod())
                + " " + abbreviate(path) + " is not an endpoint of this service"));
    }

    private static void health(HttpExchange ex, String notOk, Verdict v) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("status", v.ok() ? "up" : "down");
        if (!v.ok()) {
            o.put("error", notOk);
            o.put("detail", v.reason());
        }
        send(ex, v.ok() ? 200 : 503, "application/json", JSON.writeValueAsBytes(o));
    }

    private static void trySend(HttpExchange ex, int code, byte[] body) {
        try {
            send(ex, code, "application/json", body);
        } catch (IOException | RuntimeException ignored) {
            // headers may already be sent, or the client is gone
        }
    }

    private ObjectNode toJson(ModelStatus s) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", s.id());
        o.put("stream", s.stream());
        if (s.arch() != null) {
            o.put("arch", s.arch());
        }
        o.put("rule", s.rule());
        o.put("layers", s.layers());
        o.put("learning_rate", s.learningRate());
        o.put("batch_size", s.batchSize());
        o.put("samples_seen", s.samplesSeen());
        o.put("rejected_steps", s.rejectedSteps());
        o.put("paused", s.paused());
        o.put("state", s.state());
        if (s.memoryBytes() > 0) {
            o.put("memory_bytes", s.memoryBytes());
        }
        if (s.reason() != null) {
            o.put("reason", s.reason());
        }
        if (details != null) {
            ObjectNode d = details.apply(s.id());
            if (d != null) {
                o.setAll(d);
            }
        }
        return o;
    }

    private boolean authorized(HttpExchange ex) {
        return token.admits(ex);
    }

    private static String abbreviate(String s) {
        return ApiError.abbreviate(s);
    }

    private static void send(HttpExchange ex, int code, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((ExecutorService) server.getExecutor()).shutdownNow();
        exportPool.shutdownNow();
        modelPool.shutdownNow();
    }
}
