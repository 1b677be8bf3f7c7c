package dev.alignstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.alignstream.core.Activation;
import dev.alignstream.core.Learner;
import dev.alignstream.core.Model;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SampleJson;
import dev.alignstream.data.SyntheticDataset;
import dev.alignstream.data.TimedEvent;
import dev.alignstream.delayed.LabelWait;
import dev.alignstream.rules.Rules;
import dev.alignstream.testing.Await;
import dev.alignstream.testing.ChildJvm;
import dev.alignstream.testing.CommittedRecords;
import dev.alignstream.testing.SharedBroker;
import dev.alignstream.testing.StreamingFixture;
import dev.alignstream.train.OfflineTrainer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delayed labels through a real broker (issue 12): features and shuffled, delayed labels
 * interleaved on the samples topic while the service is SIGKILLed three times; every model ends
 * bit-identical to offline {@code train} over the same records, with exactly one prediction per
 * sample and model and one outcome per matched label. Then the labels-topic path.
 */
@Tag("kafka")
class DelayedLabelCrashTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** The records of one stream: samples served now, their labels later and shuffled, some immediate, some unusable. */
    static List<byte[]> events(List<Sample> data, long seed) {
        Random r = new Random(seed);
        List<byte[]> out = new ArrayList<>();
        List<int[]> waiting = new ArrayList<>();
        for (int i = 0; i < data.size(); i++) {
            Sample s = data.get(i);
            if (i % 20 == 0) {
                out.add(SampleJson.toJson(s)); // features and label together: learned at once
            } else {
                out.add(SampleJson.toJson(new Sample("s" + i, s.features(), null, null)));
                waiting.add(new int[] {i, 1 + r.nextInt(15)});
            }
            if (i % 97 == 5) {
                out.add(label("never-" + i, 0)); // unmatched
            }
            java.util.Collections.shuffle(waiting, r);
            for (var it = waiting.iterator(); it.hasNext(); ) {
                int[] w = it.next();
                if (--w[1] == 0) {
                    out.add(label("s" + w[0], data.get(w[0]).label()));
                    if (w[0] % 50 == 1) {
                        out.add(label("s" + w[0], data.get(w[0]).label())); // duplicate
                    }
                    it.remove();
                }
            }
        }
        for (int[] w : waiting) {
            out.add(label("s" + w[0], data.get(w[0]).label()));
        }
        return out;
    }

    static byte[] label(String id, int label) {
        return ("{\"id\":\"" + id + "\",\"label\":" + label + "}").getBytes(StandardCharsets.UTF_8);
    }

    static Model offline(ModelSpec spec, List<byte[]> records) {
        Model m = Model.create(spec.config());
        List<TimedEvent> events = records.stream().map(SampleJson::parseTimed).toList();
        OfflineTrainer.trainEvents(new Learner(m, Rules.of(spec.config().rule())), events, 1, LabelWait.DEFAULT,
                (a, b, c) -> { });
        return m;
    }

    @Test
    void delayedLabelsSurviveRepeatedSigkillsBitIdenticalToOffline() throws Exception {
        String bootstrap = SharedBroker.bootstrapServers();
        String prefix = "dlc" + Long.toHexString(System.nanoTime());
        var topics = StreamingFixture.topics(prefix);
        ModelConfig base = new ModelConfig(new int[] {12, 24, 3}, Activation.RELU, RuleName.ALIGN_ADA, 0.1f, 1, 3L,
                -0.1f, 1f, true);
        ModelSpec ada = new ModelSpec("ada", "s", base, false);
        ModelSpec bp = new ModelSpec("bp", "s", base.withRule(RuleName.BP).withBatchSize(2), false);
        List<Sample> data = SyntheticDataset.teacher(600, 12, 3, 17L);
        List<byte[]> records = events(data, 3L);

        int port = ExactlyOnceCrashTest.freePort();
        Path log = dir.resolve("serve.log");
        String[] serve = {"serve", "--bootstrap-servers", bootstrap, "--http-port", Integer.toString(port),
                "--state-dir", dir.resolve("state").toString(), "--instance-id", "dlc-1", "--application-id", prefix,
                "--topic-prefix", prefix, "--partitions", "1", "--snapshot-every", "97", "--alignment-every", "0"};
        ChildJvm service = ChildJvm.start(log, serve);
        try {
            service.awaitLine(Pattern.compile("service ready"), 0, Duration.ofSeconds(120));
            StreamingFixture.declare(bootstrap, topics, ada, bp);
            // the service learns the declarations from the models topic on its global thread; a
            // sample that reaches the task before them is dead-lettered (no-model), and one that
            // comes between the two is learned by ada alone (bp joins at the next record), both by
            // design: send nothing until the instance lists both, or a model may miss record 0
            StreamingFixture.awaitDeclared(port, Duration.ofSeconds(60), ada.id(), bp.id());
            // the running total of samples learned after each record, to place kills by observable state
            int[] learnedAfter = new int[records.size()];
            Model probe = offlineCounts(ada, records, learnedAfter);
            int chunk = records.size() / 4;
            int kills = 0;
            try (KafkaProducer<String, byte[]> p = StreamingFixture.producer(bootstrap)) {
                for (int c = 0; c < 4; c++) {
                    int end = c == 3 ? records.size() : (c + 1) * chunk;
                    for (int i = c * chunk; i < end; i++) {
                        StreamingFixture.send(p, topics, "s", records.get(i));
                    }
                    if (c < 3) {
                        // kill once the model has learned past the middle of this chunk: mid-stream, by state
                        int mid = learnedAfter[c * chunk + chunk / 2];
                        awaitAtLeast(port, "ada", mid, Duration.ofSeconds(120));
                        service.kill();
                        kills++;
                        long from = service.logSize();
                        service = ChildJvm.start(log, serve);
                        service.awaitLine(Pattern.compile("service ready"), from, Duration.ofSeconds(120));
                    }
                }
            }
            assertEquals(3, kills);
            long learned = probe.samplesSeen();
            try {
                StreamingFixture.awaitSamplesSeen(port, "ada", learned, Duration.ofSeconds(180));
                StreamingFixture.awaitSamplesSeen(port, "bp", learned, Duration.ofSeconds(180));
            } catch (AssertionError e) {
                StringBuilder why = new StringBuilder(e.getMessage()).append("\ndead letters:");
                for (ConsumerRecord<String, byte[]> r : StreamingFixture.readAll(bootstrap, topics.deadLetters())) {
                    why.append("\n  ").append(new String(r.headers().lastHeader("reason").value(), StandardCharsets.UTF_8))
                            .append(": ").append(new String(r.value(), StandardCharsets.UTF_8));
                }
                why.append("\nservice log tail:\n").append(tail(java.nio.file.Files.readString(log)));
                throw new AssertionError(why.toString(), e);
            }
            // samples_seen is the live model; its last records commit with the next transaction
            long perModel = data.size() + (data.size() - (data.size() + 19) / 20); // predictions + outcomes
            try (CommittedRecords committed = new CommittedRecords(bootstrap, topics.predictions())) {
                committed.await(m -> m.getOrDefault("ada", 0L) >= perModel && m.getOrDefault("bp", 0L) >= perModel,
                        "all predictions and outcomes committed", Duration.ofSeconds(120));
            }
            for (ModelSpec spec : List.of(ada, bp)) {
                Model streamed = StreamingFixture.export(port, spec.id(), null);
                Model expected = offline(spec, records);
                assertEquals(expected.samplesSeen(), streamed.samplesSeen(), spec.id());
                assertTrue(expected.live().bitEquals(streamed.live()), spec.id() + ": streamed parameters differ from offline");
            }
        } finally {
            service.close();
        }
        int samples = data.size();
        int immediate = (samples + 19) / 20;
        Map<String, Integer> predictions = new HashMap<>();
        Map<String, Integer> outcomes = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : StreamingFixture.readAll(bootstrap, topics.predictions())) {
            JsonNode o = JSON.readTree(r.value());
            (o.path("kind").asText().equals("outcome") ? outcomes : predictions).merge(r.key(), 1, Integer::sum);
            if (o.path("kind").asText().equals("outcome")) {
                assertTrue(o.path("version").asLong() <= o.path("samples_seen").asLong(), o.toString());
            }
        }
        assertEquals(Map.of("ada", samples, "bp", samples), predictions, "one prediction per sample and model");
        assertEquals(Map.of("ada", samples - immediate, "bp", samples - immediate), outcomes,
                "one outcome per matched label and model");
        Map<String, Integer> reasons = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : StreamingFixture.readAll(bootstrap, topics.deadLetters())) {
            reasons.merge(new String(r.headers().lastHeader("reason").value(), StandardCharsets.UTF_8), 1, Integer::sum);
        }
        long unmatched = records.stream().filter(b -> new String(b, StandardCharsets.UTF_8).contains("never-")).count();
        long duplicates = countDuplicates(records);
        assertEquals(Map.of("unmatched-label", (int) unmatched, "duplicate-label", (int) duplicates), reasons);
    }

    @Test
    void labelsOnTheLabelsTopicCompleteSamplesOfTheSamplesTopic() throws Exception {
        String bootstrap = SharedBroker.bootstrapServers();
        String prefix = "dll" + Long.toHexString(System.nanoTime());
        var topics = StreamingFixture.topics(prefix);
        ModelSpec ada = new ModelSpec("ada", "s", new ModelConfig(new int[] {12, 16, 3}, Activation.RELU,
                RuleName.ALIGN_ADA, 0.1f, 1, 3L, -0.1f, 1f, true), false);
        List<Sample> data = SyntheticDataset.teacher(120, 12, 3, 18L);
        List<byte[]> served = new ArrayList<>();
        List<byte[]> labels = new ArrayList<>();
        for (int i = 0; i < data.size(); i++) {
            served.add(SampleJson.toJson(new Sample("x" + i, data.get(i).features(), null, null)));
        }
        for (int i = data.size() - 1; i >= 0; i--) {
            labels.add(label("x" + i, data.get(i).label()));
        }
        ServiceConfig config = new ServiceConfig(bootstrap, prefix, "dll-1", dir.resolve("state"), topics, 50, 2, Map.of(),
                "exactly_once_v2");
        try (var server = dev.alignstream.api.AlignstreamServer.start(config, 0, null, 0, Duration.ofSeconds(120))) {
            StreamingFixture.declare(bootstrap, topics, ada);
            StreamingFixture.awaitDeclared(server.httpPort(), Duration.ofSeconds(60), ada.id());
            try (KafkaProducer<String, byte[]> p = StreamingFixture.producer(bootstrap)) {
                for (byte[] s : served) {
                    StreamingFixture.send(p, topics, "s", s);
                }
                // every sample is served (its prediction committed) before any label is sent, so the
                // order in which the two topics are read cannot change the result
                awaitCommitted(bootstrap, topics.predictions(), served.size());
                for (byte[] l : labels) {
                    p.send(new ProducerRecord<>(topics.labels(), "s", l)).get();
                }
            }
            StreamingFixture.awaitSamplesSeen(server.httpPort(), "ada", data.size(), Duration.ofSeconds(120));
            Model streamed = StreamingFixture.export(server.httpPort(), "ada", null);
            List<byte[]> all = new ArrayList<>(served);
            all.addAll(labels);
            assertTrue(offline(ada, all).live().bitEquals(streamed.live()));
        }
    }

    private static String tail(String s) {
        String[] lines = s.split("\n");
        StringBuilder out = new StringBuilder();
        for (int i = Math.max(0, lines.length - 60); i < lines.length; i++) {
            if (lines[i].contains("WARN") || lines[i].contains("ERROR") || lines[i].contains("restored")
                    || lines[i].contains("joined")) {
                out.append(lines[i], 0, Math.min(lines[i].length(), 300)).append('\n');
            }
        }
        return out.toString();
    }

    private static void awaitCommitted(String bootstrap, String topic, int n) throws Exception {
        Await.until(n + " committed records on " + topic, Duration.ofSeconds(120),
                () -> StreamingFixture.readAll(bootstrap, topic).size(), seen -> seen >= n);
    }

    /** Samples seen by the model after each record, from the offline run; returns the final model. */
    private static Model offlineCounts(ModelSpec spec, List<byte[]> records, int[] learnedAfter) {
        Model m = Model.create(spec.config());
        var d = new dev.alignstream.delayed.DelayedLabelLearner(new Learner(m, Rules.of(spec.config().rule())),
                LabelWait.DEFAULT);
        for (int i = 0; i < records.size(); i++) {
            d.accept(SampleJson.parseTimed(records.get(i)));
            learnedAfter[i] = (int) m.samplesSeen();
        }
        return m;
    }

    private static long countDuplicates(List<byte[]> records) {
        Map<String, Integer> labels = new HashMap<>();
        for (byte[] b : records) {
            String s = new String(b, StandardCharsets.UTF_8);
            if (!s.contains("features") && !s.contains("never-")) {
                labels.merge(s, 1, Integer::sum);
            }
        }
        return labels.values().stream().mapToLong(v -> v - 1).sum();
    }

    /** Waits until samples_seen is at least {@code n} (the exact value moves on while samples flow). */
    private static void awaitAtLeast(int port, String model, long n, Duration timeout) throws Exception {
        Await.until(model + " at samples_seen >= " + n, timeout, () -> StreamingFixture.get(port, "/models/" + model),
                last -> {
                    if (!last.startsWith("200 ")) {
                        return false;
                    }
                    JsonNode o = readTree(last.substring(4));
                    return o.path("state").asText().equals("live") && o.path("samples_seen").asLong() >= n;
                });
    }

    private static JsonNode readTree(String body) {
        try {
            return JSON.readTree(body);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
