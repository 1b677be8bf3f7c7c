package dev.alignstream.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.alignstream.core.Activation;
import dev.alignstream.core.Model;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import dev.alignstream.io.ModelFile;
import dev.alignstream.stream.ModelRegistry;
import dev.alignstream.stream.ServiceHealth.Verdict;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP contract without Kafka: liveness and readiness follow their sources, slow exports
 * cannot starve health checks, unknown models and paths are
 * JSON 404s, the admin endpoint refuses missing or wrong tokens before saying anything about a
 * model, and probes and scrapers never need a token.
 */
class HttpApiTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String TOKEN = "s3cret-token";

    private final AtomicReference<Verdict> live = new AtomicReference<>(Verdict.OK);
    private final AtomicReference<Verdict> ready = new AtomicReference<>(Verdict.OK);
    private HttpApi api;

    @BeforeEach
    void start() throws Exception {
        api = new HttpApi(0, new ModelRegistry(), live::get, ready::get, () -> "alignstream_records_in_total 7.0\n", TOKEN,
                id -> null);
    }

    @AfterEach
    void stop() {
        api.close();
    }

    private HttpResponse<String> get(String path, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path))
                .timeout(Duration.ofSeconds(10));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void healthIsLivenessAndReadinessFromTheHealthSource() throws Exception {
        for (String path : new String[] {"/health", "/health/live", "/health/ready"}) {
            HttpResponse<String> r = get(path, null);
            assertEquals(200, r.statusCode(), path);
            assertEquals("{\"status\":\"up\"}", r.body(), path);
        }
        ready.set(new Verdict(false, "restoring 2 changelog partitions"));
        assertEquals(200, get("/health", null).statusCode(), "restoring is live");
        assertEquals(200, get("/health/live", null).statusCode(), "restoring is live");
        HttpResponse<String> notReady = get("/health/ready", null);
        assertEquals(503, notReady.statusCode());
        assertEquals("{\"status\":\"down\",\"error\":\"not ready\",\"detail\":\"restoring 2 changelog partitions\"}",
                notReady.body());
        live.set(new Verdict(false, "stream threads replaced 4 times within 60 s"));
        for (String path : new String[] {"/health", "/health/live"}) {
            HttpResponse<String> r = get(path, null);
            assertEquals(503, r.statusCode(), path);
            assertTrue(r.body().contains("\"error\":\"not live\"") && r.body().contains("replaced 4 times"), r.body());
        }
    }

    /**
     * Two clients that request a large export and never read it hold both export slots; a third
     * export is refused at once with 503, and health, metrics and the model list still answer.
     */
    @Test
    void slowExportsCannotStarveHealthAndExtraExportsAreRefused() throws Exception {
        ModelRegistry registry = new ModelRegistry();
        // ~16 MB model file: more than the socket buffers hold, so a client that reads nothing blocks its export
        Model big = Model.create(new ModelConfig(new int[] {1000, 1000, 1000, 10}, Activation.RELU, RuleName.BP, 0.1f, 1, 1L,
                0f, 1f, false));
        TestOwner.own(registry, "big", "s", big);
        List<Socket> stalled = new ArrayList<>();
        try (HttpApi local = new HttpApi(0, registry, () -> Verdict.OK, () -> Verdict.OK, () -> "", TOKEN, id -> null)) {
            for (int i = 0; i < HttpApi.MAX_EXPORTS; i++) {
                // a small receive buffer set before connecting, so the window is small from the handshake on
                // (set after connect, the kernel may already have advertised an autotuned window of megabytes)
                Socket s = new Socket();
                s.setReceiveBufferSize(4096);
                s.connect(new java.net.InetSocketAddress("127.0.0.1", local.port()));
                s.getOutputStream().write(("GET /models/big/export HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN
                        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                stalled.add(s);
            }
            HttpRequest export = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + local.port() + "/models/big/export"))
                    .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(30)).build();
            // the stalled exports take their slots asynchronously: the third asks only once both are taken
            // (asked earlier, it could take a slot itself and leave a stalled client the refusal)
            dev.alignstream.testing.Await.until("both export slots held by the stalled clients", Duration.ofSeconds(30),
                    local::freeExportSlots, free -> free == 0);
            HttpResponse<String> third = HTTP.send(export, HttpResponse.BodyHandlers.ofString());
            assertEquals(503, third.statusCode(), "a third concurrent export is refused");
            assertTrue(third.body().startsWith("{\"error\":\"busy\",\"detail\":"), third.body());
            assertEquals("5", third.headers().firstValue("Retry-After").orElse(""));
            for (int i = 0; i < 20; i++) {
                for (String path : new String[] {"/health/live", "/health/ready", "/metrics", "/models"}) {
                    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + local.port()
                            + path)).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                    assertEquals(200, r.statusCode(), path);
                }
            }
            for (Socket s : stalled) {
                s.close();
            }
            stalled.clear();
            // once the stalled clients are gone, their slots come back
            HttpResponse<byte[]> ok = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                ok = HTTP.send(export, HttpResponse.BodyHandlers.ofByteArray());
                if (ok.statusCode() == 200) {
                    break;
                }
            }
            assertEquals(200, ok.statusCode());
            assertTrue(ModelFile.fromBytes(ok.body()).live().bitEquals(big.live()));
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
        }
    }

    @Test
    void metricsAreOpenAndInPrometheusTextFormat() throws Exception {
        HttpResponse<String> r = get("/metrics", null);
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"), r.headers().toString());
        assertEquals("alignstream_records_in_total 7.0\n", r.body());
    }

    @Test
    void modelsIsAJsonArrayAndUnknownModelsAreJson404s() throws Exception {
        HttpResponse<String> list = get("/models", null);
        assertEquals(200, list.statusCode());
        assertEquals("[]", list.body());
        HttpResponse<String> unknown = get("/models/nope", null);
        assertEquals(404, unknown.statusCode());
        assertTrue(unknown.body().startsWith("{\"error\":") && unknown.body().contains("nope"), unknown.body());
        assertEquals(404, get("/models/" + "x".repeat(5000), null).statusCode());
        assertEquals(404, get("/nothing-here", null).statusCode());
    }

    @Test
    void exportNeedsTheAdminToken() throws Exception {
        HttpResponse<String> none = get("/models/nope/export", null);
        assertEquals(401, none.statusCode());
        assertEquals("Bearer", none.headers().firstValue("WWW-Authenticate").orElse(""));
        assertEquals(401, get("/models/nope/export", "Bearer wrong").statusCode());
        assertEquals(401, get("/models/nope/export", "Bearer " + TOKEN + "x").statusCode());
        assertEquals(401, get("/models/nope/export", "Basic " + TOKEN).statusCode());
        // right token: now the request gets as far as the model lookup
        assertEquals(404, get("/models/nope/export", "Bearer " + TOKEN).statusCode());
        assertEquals(404, get("/models/nope/export", "bearer " + TOKEN).statusCode());
    }

    @Test
    void exportWithTheTokenIsTheModelFile() throws Exception {
        ModelRegistry registry = new ModelRegistry();
        Model model = Model.create(new ModelConfig(new int[] {4, 5, 2}, Activation.RELU, RuleName.BP, 0.1f, 1, 1L, 0f, 1f, false));
        TestOwner.own(registry, "m1", "s1", model);
        try (HttpApi local = new HttpApi(0, registry, () -> Verdict.OK, () -> Verdict.OK, () -> "", TOKEN, id -> null)) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + local.port() + "/models/m1/export"));
            assertEquals(401, HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray()).statusCode());
            HttpResponse<byte[]> ok = HTTP.send(b.header("Authorization", "Bearer " + TOKEN).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, ok.statusCode());
            assertEquals("application/octet-stream", ok.headers().firstValue("Content-Type").orElse(""));
            assertTrue(ModelFile.fromBytes(ok.body()).live().bitEquals(model.live()));
            HttpRequest.Builder list = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + local.port() + "/models/m1"));
            String json = HTTP.send(list.build(), HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(json.contains("\"id\":\"m1\"") && json.contains("\"samples_seen\":0") && json.contains("\"layers\":\"4,5,2\""),
                    json);
        }
    }

    @Test
    void anUnexpectedFailureIsAJson500WithoutExceptionText() throws Exception {
        ModelRegistry registry = new ModelRegistry();
        TestOwner.own(registry, "m1", "s1", Model.create(ModelConfig.of(RuleName.BP, 0.1f, 4, 2)));
        try (HttpApi failing = new HttpApi(0, registry, () -> Verdict.OK, () -> Verdict.OK, () -> "", TOKEN, id -> {
            throw new IllegalStateException("secret internal state /etc/passwd");
        })) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + failing.port() + "/models/m1")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(500, r.statusCode());
            assertEquals("{\"error\":\"internal error\",\"detail\":\"see the server log\"}", r.body());
        }
    }

    @Test
    void onlyGetIsAllowed() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + "/models"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, r.statusCode());
        assertEquals("GET", r.headers().firstValue("Allow").orElse(""));
    }
}
