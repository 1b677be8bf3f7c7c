package dev.alignstream.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SampleJson;
import dev.alignstream.data.SyntheticDataset;
import dev.alignstream.io.ModelFile;
import dev.alignstream.testing.SharedBroker;
import dev.alignstream.testing.StreamingFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A samples topic may accept records far above the producer's 1 MB request limit. Such a record
 * must still become one dead letter (its value cut to {@link LearningProcessor#DEAD_LETTER_MAX_VALUE}
 * bytes, with its original size in a header) rather than a send that fails, aborts the
 * transaction and is read again forever; the samples after it are learned normally.
 */
@Tag("kafka")
class HugeRecordTest {

    @TempDir
    Path dir;

    @Test
    void aRecordBeyondTheRequestLimitIsDeadLetteredAndTheStreamGoesOn() throws Exception {
        String bootstrap = SharedBroker.bootstrapServers();
        String prefix = "huge" + Long.toHexString(System.nanoTime());
        Topics topics = StreamingFixture.topics(prefix);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topics.samples(), 1, (short) 1)
                    .configs(Map.of("max.message.bytes", Integer.toString(8 << 20))))).all().get();
        }
        ServiceConfig config = new ServiceConfig(bootstrap, prefix, "huge-1", dir.resolve("state"), topics, 100, 1,
                Map.of(), "exactly_once_v2");
        AlignstreamService.ensureTopics(config);
        ModelSpec spec = new ModelSpec("m", "s1", ModelConfig.of(RuleName.ALIGN_ADA, 0.05f, 20, 32, 4), false);
        StreamingFixture.declare(bootstrap, topics, spec);
        List<Sample> good = SyntheticDataset.teacher(20, 20, 4, 9);
        byte[] huge = new byte[(4 << 20) + 10];
        java.util.Arrays.fill(huge, (byte) '[');

        try (AlignstreamService service = new AlignstreamService(config)) {
            service.start();
            assertTrue(service.awaitRunning(Duration.ofSeconds(60)));
            long hugeOffset;
            try (KafkaProducer<String, byte[]> p = largeRecordProducer(bootstrap)) {
                for (int i = 0; i < 10; i++) {
                    p.send(new ProducerRecord<>(topics.samples(), "s1", SampleJson.toJson(good.get(i))));
                }
                RecordMetadata md = p.send(new ProducerRecord<>(topics.samples(), "s1", huge)).get();
                hugeOffset = md.offset();
                for (int i = 10; i < good.size(); i++) {
                    p.send(new ProducerRecord<>(topics.samples(), "s1", SampleJson.toJson(good.get(i))));
                }
            }
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (service.registry().status("m") == null || service.registry().status("m").samplesSeen() < good.size()) {
                assertTrue(System.nanoTime() < end, "the samples after the huge record were not learned");
                Thread.sleep(100);
            }
            assertArrayEquals(ModelFile.toBytes(StreamingFixture.offline(spec, good)),
                    service.registry().export("m").get(30, TimeUnit.SECONDS));

            // the dead letter is committed with the transaction that carries it: wait for that commit
            List<ConsumerRecord<String, byte[]>> dead = StreamingFixture.readAll(bootstrap, topics.deadLetters());
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (dead.isEmpty() && System.nanoTime() < until) {
                Thread.sleep(200);
                dead = StreamingFixture.readAll(bootstrap, topics.deadLetters());
            }
            assertEquals(1, dead.size(), "one dead letter, written once");
            ConsumerRecord<String, byte[]> r = dead.get(0);
            assertEquals("oversize", header(r, "reason"));
            assertEquals(Long.toString(hugeOffset), header(r, "source.offset"));
            assertEquals("0", header(r, "source.partition"));
            assertEquals(Integer.toString(huge.length), header(r, "original.size"));
            assertArrayEquals(java.util.Arrays.copyOf(huge, LearningProcessor.DEAD_LETTER_MAX_VALUE), r.value());
        }
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static KafkaProducer<String, byte[]> largeRecordProducer(String bootstrap) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("enable.idempotence", "true");
        p.put("max.request.size", Integer.toString(8 << 20));
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }
}
