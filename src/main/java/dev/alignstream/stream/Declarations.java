package dev.alignstream.stream;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Model declarations as the service's HTTP API reads and writes them: reads come from this
 * instance's copy of the compacted models topic (the global store every instance keeps), writes
 * go to the topic exactly as {@code models create|delete} send them, so the stream side handles
 * an HTTP declaration like any other.
 *
 * <p>Consistency: a write returns once the broker acknowledged it and this instance's global
 * store shows it (read-your-writes on this instance, bounded by {@link #VISIBLE_WITHIN}). Other
 * instances see it when their global store thread has read it, normally within milliseconds;
 * until then they may still answer from the previous declaration. The live model applies a
 * change at its next refresh of declarations (about a second).
 */
public final class Declarations implements AutoCloseable {

    /** How long a write waits for this instance's global store to show it. */
    public static final Duration VISIBLE_WITHIN = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(Declarations.class);

    private final String topic;
    private final Supplier<KafkaStreams> streams;
    private final KafkaProducer<String, byte[]> producer;

    public Declarations(ServiceConfig config, Supplier<KafkaStreams> streams) {
        this.topic = config.topics().models();
        this.streams = streams;
        Properties p = config.clientProperties();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "15000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, config.applicationId() + "-declarations");
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /**
     * The declaration of {@code id} this instance knows now, or null.
     *
     * @throws InvalidStateStoreException while the service is not running (yet)
     */
    public ModelSpec get(String id) {
        byte[] v = store().get(id);
        return v == null ? null : parseOrNull(id, v);
    }

    /** Every declaration this instance knows now, by id. */
    public Map<String, ModelSpec> all() {
        Map<String, ModelSpec> out = new TreeMap<>();
        try (KeyValueIterator<String, byte[]> it = store().all()) {
            it.forEachRemaining(kv -> {
                ModelSpec s = parseOrNull(kv.key, kv.value);
                if (s != null) {
                    out.put(kv.key, s);
                }
            });
        }
        return out;
    }

    /** Declares (or re-declares) a model; returns once acknowledged (see the class comment). */
    public void put(ModelSpec spec) throws InterruptedException {
        byte[] value = spec.toJson();
        write(spec.id(), value);
        awaitVisible(spec.id(), value);
    }

    /** Deletes a model's declaration (a tombstone); returns once acknowledged. */
    public void delete(String id) throws InterruptedException {
        write(id, null);
        awaitVisible(id, null);
    }

    private void write(String key, byte[] value) throws InterruptedException {
        try {
            producer.send(new ProducerRecord<>(topic, key, value)).get(45, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("writing the declaration of {} to {} failed", key, topic, e);
            throw new WriteFailedException();
        }
    }

    private void awaitVisible(String id, byte[] value) throws InterruptedException {
        long end = System.nanoTime() + VISIBLE_WITHIN.toNanos();
        while (System.nanoTime() < end) {
            try {
                if (Arrays.equals(store().get(id), value)) {
                    return;
                }
            } catch (InvalidStateStoreException e) {
                // rebalancing: keep waiting
            }
            Thread.sleep(10);
        }
        LOG.warn("the declaration of {} was written but is not yet visible in this instance's store", id);
    }

    private ReadOnlyKeyValueStore<String, byte[]> store() {
        KafkaStreams s = streams.get();
        if (s == null) {
            throw new InvalidStateStoreException("the service is not running");
        }
        return s.store(StoreQueryParameters.fromNameAndType(LearningProcessor.MODELS_STORE,
                QueryableStoreTypes.<String, byte[]>keyValueStore()));
    }

    private static ModelSpec parseOrNull(String key, byte[] value) {
        try {
            ModelSpec s = ModelSpec.parse(value);
            return s.id().equals(key) ? s : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }

    /** The broker did not acknowledge a declaration in time; nothing is known to be written. */
    public static final class WriteFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        WriteFailedException() {
            super("the models topic did not acknowledge the write");
        }
    }
}
