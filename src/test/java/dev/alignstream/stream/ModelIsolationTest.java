package dev.alignstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.alignstream.api.AlignstreamServer;
import dev.alignstream.core.Activation;
import dev.alignstream.core.Model;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SampleJson;
import dev.alignstream.data.SyntheticDataset;
import dev.alignstream.testing.Await;
import dev.alignstream.testing.ChildJvm;
import dev.alignstream.testing.SharedBroker;
import dev.alignstream.testing.StreamingFixture;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ObjectName;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model isolation against a real broker (issue 8): no model's declaration, size or history can
 * stop another model, and a junk stream id leaves nothing behind.
 */
@Tag("kafka")
class ModelIsolationTest {

    @TempDir
    Path dir;

    private static final Duration WAIT = Duration.ofSeconds(90);

    private ServiceConfig config(String prefix) {
        return new ServiceConfig(SharedBroker.bootstrapServers(), prefix, prefix + "-1", dir.resolve("state"),
                StreamingFixture.topics(prefix), 50, 2, Map.of(), "exactly_once_v2");
    }

    private static ModelConfig small(RuleName rule, int... layers) {
        return new ModelConfig(layers, Activation.RELU, rule, 0.1f, 1, 3L, 0f, 1f, true);
    }

    /** Polls {@code path} until its answer contains every one of {@code parts}. */
    static String await(int port, String path, String... parts) throws Exception {
        return Await.until(path + " containing " + List.of(parts), WAIT, () -> StreamingFixture.get(port, path),
                answer -> java.util.Arrays.stream(parts).allMatch(answer::contains));
    }

    @Test
    void aWrongWidthModelIsRefusedAndTheGoodOneLearnsEverySampleBitForBit() throws Exception {
        String prefix = "iw" + Long.toHexString(System.nanoTime());
        ServiceConfig c = config(prefix);
        ModelSpec good = new ModelSpec("good", "s", small(RuleName.ALIGN_ADA, 8, 16, 3), false);
        ModelSpec wrong = new ModelSpec("wrong", "s", small(RuleName.BP, 9, 16, 3), false);
        List<Sample> data = SyntheticDataset.teacher(300, 8, 3, 21L);
        try (AlignstreamServer server = AlignstreamServer.start(c, 0, null, 0, WAIT)) {
            int port = server.httpPort();
            StreamingFixture.declare(c.bootstrapServers(), c.topics(), good, wrong);
            await(port, "/models", "\"id\":\"good\"", "\"id\":\"wrong\"");
            try (KafkaProducer<String, byte[]> p = StreamingFixture.producer(c.bootstrapServers())) {
                for (Sample s : data) {
                    p.send(new ProducerRecord<>(c.topics().samples(), "s", SampleJson.toJson(s)));
                }
            }
            StreamingFixture.awaitSamplesSeen(port, "good", 300, WAIT);
            Model streamed = StreamingFixture.export(port, "good", null);
            assertTrue(StreamingFixture.offline(good, data).live().bitEquals(streamed.live()),
                    "the good model equals offline training on all 300 samples");
            String w = await(port, "/models/wrong", "\"state\":\"refused\"");
            assertTrue(w.contains("\"reason\":\"refused: its declaration does not fit its stream") && w.contains("expected 9 features"), w);
            String metrics = StreamingFixture.get(port, "/metrics");
            assertTrue(metrics.contains("alignstream_model_samples_refused_total{model=\"wrong\",reason=\"wrong-width\",stream=\"s\"} "
                    + TaskModels.UNFIT_LIMIT + ".0"), metrics);
            assertTrue(metrics.contains("alignstream_models_refused_total{kind=\"unfit\"} 1.0"), metrics);
            assertTrue(metrics.contains("alignstream_dead_letters_total{reason=\"wrong-width\"} 0.0"), "nothing dead-lettered");
        }
    }

