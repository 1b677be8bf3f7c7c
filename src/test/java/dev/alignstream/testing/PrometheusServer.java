package dev.alignstream.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus server (the Debian {@code prometheus} binary) in a child process, for tests
 * that must prove the shipped dashboards' queries work against what the service really exports.
 * It listens on a free loopback port, keeps its data in the given directory, and is killed by
 * {@link #close()} whatever happened.
 */
public final class PrometheusServer implements AutoCloseable {

    public static final Path BINARY = Path.of("/usr/bin/prometheus");
    public static final Path PROMTOOL = Path.of("/usr/bin/promtool");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final Process process;
    private final int port;
    private final Path log;

    private PrometheusServer(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    public static boolean installed() {
        return Files.isExecutable(BINARY) && Files.isExecutable(PROMTOOL);
    }

    /** A configuration that scrapes {@code target} (host:port) at {@code /metrics} every second. */
    public static String scrapeConfig(String job, String target) {
        return "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                + "scrape_configs:\n  - job_name: " + job + "\n    metrics_path: /metrics\n"
                + "    static_configs:\n      - targets: ['" + target + "']\n";
    }

    /** Runs {@code promtool check config FILE}; returns its combined output, or throws if it fails. */
    public static String checkConfig(Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(PROMTOOL.toString(), "check", "config", file.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("promtool check config " + file + " did not finish");
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("promtool check config " + file + " failed (exit " + p.exitValue() + "):\n" + out);
        }
        return out;
    }

    /** Starts Prometheus with {@code config} (YAML text), storing everything under {@code dir}. */
    public static PrometheusServer start(String config, Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path configFile = dir.resolve("prometheus.yml");
        Files.writeString(configFile, config);
        checkConfig(configFile);
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path log = dir.resolve("prometheus.log");
        Process p = new ProcessBuilder(BINARY.toString(), "--config.file=" + configFile,
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                "--storage.tsdb.retention.time=1h")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        PrometheusServer server = new PrometheusServer(p, port, log);
        try {
            server.awaitReady(Duration.ofSeconds(60));
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            server.close();
            throw e;
        }
        return server;
    }

    private void awaitReady(Duration timeout) throws IOException, InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                throw new IOException("prometheus exited with " + process.exitValue() + ":\n" + logText());
            }
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base() + "/-/ready"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IOException("prometheus not ready within " + timeout + ":\n" + logText());
    }

    public String logText() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }

    private String base() {
        return "http://127.0.0.1:" + port;
    }

    /** {@code GET /api/v1/query?query=EXPR}: the {@code data.result} array; fails on an error answer. */
    public JsonNode query(String expr) throws IOException, InterruptedException {
        return get("/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8)).path("result");
    }

    /** {@code GET /api/v1/label/NAME/values?match[]=SELECTOR}: the label's values among matching series. */
    public List<String> labelValues(String label, String selector) throws IOException, InterruptedException {
        JsonNode data = get("/api/v1/label/" + URLEncoder.encode(label, StandardCharsets.UTF_8) + "/values?match[]="
                + URLEncoder.encode(selector, StandardCharsets.UTF_8));
        List<String> out = new java.util.ArrayList<>();
        data.forEach(v -> out.add(v.asText()));
        return out;
    }

    private JsonNode get(String pathAndQuery) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base() + pathAndQuery))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode body = JSON.readTree(r.body());
        if (r.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
            throw new IOException("prometheus answered " + r.statusCode() + " to " + pathAndQuery + ": " + r.body());
        }
        return body.path("data");
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
