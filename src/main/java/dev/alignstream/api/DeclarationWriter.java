package dev.alignstream.api;

import dev.alignstream.stream.DeclaredModels;
import dev.alignstream.stream.ModelSpec;
import dev.alignstream.stream.ServiceConfig;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes model declarations for the HTTP API to the compacted models topic, exactly as
 * {@code models create|delete} write them, so the stream side handles an HTTP declaration like
 * any other. Reads are not here: this instance's {@link DeclaredModels} (filled by the
 * global-store updater) is what the API reads.
 *
 * <p>Consistency: a write returns once the broker acknowledged it and this instance's
 * {@link DeclaredModels} shows it (read-your-writes on this instance, bounded by
 * {@link #VISIBLE_WITHIN}). Other instances see it when their global store thread has read it,
 * normally within milliseconds; until then they may still answer from the previous declaration.
 * The live model applies a change at its next refresh of declarations (about a second).
 */
final class DeclarationWriter implements AutoCloseable {

    /** How long a write waits for this instance's declarations to show it. */
    static final Duration VISIBLE_WITHIN = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(DeclarationWriter.class);

    private final String topic;
    private final DeclaredModels declared;
    private final KafkaProducer<String, byte[]> producer;

    DeclarationWriter(ServiceConfig config, DeclaredModels declared) {
        this.topic = config.topics().models();
        this.declared = declared;
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
     * Declares a new model, or re-declares one keeping its generation.
     *
     * @param generation the generation to keep (written into the record, so compaction of the
     *                   creating record cannot reset the model), or null for a new model, whose
     *                   generation is then the record's offset
     */
    void put(ModelSpec spec, Long generation) throws InterruptedException {
        long offset = write(spec.id(), generation == null ? spec.toJson() : spec.toJson(generation));
        long expected = generation == null ? offset : generation;
        awaitVisible(spec.id(), d -> d != null && d.spec().equals(spec) && d.generation() == expected);
    }

    /** Deletes a model's declaration (a tombstone); returns once acknowledged. */
    void delete(String id) throws InterruptedException {
        write(id, null);
        awaitVisible(id, d -> d == null);
    }

    /** Sends one record and returns its offset once acknowledged. */
    private long write(String key, byte[] value) throws InterruptedException {
        try {
            return producer.send(new ProducerRecord<>(topic, key, value)).get(45, TimeUnit.SECONDS).offset();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("writing the declaration of {} to {} failed", key, topic, e);
            throw new WriteFailedException();
        }
    }

    private void awaitVisible(String id, Predicate<DeclaredModels.Declaration> shown) throws InterruptedException {
        long end = System.nanoTime() + VISIBLE_WITHIN.toNanos();
        while (System.nanoTime() < end) {
            if (shown.test(declared.view().get(id))) {
                return;
            }
            Thread.sleep(10);
        }
        LOG.warn("the declaration of {} was written but is not yet visible in this instance's declarations", id);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }

    /** The broker did not acknowledge a declaration in time; nothing is known to be written. */
    static final class WriteFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        WriteFailedException() {
            super("the models topic did not acknowledge the write");
        }
    }
}
