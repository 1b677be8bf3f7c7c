package dev.alignstream.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.alignstream.broker.EmbeddedKafkaBroker;
import dev.alignstream.cli.Main;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SampleJson;
import dev.alignstream.data.SyntheticDataset;
import dev.alignstream.io.ModelFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance test 3 of issue 3, against a real broker: every kind of unusable input (malformed
 * JSON, wrong width, a non-finite number, a label out of range, an oversize record, a sample for
 * a stream no model consumes) lands in the dead-letter topic with its reason, original bytes and
 * source coordinates, while the good samples around each of them are learned exactly as offline.
 */
@Tag("kafka")
class DeadLetterTest {

    private static EmbeddedKafkaBroker broker;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = EmbeddedKafkaBroker.start(0, null);
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void unusableInputIsDeadLetteredAndGoodInputLearned() throws Exception {
        String bootstrap = broker.bootstrapServers();
        String prefix = "dl";
        Topics topics = new Topics(prefix + ".samples", prefix + ".models", prefix + ".predictions", prefix + ".dead-letters");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            // a topic that accepts records beyond the service's 4 MiB sample limit, so one can arrive
            admin.createTopics(List.of(new NewTopic(topics.samples(), 1, (short) 1)
                    .configs(Map.of("max.message.bytes", Integer.toString(8 << 20))))).all().get();
        }
        ServiceConfig config = new ServiceConfig(bootstrap, "dl-app", "dl-1", dir.resolve("state"), topics, 100, 1,
                Map.of(), "exactly_once_v2");
        AlignstreamService.ensureTopics(config);
        ModelSpec model = new ModelSpec("m", "s1", ModelConfig.of(RuleName.ALIGN_ADA, 0.05f, 20, 32, 16, 4), false);
        assertEquals(0, Main.run("models", "create", "--bootstrap-servers", bootstrap, "--topic-prefix", prefix,
                "--id", "m", "--stream", "s1", "--layers", "20,32,16,4", "--rule", "align-ada", "--lr", "0.05"));

        List<Sample> good = SyntheticDataset.teacher(30, 20, 4, 9);
        Map<String, byte[]> bad = new LinkedHashMap<>();
        bad.put("malformed-json", "{\"features\": [0.5, oops]}".getBytes(StandardCharsets.UTF_8));
        bad.put("wrong-width", SampleJson.toJson(Sample.classification(new float[21], 0)));
        bad.put("non-finite", "{\"features\": [\"NaN\", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]}"
                .getBytes(StandardCharsets.UTF_8));
        bad.put("label-out-of-range", SampleJson.toJson(Sample.classification(new float[20], 7)));
        bad.put("oversize", new byte[SampleJson.MAX_RECORD_BYTES + 10]);
        bad.put("no-model", SampleJson.toJson(good.get(0)));

        try (AlignstreamService service = new AlignstreamService(config)) {
            service.start();
            assertTrue(service.awaitRunning(Duration.ofSeconds(120)));
            List<Long> badOffsets = new ArrayList<>();
            try (KafkaProducer<String, byte[]> p = StreamTestKit.producer(bootstrap)) {
                int g = 0;
                for (var e : bad.entrySet()) {
                    p.send(new ProducerRecord<>(topics.samples(), "s1", SampleJson.toJson(good.get(g++))));
                    String key = e.getKey().equals("no-model") ? "nobody-listens" : "s1";
                    RecordMetadata md = p.send(new ProducerRecord<>(topics.samples(), key, e.getValue())).get();
                    badOffsets.add(md.offset());
                }
                while (g < good.size()) {
                    p.send(new ProducerRecord<>(topics.samples(), "s1", SampleJson.toJson(good.get(g++))));
                }
                p.flush();
            }
            StreamTestKit.await("the good samples to be learned", Duration.ofSeconds(60), () -> {
                ModelStatus s = service.registry().status("m");
                return s != null && s.samplesSeen() == good.size();
            });
            assertArrayEquals(ModelFile.toBytes(StreamTestKit.offline(model.config(), good)),
                    service.registry().export("m").get(30, TimeUnit.SECONDS),
                    "bad records in between change nothing about what the model learns");

            List<ConsumerRecord<String, byte[]>> dead = StreamTestKit.readAll(bootstrap, topics.deadLetters());
            List<String> reasons = new ArrayList<>();
            for (ConsumerRecord<String, byte[]> r : dead) {
                reasons.add(header(r, "reason"));
            }
            assertEquals(new ArrayList<>(bad.keySet()), reasons);
            int i = 0;
            for (var e : bad.entrySet()) {
                ConsumerRecord<String, byte[]> r = dead.get(i);
                assertEquals(topics.samples(), header(r, "source.topic"));
                assertEquals("0", header(r, "source.partition"));
                assertEquals(Long.toString(badOffsets.get(i)), header(r, "source.offset"));
                if (e.getKey().equals("oversize")) {
                    assertEquals(Integer.toString(e.getValue().length), header(r, "original.size"));
                    assertEquals(LearningProcessor.DEAD_LETTER_MAX_VALUE, r.value().length);
                } else {
                    assertArrayEquals(e.getValue(), r.value(), e.getKey() + ": original bytes");
                }
                i++;
            }
        }
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
