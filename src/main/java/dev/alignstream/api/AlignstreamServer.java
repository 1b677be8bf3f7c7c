package dev.alignstream.api;

import dev.alignstream.metrics.LearningMetrics;
import dev.alignstream.stream.AlignstreamService;
import dev.alignstream.stream.ServiceConfig;
import dev.alignstream.stream.MemoryBudget;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.apache.kafka.streams.state.HostInfo;

/**
 * One running alignstream process: the streaming service, its metrics and its HTTP endpoints,
 * started and stopped together. {@code serve} and {@code demo} both run exactly this.
 */
public final class AlignstreamServer implements AutoCloseable {

    private final AlignstreamService service;
    private final LearningMetrics metrics;
    private final HttpApi http;
    private final DeclarationWriter declarations;

    private AlignstreamServer(AlignstreamService service, LearningMetrics metrics, HttpApi http,
                              DeclarationWriter declarations) {
        this.service = service;
        this.metrics = metrics;
        this.http = http;
        this.declarations = declarations;
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
        return start(config, HttpSettings.onPort(httpPort, adminToken), alignmentPeriodSec, startupTimeout);
    }

    /**
     * Starts everything and waits until the stream application runs. The HTTP port is bound
     * first, so the address advertised to the other instances names the port really used.
     */
    public static AlignstreamServer start(ServiceConfig config, HttpSettings settings, int alignmentPeriodSec,
                                          Duration startupTimeout) throws IOException, InterruptedException {
        AlignstreamService service = new AlignstreamService(config);
        LearningMetrics metrics = new LearningMetrics(service.registry(), alignmentPeriodSec);
        service.registry().addListener(metrics);
        HttpApi http = null;
        DeclarationWriter declarations = null;
        try {
            http = new HttpApi(new InetSocketAddress(settings.bindHost(), settings.port()), service.registry(),
                    service.health()::live, service.health()::ready, metrics::scrape, settings.adminToken(),
                    metrics::details);
            String advertised = settings.advertisedAddress() != null ? settings.advertisedAddress()
                    : "127.0.0.1:" + http.port();
            HostInfo self = Forwarding.parseAddress(advertised);
            service.start(advertised);
            metrics.bind(service.kafkaStreams());
            // the service's start restored the models topic into the registry's declarations
            declarations = new DeclarationWriter(config, service.registry().declarations());
            http.serveModelRequests(new ModelRequests(service.registry(), declarations, new Forwarding(self, service),
                    new AdminToken(settings.adminToken()), new MemoryBudget(config.memoryBudget()).total()));
            if (!service.awaitRunning(startupTimeout)) {
                throw new IOException("the stream application did not reach RUNNING within " + startupTimeout.toSeconds()
                        + " s (state " + service.state() + "); is Kafka reachable at " + config.bootstrapServers() + "?");
            }
            return new AlignstreamServer(service, metrics, http, declarations);
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (http != null) {
                http.close();
            }
            if (declarations != null) {
                declarations.close();
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
        declarations.close();
        service.close();
        metrics.close();
    }
}
