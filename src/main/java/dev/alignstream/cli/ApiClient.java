package dev.alignstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The service's HTTP API as the CLI uses it: one base URL (any instance answers for every
 * model), the admin token from the environment or a file (never the command line, where other
 * users could read it), and failures turned into one readable line.
 */
final class ApiClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The options every HTTP subcommand shares. */
    static final class Connection {
        @Option(names = "--url", defaultValue = "${env:ALIGNSTREAM_URL:-http://127.0.0.1:8080}",
                description = "base URL of any service instance (default ${DEFAULT-VALUE}; env ALIGNSTREAM_URL)")
        String url;

        @Option(names = "--admin-token-file",
                description = "file holding the admin token (else env ALIGNSTREAM_ADMIN_TOKEN; none: no Authorization header)")
        Path tokenFile;

        ApiClient client() throws IOException {
            String token;
            if (tokenFile != null) {
                token = Files.readString(tokenFile).strip();
                if (token.isEmpty()) {
                    throw new IllegalArgumentException("admin token file " + tokenFile + " is empty");
                }
            } else {
                token = System.getenv("ALIGNSTREAM_ADMIN_TOKEN");
            }
            return new ApiClient(url, token);
        }
    }

    /** An answer: status and body. */
    record Response(int status, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final URI base;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    ApiClient(String url, String token) {
        String u = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        if (!u.startsWith("http://") && !u.startsWith("https://")) {
            throw new IllegalArgumentException("--url must start with http:// or https://, got '" + url + "'");
        }
        this.base = URI.create(u);
        this.token = token == null || token.isEmpty() ? null : token;
    }

    /**
     * Sends a request and returns the answer when its status is 2xx.
     *
     * @throws IllegalStateException with the service's {@code error: detail} (or why it could not be reached)
     */
    Response send(String method, String path, byte[] body, Duration timeout) throws InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpResponse<byte[]> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (ConnectException e) {
            throw new IllegalStateException("cannot connect to " + base + " (is the service running there?)");
        } catch (HttpTimeoutException e) {
            throw new IllegalStateException(base + " did not answer within " + timeout.toSeconds() + " s");
        } catch (IOException e) {
            throw new IllegalStateException("request to " + base + " failed: " + e.getMessage());
        }
        Response resp = new Response(r.statusCode(), r.body());
        if (resp.status() / 100 != 2) {
            throw new IllegalStateException(describeError(resp) + (resp.status() == 401
                    ? " (set ALIGNSTREAM_ADMIN_TOKEN or --admin-token-file)" : ""));
        }
        return resp;
    }

    /** {@code "HTTP 404 unknown model: no model 'x' is declared"} from an error answer. */
    static String describeError(Response r) {
        String text = r.text();
        try {
            JsonNode o = JSON.readTree(text);
            if (o != null && o.has("error")) {
                return "HTTP " + r.status() + " " + o.path("error").asText()
                        + (o.hasNonNull("detail") ? ": " + o.path("detail").asText() : "");
            }
        } catch (IOException e) {
            // not JSON: show its start
        }
        return "HTTP " + r.status() + (text.isBlank() ? "" : " " + text.substring(0, Math.min(200, text.length())).strip());
    }
}
