package dev.alignstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.alignstream.api.AlignstreamServer;
import dev.alignstream.core.Activation;
import dev.alignstream.core.Model;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SyntheticDataset;
import dev.alignstream.testing.SharedBroker;
import dev.alignstream.testing.StreamingFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance test 3: every kind of unusable input lands in the dead-letter topic with its
 * reason, original bytes and source position, while the good samples around it are learned
 * exactly as if the bad ones had never been sent.
 */
@Tag("kafka")
class DeadLetterTest {

    @TempDir
    Path dir;

    @Test
    void badRecordsGoToTheDeadLetterTopicAndNeverTouchAModel() throws Exception {
        String bootstrap = SharedBroker.bootstrapServers();
        String prefix = "dl" + Long.toHexString(System.nanoTime());
        var topics = StreamingFixture.topics(prefix);
        ServiceConfig config = new ServiceConfig(bootstrap, prefix, "dl-1", dir.resolve("state"), topics, 50, 2, Map.of(),
                "exactly_once_v2");
        ModelSpec spec = new ModelSpec("m", "good", new ModelConfig(new int[] {3, 8, 3}, Activation.RELU, RuleName.ALIGN_ADA,
                0.1f, 1, 1L, 0f, 1f, true), false);
        List<Sample> good = SyntheticDataset.teacher(60, 3, 3, 3L);
        Map<String, byte[]> bad = new LinkedHashMap<>();
        bad.put("malformed-json", "{\"features\":[1,2,".getBytes(StandardCharsets.UTF_8));
        bad.put("wrong-width", "{\"features\":[1,2],\"label\":0}".getBytes(StandardCharsets.UTF_8));
        bad.put("non-finite", "{\"features\":[1,1e99,3],\"label\":0}".getBytes(StandardCharsets.UTF_8));
        bad.put("label-out-of-range", "{\"features\":[1,2,3],\"label\":3}".getBytes(StandardCharsets.UTF_8));
        bad.put("missing-features", "{\"label\":1}".getBytes(StandardCharsets.UTF_8));
        bad.put("target-width", "{\"features\":[1,2,3],\"target\":[1]}".getBytes(StandardCharsets.UTF_8));
        byte[] huge = new byte[950 * 1024];
        java.util.Arrays.fill(huge, (byte) ' ');
        bad.put("oversize", huge);
        try (AlignstreamServer server = AlignstreamServer.start(config, 0, null, 0, Duration.ofSeconds(60))) {
            StreamingFixture.declare(bootstrap, topics, spec);
            // a record that reaches the task before the declaration is dead-lettered as no-model
            StreamingFixture.awaitDeclared(server.httpPort(), Duration.ofSeconds(60), spec.id());
            List<Sample> learned = new ArrayList<>();
            try (KafkaProducer<String, byte[]> p = producerForLargeRecords(bootstrap)) {
                int k = 0;
                for (Map.Entry<String, byte[]> e : bad.entrySet()) {
                    for (int i = 0; i < 5; i++) {
                        StreamingFixture.send(p, topics, "good", good.get(k));
                        learned.add(good.get(k++));
                    }
                    StreamingFixture.send(p, topics, "good", e.getValue());
                }
                StreamingFixture.send(p, topics, "nobody-listens", SyntheticDataset.teacher(1, 3, 3, 9L).get(0));
                for (; k < good.size(); k++) {
                    StreamingFixture.send(p, topics, "good", good.get(k));
                    learned.add(good.get(k));
                }
            }
            StreamingFixture.awaitSamplesSeen(server.httpPort(), "m", good.size(), Duration.ofSeconds(60));
            Model streamed = StreamingFixture.export(server.httpPort(), "m", null);
            assertTrue(StreamingFixture.offline(spec, learned).live().bitEquals(streamed.live()),
                    "bad records changed the model");
            String metrics = StreamingFixture.get(server.httpPort(), "/metrics");
            assertTrue(metrics.contains("alignstream_dead_letters_total{reason=\"wrong-width\"} 1.0"), metrics);
        }
        List<ConsumerRecord<String, byte[]>> dead = StreamingFixture.readAll(bootstrap, topics.deadLetters());
        Map<String, ConsumerRecord<String, byte[]>> byReason = new LinkedHashMap<>();
        for (ConsumerRecord<String, byte[]> r : dead) {
            byReason.put(new String(r.headers().lastHeader("reason").value(), StandardCharsets.UTF_8), r);
        }
        List<String> expected = new ArrayList<>(bad.keySet());
        expected.add("no-model");
        assertEquals(expected.size(), dead.size(), "one dead letter per bad record: " + byReason.keySet());
        assertEquals(new java.util.TreeSet<>(expected), new java.util.TreeSet<>(byReason.keySet()));
        for (Map.Entry<String, byte[]> e : bad.entrySet()) {
            ConsumerRecord<String, byte[]> r = byReason.get(e.getKey());
            assertTrue(java.util.Arrays.equals(e.getValue(), r.value()), "original bytes kept for " + e.getKey());
            assertEquals(topics.samples(), new String(r.headers().lastHeader("source.topic").value(), StandardCharsets.UTF_8));
            assertTrue(r.headers().lastHeader("source.offset") != null && r.headers().lastHeader("message") != null);
        }
    }

    private static KafkaProducer<String, byte[]> producerForLargeRecords(String bootstrap) {
        java.util.Properties p = new java.util.Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("enable.idempotence", "true");
        p.put("max.request.size", Integer.toString(8 << 20));
        return new KafkaProducer<>(p, new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer());
    }
}