    @Test
    void deleteAndDeclareAgainRestartsTheModelFromItsSeed() throws Exception {
        String prefix = "ir" + Long.toHexString(System.nanoTime());
        ServiceConfig c = config(prefix);
        ModelSpec m = new ModelSpec("m", "s", small(RuleName.ALIGN_ADA, 8, 16, 3), false);
        List<Sample> first = SyntheticDataset.teacher(60, 8, 3, 31L);
        List<Sample> second = SyntheticDataset.teacher(40, 8, 3, 32L);
        try (AlignstreamServer server = AlignstreamServer.start(c, 0, null, 0, WAIT);
             KafkaProducer<String, byte[]> p = StreamingFixture.producer(c.bootstrapServers())) {
            int port = server.httpPort();
            StreamingFixture.declare(c.bootstrapServers(), c.topics(), m);
            await(port, "/models", "\"id\":\"m\"");
            for (Sample s : first) {
                StreamingFixture.send(p, c.topics(), "s", s);
            }
            StreamingFixture.awaitSamplesSeen(port, "m", 60, WAIT);
            p.send(new ProducerRecord<>(c.topics().models(), "m", null)).get();
            await(port, "/models/m", "404");
            StreamingFixture.declare(c.bootstrapServers(), c.topics(), m);
            await(port, "/models/m", "200", "\"samples_seen\":0");
            for (Sample s : second) {
                StreamingFixture.send(p, c.topics(), "s", s);
            }
            StreamingFixture.awaitSamplesSeen(port, "m", 40, WAIT);
            Model streamed = StreamingFixture.export(port, "m", null);
            assertEquals(40, streamed.samplesSeen());
            assertTrue(StreamingFixture.offline(m, second).live().bitEquals(streamed.live()),
                    "the re-created model equals a fresh offline run on the new samples");
        }
    }

