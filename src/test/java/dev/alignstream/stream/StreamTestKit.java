package dev.alignstream.stream;

import dev.alignstream.core.Learner;
import dev.alignstream.core.Model;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SampleJson;
import dev.alignstream.rules.Rules;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** What the broker-backed stream tests share: producing, reading topics to the end, offline reference runs. */
final class StreamTestKit {

    private StreamTestKit() {
    }

    static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("enable.idempotence", "true");
        p.put("linger.ms", "2");
        p.put("max.request.size", Integer.toString(8 << 20));
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /**
     * Sends the streams' samples interleaved round-robin (each stream keeps its own order) at about
     * {@code rate} records per second.
     */
    static void produceInterleaved(String bootstrap, String topic, Map<String, List<Sample>> streams, double rate)
            throws Exception {
        try (KafkaProducer<String, byte[]> p = producer(bootstrap)) {
            long start = System.nanoTime();
            int sent = 0;
            int max = streams.values().stream().mapToInt(List::size).max().orElse(0);
            for (int i = 0; i < max; i++) {
                for (var e : streams.entrySet()) {
                    if (i < e.getValue().size()) {
                        p.send(new ProducerRecord<>(topic, e.getKey(), SampleJson.toJson(e.getValue().get(i))));
                        sent++;
                        long wait = start + (long) (sent / rate * 1e9) - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        }
                    }
                }
            }
            p.flush();
        }
    }

    /** Every committed record of {@code topic}, read from the beginning to the current end. */
    static List<ConsumerRecord<String, byte[]>> readAll(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("isolation.level", "read_committed");
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    out.add(r);
                }
            }
        }
        return out;
    }

    /** The offline reference: the same config, the same samples, the same order, one learner. */
    static Model offline(ModelConfig config, List<Sample> data) {
        Learner l = new Learner(Model.create(config), Rules.of(config.rule()));
        for (Sample s : data) {
            l.observe(s);
        }
        return l.model();
    }

    static void await(String what, Duration timeout, BooleanSupplier done) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            Thread.sleep(200);
        }
    }
}
