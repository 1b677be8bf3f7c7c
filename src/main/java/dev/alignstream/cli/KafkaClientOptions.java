package dev.alignstream.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaFuture;
import picocli.CommandLine.Option;

/**
 * How a command reaches Kafka, as a picocli mixin: bootstrap servers, an optional client
 * properties file (SASL, TLS, ...) and how long to wait for the cluster. This is the one place
 * where the CLI's Kafka client properties are built ({@code models}, {@code produce}, and the
 * tests' producers), so every client sees the same security settings and bounded timeouts.
 *
 * <p>Precedence: the properties file first, then {@code --bootstrap-servers} (which always
 * wins), then the settings a client kind needs (see {@link #producer}).
 */
public final class KafkaClientOptions {

    @Option(names = "--bootstrap-servers", defaultValue = "${env:ALIGNSTREAM_BOOTSTRAP_SERVERS:-127.0.0.1:9092}",
            description = "Kafka bootstrap servers (default ${DEFAULT-VALUE}; env ALIGNSTREAM_BOOTSTRAP_SERVERS)")
    String bootstrap;

    @Option(names = "--kafka-config", description = "Java properties file passed to every Kafka client (SASL, TLS, ...)")
    Path kafkaConfig;

    @Option(names = "--kafka-timeout", defaultValue = "30",
            description = "seconds to wait for the Kafka cluster: to connect, and for each record to be acknowledged"
                    + " (default ${DEFAULT-VALUE})")
    int timeoutSeconds;

    /** Options for a plain cluster at {@code bootstrap} with the default timeout (for in-process callers). */
    public static KafkaClientOptions of(String bootstrap) {
        KafkaClientOptions o = new KafkaClientOptions();
        o.bootstrap = bootstrap;
        o.timeoutSeconds = 30;
        return o;
    }

    public String bootstrapServers() {
        return bootstrap;
    }

    public Duration timeout() {
        if (timeoutSeconds < 1) {
            throw new IllegalArgumentException("--kafka-timeout must be at least 1 second, not " + timeoutSeconds);
        }
        return Duration.ofSeconds(timeoutSeconds);
    }

    /** Properties every client gets: the file's, then the bootstrap servers. */
    public Properties clientProperties() throws IOException {
        Properties p = kafkaConfig == null ? new Properties() : readProperties(kafkaConfig);
        p.put("bootstrap.servers", bootstrap);
        return p;
    }

    /** Client properties plus bounded admin timeouts. */
    public Properties adminProperties() throws IOException {
        Properties p = clientProperties();
        long ms = timeout().toMillis();
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(ms));
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(Math.min(ms, 30_000)));
        return p;
    }

    /** Client properties for an idempotent producer that gives up within the timeout. */
    public Properties producerProperties() throws IOException {
        return producer(clientProperties(), timeout());
    }

    /**
     * Producer settings on top of {@code client}: idempotent (in order, no duplicates on retry),
     * and bounded, so an unreachable or failing cluster surfaces as an error within
     * {@code timeout} instead of a silent wait: {@code max.block.ms} (metadata, buffer space) and
     * {@code delivery.timeout.ms} (from send to acknowledgement, retries included) are the timeout.
     */
    public static Properties producer(Properties client, Duration timeout) {
        Properties p = new Properties();
        p.putAll(client);
        long ms = timeout.toMillis();
        long linger = 5;
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, Long.toString(linger));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(ms));
        // Kafka requires delivery.timeout.ms >= linger.ms + request.timeout.ms
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(Math.max(1, Math.min(30_000, ms - linger))));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(Math.max(ms, linger + 1)));
        return p;
    }

    /** Reads a Java properties file; a clear one-line error when it is missing. */
    public static Properties readProperties(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("--kafka-config " + file + ": no such file");
        }
        return p;
    }

    /**
     * Fails with "topic T does not exist" unless it does: producing to a missing topic would
     * otherwise either wait for metadata until the timeout or, on a broker that auto-creates
     * topics, silently create one with the broker's defaults (wrong partition count, no
     * compaction).
     */
    public void requireTopic(String topic) throws IOException, InterruptedException {
        try (Admin admin = Admin.create(adminProperties())) {
            Set<String> names = await(admin.listTopics().names(), "list topics");
            if (!names.contains(topic)) {
                throw new IllegalArgumentException("topic " + topic + " does not exist on " + bootstrap
                        + " (serve creates its topics at start; or create it yourself)");
            }
        }
    }

    /** Waits for an admin result within the timeout; failures become one-line messages. */
    <T> T await(KafkaFuture<T> f, String what) throws InterruptedException {
        try {
            return f.get(timeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            if (cause instanceof org.apache.kafka.common.errors.TimeoutException || cause instanceof TimeoutException) {
                throw new IllegalStateException("cannot reach Kafka at " + bootstrap + " within " + timeoutSeconds
                        + " s (" + what + "); check --bootstrap-servers and --kafka-config", cause);
            }
            throw new IllegalStateException("Kafka at " + bootstrap + " refused to " + what + ": " + cause.getMessage(),
                    cause);
        }
    }
}
