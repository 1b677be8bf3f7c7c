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
import java.security.MessageDigest;
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
 * admin token is configured, export requires {@code Authorization: Bearer <token>}; health and
 * metrics stay open for probes and scrapers. No endpoint reads a request body; the JDK server
 * drains at most 64 KiB of an unread body before dropping the connection, and slow requests are
 * cut off (see the static initializer).
 *
 * <p>Health probes cannot be starved by exports: an export (which waits for the model's stream
 * thread, then sends up to tens of MB to a client that may read slowly) runs on its own small
 * pool, at most {@value #MAX_EXPORTS} at a time; one more is answered at once with 503 and a
 * {@code Retry-After}. The server's own threads answer only requests that never wait on a
 * stream thread (health, metrics, the model directory).
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
    private static final String BEARER = "bearer ";
    /** Exports running at once; a model file can be tens of MB. */
    static final int MAX_EXPORTS = 2;

    private final HttpServer server;
    private final ModelRegistry registry;
    private final Supplier<Verdict> live;
    private final Supplier<Verdict> ready;
    private final ExecutorService exportPool = Executors.newFixedThreadPool(MAX_EXPORTS, daemon("alignstream-export"));
    private final Semaphore exports = new Semaphore(MAX_EXPORTS);
    private final Supplier<String> metrics;
    private final byte[] token;
    private final Function<String, ObjectNode> details;

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
        this.registry = registry;
        this.live = live;
        this.ready = ready;
        this.metrics = metrics;
        this.token = token == null || token.isEmpty() ? null : token.getBytes(StandardCharsets.UTF_8);
        this.details = details;
        server = HttpServer.create(new InetSocketAddress(port), 64);
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

    private void handle(HttpExchange ex) throws IOException {
        boolean handedOff = false;
        try {
            String path = ex.getRequestURI().getPath();
            if (!ex.getRequestMethod().equals("GET")) {
                ex.getResponseHeaders().set("Allow", "GET");
                send(ex, 405, "application/json", error("only GET is supported"));
                return;
            }
            if (path.equals("/health") || path.equals("/health/live")) {
                health(ex, "not live", live.get());
            } else if (path.equals("/health/ready")) {
                health(ex, "not ready", ready.get());
            } else if (path.equals("/metrics")) {
                send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.get().getBytes(StandardCharsets.UTF_8));
            } else if (path.equals("/models") || path.equals("/models/")) {
                ArrayNode a = JSON.createArrayNode();
                for (ModelStatus s : registry.models()) {
                    a.add(toJson(s));
                }
                send(ex, 200, "application/json", JSON.writeValueAsBytes(a));
            } else if (path.startsWith("/models/")) {
                String rest = path.substring("/models/".length());
                boolean export = rest.endsWith("/export");
                String id = export ? rest.substring(0, rest.length() - "/export".length()) : rest;
                // admin endpoints authenticate before saying anything about the model
                if (export && !authorized(ex)) {
                    ex.getResponseHeaders().add("WWW-Authenticate", "Bearer");
                    send(ex, 401, "application/json", error("export needs 'Authorization: Bearer <admin token>'"));
                    return;
                }
                ModelStatus s = id.length() > ModelSpec.MAX_ID ? null : registry.status(id);
                if (s == null) {
                    send(ex, 404, "application/json", error("unknown model '" + abbreviate(id) + "'"));
                } else if (!export) {
                    send(ex, 200, "application/json", JSON.writeValueAsBytes(toJson(s)));
                } else if (!registry.isLocal(id)) {
                    send(ex, 404, "application/json", error("model '" + id + "' does not live on this instance"));
                } else {
                    handedOff = startExport(ex, id);
                }
            } else {
                send(ex, 404, "application/json", error("no such endpoint: " + abbreviate(path)
                        + " (try /health, /health/live, /health/ready, /models, /models/{id}, /models/{id}/export, /metrics)"));
            }
        } catch (RuntimeException e) {
            send(ex, 500, "application/json", error(e.toString()));
        } finally {
            if (!handedOff) {
                ex.close();
            }
        }
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

    /**
     * Hands an export to the export pool, or answers 503 when {@value #MAX_EXPORTS} run already.
     * Returns whether the pool now owns (and will close) the exchange.
     */
    private boolean startExport(HttpExchange ex, String id) throws IOException {
        if (!exports.tryAcquire()) {
            ex.getResponseHeaders().set("Retry-After", "5");
            send(ex, 503, "application/json", error("busy", MAX_EXPORTS + " exports are running; retry later"));
            return false;
        }
        try {
            exportPool.execute(() -> {
                try (ex) {
                    export(ex, id);
                } finally {
                    exports.release();
                }
            });
            return true;
        } catch (RejectedExecutionException e) {
            exports.release();
            send(ex, 503, "application/json", error("busy", "the server is shutting down"));
            return false;
        }
    }

    private void export(HttpExchange ex, String id) {
        try {
            byte[] file = registry.export(id).get(60, TimeUnit.SECONDS);
            ex.getResponseHeaders().add("Content-Disposition", "attachment; filename=\"" + id + ".safetensors\"");
            send(ex, 200, "application/octet-stream", file);
        } catch (ExecutionException | TimeoutException e) {
            trySend(ex, 503, error("model busy or moved", String.valueOf(e.getMessage())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the client went away mid-answer; nothing to tell it
        } catch (RuntimeException e) {
            trySend(ex, 500, error(e.toString()));
        }
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
        o.put("rule", s.rule());
        o.put("layers", s.layers());
        o.put("learning_rate", s.learningRate());
        o.put("batch_size", s.batchSize());
        o.put("samples_seen", s.samplesSeen());
        o.put("rejected_steps", s.rejectedSteps());
        o.put("paused", s.paused());
        o.put("state", s.state());
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
        if (token == null) {
            return true;
        }
        String h = ex.getRequestHeaders().getFirst("Authorization");
        // the scheme name is case-insensitive (RFC 9110); the token comparison takes constant time
        if (h == null || h.length() < BEARER.length() || !h.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        return MessageDigest.isEqual(token, h.substring(BEARER.length()).trim().getBytes(StandardCharsets.UTF_8));
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }

    private static byte[] error(String message) {
        return error(message, null);
    }

    /** The error body of SPEC section 9: {@code {"error": ..., "detail": ...}}. */
    private static byte[] error(String message, String detail) {
        ObjectNode o = JSON.createObjectNode();
        o.put("error", message);
        if (detail != null) {
            o.put("detail", detail);
        }
        return o.toString().getBytes(StandardCharsets.UTF_8);
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
    }
}
