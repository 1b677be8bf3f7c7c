package dev.alignstream.testing;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Follows a topic from its beginning as a {@code read_committed} consumer and counts records per
 * key: the observable progress that crash tests sequence their kills by (a record here was
 * committed by an exactly-once transaction, so the state behind it is in the changelogs too).
 * Not thread-safe; one test thread polls it.
 */
public final class CommittedRecords implements AutoCloseable {

    private final KafkaConsumer<String, byte[]> consumer;
    private final Map<String, Long> perKey = new HashMap<>();
    private long total;

    /** The topic must exist. */
    public CommittedRecords(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("isolation.level", "read_committed");
        consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(i -> new TopicPartition(topic, i.partition())).toList();
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
    }

    /** Reads what is committed now (one short poll) and returns the total so far. */
    public long poll() {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
            perKey.merge(r.key(), 1L, Long::sum);
            total++;
        }
        return total;
    }

    /** Polls until {@code done} holds for the counts per key; fails after {@code timeout}. */
    public void await(Predicate<Map<String, Long>> done, String what, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        poll();
        while (!done.test(perKey)) {
            if (System.nanoTime() > end) {
                throw new AssertionError("no " + what + " within " + timeout + "; committed so far per key: " + perKey);
            }
            poll();
        }
    }

    /** Polls until at least {@code n} records are committed in all. */
    public void awaitTotal(long n, Duration timeout) {
        await(m -> total >= n, n + " committed records", timeout);
    }

    public long total() {
        return total;
    }

    public Map<String, Long> perKey() {
        return Map.copyOf(perKey);
    }

    @Override
    public void close() {
        consumer.close();
    }
}