    @Test
    void tenThousandJunkStreamIdsAreDeadLetteredAndLeaveNothingBehind() throws Exception {
        String prefix = "ij" + Long.toHexString(System.nanoTime());
        ServiceConfig c = config(prefix);
        ModelSpec m = new ModelSpec("m", "s", small(RuleName.BP, 8, 16, 3), false);
        List<Sample> data = SyntheticDataset.teacher(100, 8, 3, 41L);
        try (AlignstreamServer server = AlignstreamServer.start(c, 0, null, 0, WAIT);
             KafkaProducer<String, byte[]> p = StreamingFixture.producer(c.bootstrapServers())) {
            int port = server.httpPort();
            StreamingFixture.declare(c.bootstrapServers(), c.topics(), m);
            await(port, "/models", "\"id\":\"m\"");
            for (int i = 0; i < 50; i++) {
                StreamingFixture.send(p, c.topics(), "s", data.get(i));
            }
            StreamingFixture.awaitSamplesSeen(port, "m", 50, WAIT);
            histogram(); // the first histogram leaves per-class bookkeeping behind; only the second counts
            Map<String, long[]> before = histogram();
            long heapBefore = usedHeapAfterGc();
            byte[] junk = SampleJson.toJson(data.get(0));
            for (int i = 0; i < 10_000; i++) {
                p.send(new ProducerRecord<>(c.topics().samples(), "junk-" + i + "-" + "x".repeat(64), junk));
                if (i % 200 == 0) {
                    StreamingFixture.send(p, c.topics(), "s", data.get(50 + i / 200));
                }
            }
            p.flush();
            await(port, "/metrics", "alignstream_dead_letters_total{reason=\"no-model\"} 10000.0");
            StreamingFixture.awaitSamplesSeen(port, "m", 100, WAIT);
            long heapAfter = usedHeapAfterGc();
            Map<String, long[]> after = histogram();
            assertTrue(heapAfter - heapBefore < 10L << 20, "heap grew by " + (heapAfter - heapBefore) + " bytes");
            StringBuilder grownClasses = new StringBuilder();
            for (Map.Entry<String, long[]> e : after.entrySet()) {
                long[] b = before.getOrDefault(e.getKey(), new long[2]);
                long grown = e.getValue()[0] - b[0];
                if (grown >= 1_000) {
                    grownClasses.append(e.getKey()).append(" +").append(grown).append(" (")
                            .append(e.getValue()[1] - b[1]).append(" bytes); ");
                }
            }
            // something kept per junk id would add 10,000 instances of some class; the histograms
            // themselves add about one entry per loaded class (~5,000)
            for (Map.Entry<String, long[]> e : after.entrySet()) {
                long grown = e.getValue()[0] - before.getOrDefault(e.getKey(), new long[2])[0];
                assertTrue(grown < 8_000, e.getKey() + " gained " + grown + " live instances: something per junk id stayed ("
                        + grownClasses + ")");
            }
            assertTrue(StreamingFixture.offline(m, data).live().bitEquals(StreamingFixture.export(port, "m", null).live()),
                    "the declared model is unaffected");
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Live instances and bytes per class, from the JVM's class histogram (which collects garbage first). */
    private static Map<String, long[]> histogram() throws Exception {
        String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[0]}, new String[] {String[].class.getName()});
        Map<String, long[]> out = new HashMap<>();
        Matcher m = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)", Pattern.MULTILINE).matcher(text);
        while (m.find()) {
            out.put(m.group(3), new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))});
        }
        return out;
    }

    @Test
    void aModelBeyondTheMemoryBudgetIsRefusedAndTheServiceKeepsLearning() throws Exception {
        String prefix = "im" + Long.toHexString(System.nanoTime());
        String bootstrap = SharedBroker.bootstrapServers();
        var topics = StreamingFixture.topics(prefix);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path log = dir.resolve("serve.log");
        ModelSpec good = new ModelSpec("good", "s", small(RuleName.ALIGN_ADA, 8, 16, 3), false);
        ModelSpec huge = new ModelSpec("huge", "s", new ModelConfig(new int[] {65536, 1, 65536}, Activation.RELU,
                RuleName.BP, 0.1f, 4096, 1L, 0f, 1f, true), false);
        List<Sample> data = SyntheticDataset.teacher(200, 8, 3, 51L);
        try (ChildJvm service = ChildJvm.start(log, List.of("-Xmx256m"), "serve", "--bootstrap-servers", bootstrap,
                "--http-port", Integer.toString(port), "--state-dir", dir.resolve("state").toString(), "--instance-id",
                prefix, "--application-id", prefix, "--topic-prefix", prefix, "--partitions", "1", "--alignment-every", "0")) {
            service.awaitLine(Pattern.compile("service ready"), 0, WAIT);
            StreamingFixture.declare(bootstrap, topics, huge, good);
            await(port, "/models", "\"id\":\"good\"", "\"id\":\"huge\"");
            try (KafkaProducer<String, byte[]> p = StreamingFixture.producer(bootstrap)) {
                for (Sample s : data) {
                    p.send(new ProducerRecord<>(topics.samples(), "s", SampleJson.toJson(s)));
                }
            }
            StreamingFixture.awaitSamplesSeen(port, "good", 200, WAIT);
            String h = await(port, "/models/huge", "\"state\":\"refused\"");
            assertTrue(h.matches("(?s).*\"reason\":\"needs [0-9.]+ MB, [0-9.]+ MB left of the [0-9.]+ MB memory budget.*"), h);
            assertTrue(StreamingFixture.offline(good, data).live().bitEquals(StreamingFixture.export(port, "good", null).live()));
            assertTrue(service.isAlive());
        }
        String text = Files.readString(log, StandardCharsets.UTF_8);
        assertFalse(text.contains("OutOfMemoryError"), "no OutOfMemoryError");
        assertTrue(text.contains("model huge refused: needs"), "one log line says why");
    }
}
