package dev.alignstream.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.alignstream.core.Activation;
import dev.alignstream.core.Model;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import dev.alignstream.io.ModelFile;
import dev.alignstream.stream.ModelRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The HTTP endpoints without Kafka: health, unknown models, and the admin token on export. */
class HttpApiTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static HttpResponse<byte[]> get(int port, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void healthFollowsTheServiceAndExportNeedsTheToken() throws Exception {
        AtomicBoolean up = new AtomicBoolean(false);
        ModelRegistry registry = new ModelRegistry();
        Model model = Model.create(new ModelConfig(new int[] {4, 5, 2}, Activation.RELU, RuleName.BP, 0.1f, 1, 1L, 0f, 1f, false));
        TestOwner.own(registry, "m1", "s1", model);
        try (HttpApi api = new HttpApi(0, registry, up::get, () -> "# metrics\n", "s3cret", id -> null)) {
            int port = api.port();
            assertEquals(503, get(port, "/health", null).statusCode());
            up.set(true);
            assertEquals(200, get(port, "/health", null).statusCode());
            assertEquals(200, get(port, "/metrics", null).statusCode());
            assertEquals(404, get(port, "/models/nope", null).statusCode());
            assertEquals(404, get(port, "/models/nope/export", "s3cret").statusCode());
            String list = new String(get(port, "/models", null).body());
            assertTrue(list.contains("\"id\":\"m1\"") && list.contains("\"samples_seen\":0"), list);
            assertEquals(401, get(port, "/models/m1/export", null).statusCode());
            assertEquals(401, get(port, "/models/m1/export", "wrong").statusCode());
            HttpResponse<byte[]> ok = get(port, "/models/m1/export", "s3cret");
            assertEquals(200, ok.statusCode());
            assertEquals("application/octet-stream", ok.headers().firstValue("Content-Type").orElse(""));
            assertTrue(ModelFile.fromBytes(ok.body()).live().bitEquals(model.live()));
        }
    }
}
