package dev.alignstream.api;

import com.sun.net.httpserver.HttpExchange;
import dev.alignstream.stream.AlignstreamService;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the instance a model lives on and relays requests to it, so clients need one address.
 * A model lives where its stream's partition is processed; Kafka Streams' metadata names that
 * instance by the address it advertised ({@code application.server}).
 *
 * <p>A relayed request carries {@link #HEADER}; an instance never relays such a request again,
 * so a request crosses at most one hop even while ownership moves (the receiver then answers
 * from what it has, e.g. 503 "moved"). The client's {@code Authorization} header travels with
 * it: the owner checks the token again.
 */
final class Forwarding {

    /** Marks a request relayed by another instance. */
    static final String HEADER = "X-Alignstream-Forwarded";

    private static final Logger LOG = LoggerFactory.getLogger(Forwarding.class);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
    private static final List<String> RELAYED_RESPONSE_HEADERS = List.of("Content-Type", "Content-Disposition",
            "WWW-Authenticate", "Retry-After");

    private final HostInfo self;
    private final AlignstreamService service;
    private final HttpClient client;

    /**
     * @param self    this instance's advertised address (as in {@code application.server})
     * @param service the running service whose metadata says who owns what
     */
    Forwarding(HostInfo self, AlignstreamService service) {
        this.self = self;
        this.service = service;
        this.client = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
                .executor(Executors.newCachedThreadPool(r -> {
                    Thread t = new Thread(r, "alignstream-forward");
                    t.setDaemon(true);
                    return t;
                })).build();
    }

    static boolean isForwarded(HttpExchange ex) {
        return ex.getRequestHeaders().containsKey(HEADER);
    }

    HostInfo self() {
        return self;
    }

    /** The owner of {@code stream}'s models when it is another instance; empty when it is this one or unknown. */
    Optional<HostInfo> remoteOwner(String stream) {
        HostInfo owner = owner(stream);
        return owner == null || owner.equals(self) ? Optional.empty() : Optional.of(owner);
    }

    /** Whether this instance processes {@code stream}'s partition now. */
    boolean ownsHere(String stream) {
        return self.equals(owner(stream));
    }

    private HostInfo owner(String stream) {
        try {
            KeyQueryMetadata m = service.ownerOfStream(stream);
            HostInfo h = m == null ? null : m.activeHost();
            return h == null || h.equals(HostInfo.unavailable()) ? null : h;
        } catch (RuntimeException e) {
            // not running, store unknown while starting: nobody is known to own it
            LOG.debug("no owner known for stream {}", stream, e);
            return null;
        }
    }

    /** Every other instance of this deployment. */
    List<HostInfo> peers() {
        try {
            return service.instances().stream().filter(h -> !h.equals(self) && !h.equals(HostInfo.unavailable())).toList();
        } catch (RuntimeException e) {
            LOG.debug("instance metadata unavailable", e);
            return List.of();
        }
    }

    /**
     * Relays the request to {@code to} and copies its answer back (status, body and the headers a
     * client needs). The exchange's request body must already have been read into {@code body}.
     *
     * @throws ApiError 502 when the owner cannot be reached
     */
    void relay(HttpExchange ex, HostInfo to, byte[] body, Duration timeout) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = send(ex, to, ex.getRequestURI().getRawPath() + query(ex), body, timeout);
        for (String h : RELAYED_RESPONSE_HEADERS) {
            r.headers().firstValue(h).ifPresent(v -> ex.getResponseHeaders().set(h, v));
        }
        byte[] answer = r.body();
        ex.sendResponseHeaders(r.statusCode(), answer.length == 0 ? -1 : answer.length);
        if (answer.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(answer);
            }
        }
    }

    /** {@code GET path} on a peer, marked forwarded, with the client's credentials; null when it fails. */
    byte[] fetch(HttpExchange ex, HostInfo peer, String path, Duration timeout) throws InterruptedException {
        try {
            HttpResponse<byte[]> r = send(ex, peer, path, null, timeout);
            if (r.statusCode() == 200) {
                return r.body();
            }
            LOG.warn("instance {}:{} answered {} for {}", peer.host(), peer.port(), r.statusCode(), path);
        } catch (ApiError e) {
            // logged by send
        }
        return null;
    }

    private HttpResponse<byte[]> send(HttpExchange ex, HostInfo to, String pathAndQuery, byte[] body, Duration timeout)
            throws InterruptedException {
        URI uri = URI.create("http://" + hostForUri(to.host()) + ":" + to.port() + pathAndQuery);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout)
                .header(HEADER, self.host() + ":" + self.port());
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth != null) {
            b.header("Authorization", auth);
        }
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        if (type != null) {
            b.header("Content-Type", type);
        }
        b.method(ex.getRequestMethod(), body == null || body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(body));
        try {
            return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            LOG.warn("relaying {} {} to {}:{} failed: {}", ex.getRequestMethod(), pathAndQuery, to.host(), to.port(),
                    e.toString());
            throw new ApiError(502, "owner unreachable", "the instance " + to.host() + ":" + to.port()
                    + " that holds this model did not answer; retry shortly");
        }
    }

    private static String query(HttpExchange ex) {
        String q = ex.getRequestURI().getRawQuery();
        return q == null ? "" : "?" + q;
    }

    private static String hostForUri(String host) {
        return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    /** Parses an advertised {@code host:port} (IPv6 hosts in brackets). */
    static HostInfo parseAddress(String hostPort) {
        int colon = hostPort == null ? -1 : hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException("an advertised address must be HOST:PORT, got '" + hostPort + "'");
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("an advertised address must be HOST:PORT, got '" + hostPort + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " out of range 1..65535 in '" + hostPort + "'");
        }
        return new HostInfo(host, port);
    }
}
