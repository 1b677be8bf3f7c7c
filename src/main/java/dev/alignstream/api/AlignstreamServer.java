package dev.alignstream.api;

import dev.alignstream.metrics.LearningMetrics;
import dev.alignstream.stream.AlignstreamService;
import dev.alignstream.stream.ServiceConfig;
import java.io.IOException;
import java.time.Duration;

/**
 * One running alignstream process: the streaming service, its metrics and its HTTP endpoints,
 * started and stopped together. {@code serve} and {@code demo} both run exactly this.
 */
public final class AlignstreamServer implements AutoCloseable {

    private final AlignstreamService service;
    private final LearningMetrics metrics;
    private final HttpApi http;

    private AlignstreamServer(AlignstreamService service, LearningMetrics metrics, HttpApi http) {
        this.service = service;
        this.metrics = metrics;
        this.http = http;
    }

    /**
     * Starts everything and waits until the stream application runs.
     *
     * @param httpPort           HTTP port, 0 for any free one
     * @param adminToken         token for admin endpoints, or null
     * @param alignmentPeriodSec how often alignment gauges are recomputed
     */
    public static AlignstreamServer start(ServiceConfig config, int httpPort, String adminToken, int alignmentPeriodSec,
                                          Duration startupTimeout) throws IOException, InterruptedException {
        AlignstreamService service = new AlignstreamService(config);
        LearningMetrics metrics = new LearningMetrics(service.registry(), alignmentPeriodSec);
        service.registry().addListener(metrics);
        HttpApi http = null;
        try {
            service.start();
            metrics.bind(service.kafkaStreams());
            http = new HttpApi(httpPort, service.registry(), service.health()::live, service.health()::ready,
                    metrics::scrape, adminToken, metrics::details);
            if (!service.awaitRunning(startupTimeout)) {
                throw new IOException("the stream application did not reach RUNNING within " + startupTimeout.toSeconds()
                        + " s (state " + service.state() + "); is Kafka reachable at " + config.bootstrapServers() + "?");
            }
            return new AlignstreamServer(service, metrics, http);
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (http != null) {
                http.close();
            }
            service.close();
            metrics.close();
            throw e;
        }
    }

    public AlignstreamService service() {
        return service;
    }

    public LearningMetrics metrics() {
        return metrics;
    }

    public int httpPort() {
        return http.port();
    }

    @Override
    public void close() {
        http.close();
        service.close();
        metrics.close();
    }
}
