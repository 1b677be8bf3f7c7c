package dev.alignstream.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.alignstream.stream.ModelRegistry;
import dev.alignstream.stream.ModelSpec;
import dev.alignstream.stream.ModelStatus;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
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

    private final HttpServer server;
    private final ModelRegistry registry;
    private final BooleanSupplier healthy;
    private final Supplier<String> metrics;
    private final AdminToken token;
    private final Function<String, ObjectNode> details;
    /** Model changes, predictions and relaying; null: this API is read-only and per instance. */
    private volatile ModelRequests requests;

    /**
     * @param port     port to listen on (0 for any)
     * @param registry the models of this instance
     * @param healthy  true while the service runs
     * @param metrics  Prometheus text exposition
     * @param token    admin token, or null for no protection
     * @param details  extra per-model JSON (prequential windows, alignment) or null
     */
    public HttpApi(int port, ModelRegistry registry, BooleanSupplier healthy, Supplier<String> metrics, String token,
                   Function<String, ObjectNode> details) throws IOException {
        this(new InetSocketAddress(port), registry, healthy, metrics, token, details);
    }

    /** As above, listening on {@code bind} (address and port; port 0 for any). */
    public HttpApi(InetSocketAddress bind, ModelRegistry registry, BooleanSupplier healthy, Supplier<String> metrics,
                   String token, Function<String, ObjectNode> details) throws IOException {
        this.registry = registry;
        this.healthy = healthy;
        this.metrics = metrics;
        this.token = new AdminToken(token);
        this.details = details;
        server = HttpServer.create(bind, 64);
        server.setExecutor(Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "alignstream-http");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Attaches the model-changing, predicting and relaying endpoints. */
    void serveModelRequests(ModelRequests r) {
        this.requests = r;
    }

    private void handle(HttpExchange ex) throws IOException {
        // closed in finally, not try-with-resources: the error answers below need it open
        try {
            String path = ex.getRequestURI().getPath();
            ModelRequests requests = this.requests;
            if (requests != null && requests.handleChange(ex, ex.getRequestMethod(), path)) {
                return;
            }
            if (!ex.getRequestMethod().equals("GET")) {
                ex.getResponseHeaders().set("Allow", requests == null ? "GET" : "GET, POST, PATCH, DELETE");
                send(ex, 405, "application/json", ApiError.body("method not allowed", abbreviate(ex.getRequestMethod())
                        + " " + abbreviate(path) + " is not an endpoint of this service"));
                return;
            }
            if (path.equals("/health")) {
                boolean ok = healthy.getAsBoolean();
                send(ex, ok ? 200 : 503, "application/json",
                        ("{\"status\":\"" + (ok ? "up" : "down") + "\"}").getBytes(StandardCharsets.UTF_8));
            } else if (path.equals("/metrics")) {
                send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.get().getBytes(StandardCharsets.UTF_8));
            } else if (path.equals("/models") || path.equals("/models/")) {
                ArrayNode a = JSON.createArrayNode();
                for (ModelStatus s : registry.models()) {
                    a.add(toJson(s));
                }
                if (requests != null) {
                    a = requests.mergeWithPeers(ex, a);
                }
                send(ex, 200, "application/json", JSON.writeValueAsBytes(a));
            } else if (path.startsWith("/models/")) {
                String rest = path.substring("/models/".length());
                boolean export = rest.endsWith("/export");
                String id = export ? rest.substring(0, rest.length() - "/export".length()) : rest;
                // admin endpoints authenticate before saying anything about the model
                if (export && !authorized(ex)) {
                    ex.getResponseHeaders().add("WWW-Authenticate", "Bearer");
                    send(ex, 401, "application/json", ApiError.body("unauthorized",
                            "export needs 'Authorization: Bearer <admin token>'"));
                    return;
                }
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
            } else {
                send(ex, 404, "application/json", ApiError.body("no such endpoint", abbreviate(path)
                        + " (try /health, /models, /models/{id}, /models/{id}/export, /metrics)"));
            }
        } catch (ApiError e) {
            send(ex, e.status(), "application/json", e.body());
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("model request failed", e);
            send(ex, 503, "application/json", ApiError.body("model busy or moved", "retry shortly"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // the client learns nothing about the internals; the log has the whole story
            LOG.error("{} {} failed", ex.getRequestMethod(), abbreviate(ex.getRequestURI().getPath()), e);
            send(ex, 500, "application/json", ApiError.body("internal error", "see the server log"));
        } finally {
            ex.close();
        }
    }

    private ObjectNode toJson(ModelStatus s) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", s.id());
        o.put("stream", s.stream());
        o.put("rule", s.rule());
        o.put("layers", s.layers());
        o.put("learning_rate", s.learningRate());
        o.put("batch_size", s.batchSize());
        o.put("samples_seen", s.samplesSeen());
        o.put("rejected_steps", s.rejectedSteps());
        o.put("paused", s.paused());
        o.put("state", s.state());
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

    /** An error body without a detail (prefer {@link ApiError#body(String, String)}). */
    private static byte[] error(String message) {
        return ApiError.body(message, null);
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
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
