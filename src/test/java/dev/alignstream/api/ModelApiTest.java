package dev.alignstream.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.alignstream.cli.Main;
import dev.alignstream.core.Activation;
import dev.alignstream.core.Learner;
import dev.alignstream.core.Model;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import dev.alignstream.data.DelayedSumDataset;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SampleJson;
import dev.alignstream.data.SequenceSample;
import dev.alignstream.io.RnnModelFile;
import dev.alignstream.rnn.RnnConfig;
import dev.alignstream.rnn.RnnLearner;
import dev.alignstream.rnn.RnnModel;
import dev.alignstream.data.SyntheticDataset;
import dev.alignstream.io.ModelFile;
import dev.alignstream.rules.Rules;
import dev.alignstream.stream.ModelSpec;
import dev.alignstream.stream.ServiceConfig;
import dev.alignstream.stream.Topics;
import dev.alignstream.testing.Await;
import dev.alignstream.testing.SharedBroker;
import dev.alignstream.testing.StreamingFixture;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Predicate;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model API of SPEC section 9 on a real broker with two service instances: models created,
 * changed and deleted over HTTP through the models topic, predictions and exports answered by
 * either instance with the owner's values and bytes, a learning-rate change mid-stream that
 * continues from the model's state exactly as an offline run changing the rate at that sample,
 * and every error path (401, 400, 404, 409, 413) as a JSON error without exception text.
 */
@Tag("kafka")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModelApiTest {

    private static final String TOKEN = "api-test-token";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** Reads numbers as written, so floats are compared bit for bit. */
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final ModelConfig CONFIG = new ModelConfig(new int[] {8, 16, 3}, Activation.TANH, RuleName.ALIGN_ADA,
            0.05f, 1, 11L, 0f, 1f, false);

    /** Each instance's memory budget: far above the test models, far below a 4096-wide one. */
    private static final long MEMORY_BUDGET = 64L << 20;

    @TempDir
    static Path dir;

    private String bootstrap;
    private Topics topics;
    private final AlignstreamServer[] servers = new AlignstreamServer[2];
    /** A stream whose partition instance 1 processes: instance 0 is its non-owner. */
    private String remoteStream;
    private int nonOwner;
    private int owner;

    @BeforeAll
    void startTwoInstances() throws Exception {
        bootstrap = SharedBroker.bootstrapServers();
        String prefix = "api" + Long.toHexString(System.nanoTime());
        topics = StreamingFixture.topics(prefix);
        // started together, the two instances join the group in one rebalance
        List<CompletableFuture<AlignstreamServer>> starting = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ServiceConfig c = new ServiceConfig(bootstrap, prefix, "api-" + i, dir.resolve("state" + i), topics, 1000, 4,
                    Map.of(), "exactly_once_v2").withMemoryBudget(MEMORY_BUDGET);
            starting.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return AlignstreamServer.start(c, new HttpSettings("127.0.0.1", 0, null, TOKEN), 0,
                            Duration.ofSeconds(90));
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            }));
        }
        for (int i = 0; i < 2; i++) {
            servers[i] = starting.get(i).get();
        }
        nonOwner = servers[0].httpPort();
        owner = servers[1].httpPort();
        HostInfo ownerHost = new HostInfo("127.0.0.1", owner);
        // the second instance's arrival rebalances: wait until both agree who owns what
        remoteStream = Await.until("both instances agreeing who owns a stream", Duration.ofSeconds(60), () -> {
            for (int s = 0; s < 16; s++) {
                String stream = "stream-" + s;
                if (servers[0].service().instances().size() == 2 && servers[1].service().instances().size() == 2
                        && ownerHost.equals(servers[0].service().ownerOfStream(stream).activeHost())
                        && ownerHost.equals(servers[1].service().ownerOfStream(stream).activeHost())) {
                    return stream;
                }
            }
            return null;
        }, java.util.Objects::nonNull);
    }

    @AfterAll
    void stop() {
        for (AlignstreamServer s : servers) {
            if (s != null) {
                s.close();
            }
        }
    }

    @Test
    void createLearnPatchPredictExportAndDeleteThroughTheNonOwner() throws Exception {
        ModelSpec spec = new ModelSpec("patched", remoteStream, CONFIG, false);
        List<Sample> data = SyntheticDataset.teacher(50, 8, 3, 21L);
        int n = 30;

        HttpResponse<String> created = call(nonOwner, "POST", "/models", json(spec), TOKEN);
        assertEquals(201, created.statusCode(), created.body());
        assertEquals("/models/patched", created.headers().firstValue("Location").orElse(""));
        assertEquals(spec, ModelSpec.parse(created.body().getBytes(StandardCharsets.UTF_8)));
        // the same declaration again is no change; other fixed settings are a conflict
        assertEquals(200, call(nonOwner, "POST", "/models", json(spec), TOKEN).statusCode());
        ModelSpec other = new ModelSpec("patched", remoteStream, CONFIG.withSeed(12L), false);
        HttpResponse<String> conflict = call(owner, "POST", "/models", json(other), TOKEN);
        assertError(conflict, 409, "seed 11");

        try (KafkaProducer<String, byte[]> p = StreamingFixture.producer(bootstrap)) {
            for (Sample s : data.subList(0, n)) {
                StreamingFixture.send(p, topics, remoteStream, s);
            }
            StreamingFixture.awaitSamplesSeen(nonOwner, "patched", n, Duration.ofSeconds(60));

            HttpResponse<String> patched = call(nonOwner, "PATCH", "/models/patched", "{\"learning_rate\": 0.02}", TOKEN);
            assertEquals(200, patched.statusCode(), patched.body());
            assertEquals(0.02f, ModelSpec.parse(patched.body().getBytes(StandardCharsets.UTF_8)).config().learningRate());
            // the owner applies the change at its next look at the declarations; it shows in the status
            awaitStatus(nonOwner, "patched", o -> o.path("learning_rate").floatValue() == 0.02f);
            JsonNode status = JSON.readTree(call(nonOwner, "GET", "/models/patched", null, null).body());
            assertEquals(n, status.path("samples_seen").asLong(), "the change kept the model's state");

            for (Sample s : data.subList(n, data.size())) {
                StreamingFixture.send(p, topics, remoteStream, s);
            }
            StreamingFixture.awaitSamplesSeen(nonOwner, "patched", data.size(), Duration.ofSeconds(60));
        }

        // offline: the same samples, the rate changed from sample n+1 on
        Model offline = Model.create(CONFIG);
        Learner learner = new Learner(offline, Rules.of(CONFIG.rule()));
        for (int k = 0; k < data.size(); k++) {
            if (k == n) {
                offline.setLearningRate(0.02f);
            }
            learner.observe(data.get(k));
        }

        HttpResponse<byte[]> viaNonOwner = export(nonOwner, "patched", TOKEN);
        HttpResponse<byte[]> viaOwner = export(owner, "patched", TOKEN);
        assertEquals(200, viaNonOwner.statusCode());
        assertEquals("application/octet-stream", viaNonOwner.headers().firstValue("Content-Type").orElse(""));
        assertArrayEquals(viaOwner.body(), viaNonOwner.body(), "export through the non-owner is the owner's file");
        Model streamed = ModelFile.fromBytes(viaNonOwner.body());
        assertEquals(data.size(), streamed.samplesSeen());
        assertTrue(offline.live().bitEquals(streamed.live()), "the streamed model differs from the offline run");

        // predictions: the live model's, equal to the offline model's outputs, from either instance
        List<Sample> probes = SyntheticDataset.teacher(3, 8, 3, 99L);
        String single = "{\"features\": " + floats(probes.get(0).features()) + "}";
        HttpResponse<String> a = call(nonOwner, "POST", "/models/patched/predict", single, null);
        HttpResponse<String> b = call(owner, "POST", "/models/patched/predict", single, null);
        assertEquals(200, a.statusCode(), a.body());
        assertEquals(b.body(), a.body());
        assertPrediction(JSON.readTree(a.body()), learner, probes.get(0), data.size());
        StringBuilder batch = new StringBuilder("{\"samples\": [");
        for (int i = 0; i < probes.size(); i++) {
            batch.append(i == 0 ? "" : ",").append("{\"features\": ").append(floats(probes.get(i).features())).append('}');
        }
        HttpResponse<String> many = call(nonOwner, "POST", "/models/patched/predict", batch + "]}", null);
        assertEquals(200, many.statusCode(), many.body());
        JsonNode answers = JSON.readTree(many.body());
        assertEquals(probes.size(), answers.size());
        for (int i = 0; i < probes.size(); i++) {
            assertPrediction(answers.get(i), learner, probes.get(i), data.size());
        }
        assertEquals(data.size(), offline.samplesSeen(), "predicting did not learn");

        // the list merges both instances: the live model shows its owner's counters
        JsonNode list = JSON.readTree(call(nonOwner, "GET", "/models", null, null).body());
        JsonNode entry = null;
        for (JsonNode e : list) {
            entry = e.path("id").asText().equals("patched") ? e : entry;
        }
        assertTrue(entry != null, list.toString());
        assertEquals("live", entry.path("state").asText(), entry.toString());
        assertEquals(data.size(), entry.path("samples_seen").asLong());

        assertEquals(204, call(nonOwner, "DELETE", "/models/patched", null, TOKEN).statusCode());
        assertError(call(nonOwner, "DELETE", "/models/patched", null, TOKEN), 404, "patched");
        // gone at once where it was deleted; the owner's copy of the declarations follows within moments
        assertError(call(nonOwner, "GET", "/models/patched", null, null), 404, "patched");
        Await.until("the owner dropping the deleted model", Duration.ofSeconds(30),
                () -> export(owner, "patched", TOKEN).statusCode(), code -> code != 200);
        assertEquals(404, export(owner, "patched", TOKEN).statusCode());
    }

    @Test
    void mutationsAndExportNeedTheAdminToken() throws Exception {
        String body = json(new ModelSpec("guarded", "guarded-stream", CONFIG, false));
        assertError(call(nonOwner, "POST", "/models", body, null), 401, "Authorization");
        assertError(call(nonOwner, "POST", "/models", body, "wrong"), 401, "Authorization");
        assertError(call(nonOwner, "PATCH", "/models/guarded", "{\"paused\": true}", null), 401, "Authorization");
        assertError(call(nonOwner, "DELETE", "/models/guarded", null, TOKEN + "x"), 401, "Authorization");
        HttpResponse<byte[]> export = export(nonOwner, "guarded", null);
        assertEquals(401, export.statusCode());
        assertEquals("Bearer", export.headers().firstValue("WWW-Authenticate").orElse(""));
        assertError(call(nonOwner, "GET", "/models/guarded", null, null), 404, "guarded");
    }

    @Test
    void badDeclarationsAreRefusedWithTheirReason() throws Exception {
        assertError(call(nonOwner, "POST", "/models", "{\"id\": \"x\", ", TOKEN), 400, "not valid JSON");
        assertError(call(nonOwner, "POST", "/models", "[1, 2]", TOKEN), 400, "JSON object");
        assertError(call(nonOwner, "POST", "/models", "{\"id\": \"bad-rule\", \"stream\": \"s\", \"layers\": \"4,3\","
                + " \"rule\": \"sgd\", \"learning_rate\": 0.1}", TOKEN), 400, "unknown rule 'sgd'");
        assertError(call(nonOwner, "POST", "/models", "{\"id\": \"bad-size\", \"stream\": \"s\", \"layers\": \"4,0,3\","
                + " \"rule\": \"bp\", \"learning_rate\": 0.1}", TOKEN), 400, "layer size 0");
        assertError(call(nonOwner, "POST", "/models", "{\"id\": \"bad id!\", \"stream\": \"s\", \"layers\": \"4,3\","
                + " \"rule\": \"bp\", \"learning_rate\": 0.1}", TOKEN), 400, "model id");
        String huge = "{\"id\": \"big\", \"pad\": \"" + "x".repeat(ModelRequests.MAX_CONFIG_BYTES) + "\"}";
        assertError(call(nonOwner, "POST", "/models", huge, TOKEN), 413, "limit");
        assertError(call(nonOwner, "PUT", "/models", "{}", TOKEN), 405, "PUT");
    }

    /**
     * A model that can never fit an instance's memory budget is refused before anything is
     * written: 4096x4096 weights alone are 64 MiB of float32 per layer, two such layers 128 MiB,
     * twice the 64 MiB budget.
     */
    @Test
    void aModelLargerThanTheWholeMemoryBudgetIsRefused() throws Exception {
        String body = "{\"id\": \"huge\", \"stream\": \"huge-stream\", \"layers\": \"4096,4096,4096,10\","
                + " \"rule\": \"bp\", \"learning_rate\": 0.1}";
        assertError(call(nonOwner, "POST", "/models", body, TOKEN), 400, "memory budget");
        assertError(call(nonOwner, "GET", "/models/huge", null, null), 404, "huge");
    }

    /**
     * Re-declarations (PATCH, or POST with the same fixed settings) keep the model's generation and
     * write it into the record, so compaction of the creating record cannot reset the model; a
     * delete ends the generation, and the same id declared again is a new one (a fresh model).
     */
    @Test
    void reDeclarationsKeepTheGenerationAndDeleteThenCreateStartsANewOne() throws Exception {
        ModelSpec spec = new ModelSpec("gen", "gen-stream", CONFIG, false);
        assertEquals(201, call(nonOwner, "POST", "/models", json(spec), TOKEN).statusCode());
        long first = generation("gen");
        assertEquals(200, call(owner, "PATCH", "/models/gen", "{\"learning_rate\": 0.02}", TOKEN).statusCode());
        awaitGeneration("gen", g -> g == first);
        assertEquals(first, lastRecord("gen").path("generation").asLong(-1), "PATCH writes the generation it keeps");
        ModelSpec pausedAgain = new ModelSpec("gen", "gen-stream", CONFIG.withLearningRate(0.03f), true);
        assertEquals(200, call(nonOwner, "POST", "/models", json(pausedAgain), TOKEN).statusCode());
        awaitGeneration("gen", g -> g == first);
        JsonNode record = lastRecord("gen");
        assertEquals(first, record.path("generation").asLong(-1), "a compatible POST writes the generation it keeps");
        assertTrue(record.path("paused").asBoolean(), record.toString());

        assertEquals(204, call(nonOwner, "DELETE", "/models/gen", null, TOKEN).statusCode());
        assertError(call(nonOwner, "GET", "/models/gen", null, null), 404, "gen");
        assertEquals(201, call(owner, "POST", "/models", json(spec), TOKEN).statusCode());
        awaitGeneration("gen", g -> g > first);
        assertTrue(lastRecord("gen").path("generation").isMissingNode(), "a new model names no generation");
        assertEquals(204, call(nonOwner, "DELETE", "/models/gen", null, TOKEN).statusCode());
    }

    /** The generation of {@code id} as both instances see it, once they agree. */
    private long generation(String id) throws Exception {
        long[] g = new long[1];
        awaitGeneration(id, x -> {
            g[0] = x;
            return true;
        });
        return g[0];
    }

    private void awaitGeneration(String id, java.util.function.LongPredicate condition) throws Exception {
        Await.until("both instances agreeing on a matching generation of " + id, Duration.ofSeconds(30), () -> {
            var a = servers[0].service().registry().declarations().view().get(id);
            var b = servers[1].service().registry().declarations().view().get(id);
            return a != null && b != null && a.generation() == b.generation() && condition.test(a.generation());
        }, Boolean::booleanValue);
    }

    /** The last record of {@code id} on the models topic, as JSON. */
    private JsonNode lastRecord(String id) throws Exception {
        java.util.Properties p = new java.util.Properties();
        p.put("bootstrap.servers", bootstrap);
        try (var c = new org.apache.kafka.clients.consumer.KafkaConsumer<String, byte[]>(p,
                new org.apache.kafka.common.serialization.StringDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            var tp = new org.apache.kafka.common.TopicPartition(topics.models(), 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long endOffset = c.endOffsets(List.of(tp)).get(tp);
            byte[] last = null;
            while (c.position(tp) < endOffset) {
                for (var r : c.poll(Duration.ofMillis(200))) {
                    if (id.equals(r.key())) {
                        last = r.value();
                    }
                }
            }
            assertTrue(last != null, "no record of " + id);
            return JSON.readTree(last);
        }
    }

    @Test
    void patchAndDeleteAnswerForDeclaredModelsOnly() throws Exception {
        assertError(call(nonOwner, "PATCH", "/models/nobody", "{\"paused\": true}", TOKEN), 404, "nobody");
        assertError(call(nonOwner, "DELETE", "/models/nobody", null, TOKEN), 404, "nobody");
        ModelSpec spec = new ModelSpec("pausable", "pausable-stream", CONFIG, false);
        assertEquals(201, call(nonOwner, "POST", "/models", json(spec), TOKEN).statusCode());
        assertError(call(nonOwner, "PATCH", "/models/pausable", "{\"layers\": \"8,4,3\"}", TOKEN), 400, "layers");
        assertError(call(nonOwner, "PATCH", "/models/pausable", "{\"learning_rate\": -1}", TOKEN), 400, "learning rate");
        assertError(call(nonOwner, "PATCH", "/models/pausable", "{\"paused\": \"yes\"}", TOKEN), 400, "boolean");
        assertError(call(nonOwner, "PATCH", "/models/pausable", "{}", TOKEN), 400, "nothing to change");
        HttpResponse<String> paused = call(nonOwner, "PATCH", "/models/pausable", "{\"paused\": true}", TOKEN);
        assertEquals(200, paused.statusCode(), paused.body());
        ModelSpec now = ModelSpec.parse(paused.body().getBytes(StandardCharsets.UTF_8));
        assertTrue(now.paused());
        assertEquals(spec.config(), now.config());
        assertEquals(204, call(nonOwner, "DELETE", "/models/pausable", null, TOKEN).statusCode());
    }

    @Test
    void anRnnIsCreatedLearnsPredictsAndExportsThroughTheNonOwner() throws Exception {
        String stream = remoteStream + "-rnn";
        RnnConfig c = new RnnConfig(ModelConfig.of(RuleName.ALIGN_ADA, 0.003f, 1, 24, 1).withSeed(6L), 50);
        ModelSpec spec = ModelSpec.rnn("rnn", stream, c, false);
        HttpResponse<String> created = call(nonOwner, "POST", "/models", json(spec), TOKEN);
        assertEquals(201, created.statusCode(), created.body());
        List<SequenceSample> data = DelayedSumDataset.generate(new java.util.Random(3), 6, 20);
        try (KafkaProducer<String, byte[]> p = StreamingFixture.producer(bootstrap)) {
            for (SequenceSample q : data) {
                StreamingFixture.send(p, topics, stream, SampleJson.toJson(q));
            }
        }
        StreamingFixture.awaitSamplesSeen(nonOwner, "rnn", data.size(), Duration.ofSeconds(60));
        JsonNode status = readTree(call(nonOwner, "GET", "/models/rnn", null, null).body());
        assertEquals("rnn", status.path("arch").asText());
        assertEquals("1,24,1", status.path("layers").asText());
        assertEquals(dev.alignstream.rnn.RnnFootprint.bytes(c), status.path("memory_bytes").asLong(),
                "the memory the model was admitted with");

        RnnLearner offline = new RnnLearner(RnnModel.create(c));
        data.forEach(offline::observe);
        SequenceSample query = DelayedSumDataset.generate(new java.util.Random(4), 1, 5).get(0);
        float[] expected = offline.evaluate(query).outputs();
        HttpResponse<String> answer = call(nonOwner, "POST", "/models/rnn/predict",
                "{\"sequence\": [[1], [0], [1], [1], [0]]}".replace("[[1], [0], [1], [1], [0]]", rows(query)), null);
        assertEquals(200, answer.statusCode(), answer.body());
        JsonNode a = JSON.readTree(answer.body());
        assertEquals(5, a.path("prediction").size(), "an output per step");
        for (int t = 0; t < 5; t++) {
            assertEquals(expected[t], a.path("prediction").get(t).get(0).floatValue(), 0f, "step " + t);
        }
        assertEquals(data.size(), a.path("samples_seen").asLong());
        String path = "/models/rnn/predict";
        assertError(call(nonOwner, "POST", path, "{\"sequence\": [[1], [0, 1]]}", null), 400, "ragged-sequence");
        assertError(call(nonOwner, "POST", path, "{\"sequence\": [[1, 2]]}", null), 400, "wrong-width");
        assertError(call(nonOwner, "POST", path, "{\"features\": [1]}", null), 400, "is an RNN model");
        assertError(call(nonOwner, "POST", path, "{\"sequence\": [" + "[1],".repeat(50) + "[1]]}", null), 400,
                "oversize");
        byte[] exported = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + nonOwner + "/models/rnn/export"))
                .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofByteArray()).body();
        assertArrayEquals(RnnModelFile.toBytes(offline.model()), exported, "the export is the offline model's file");
        assertEquals(204, call(nonOwner, "DELETE", "/models/rnn", null, TOKEN).statusCode());
    }

    private static String rows(SequenceSample q) {
        StringBuilder b = new StringBuilder("[");
        for (int t = 0; t < q.steps(); t++) {
            b.append(t == 0 ? "[" : ", [").append(Float.toString(q.input(t, 0))).append(']');
        }
        return b.append(']').toString();
    }

    @Test
    void predictRefusesWhatTheModelCannotAnswer() throws Exception {
        assertError(call(nonOwner, "POST", "/models/nobody/predict", "{\"features\": [1]}", null), 404, "nobody");
        ModelSpec spec = new ModelSpec("idle", remoteStream + "-idle", CONFIG, false);
        assertEquals(201, call(nonOwner, "POST", "/models", json(spec), TOKEN).statusCode());
        String path = "/models/idle/predict";
        assertError(call(nonOwner, "POST", path, "{\"features\": [1, 2, 3]}", null), 400, "expected 8 features, found 3");
        assertError(call(nonOwner, "POST", path, "{\"features\": [1, 2, 3, 4, 5, 6, 7, 1e999]}", null), 400, "feature 7");
        assertError(call(nonOwner, "POST", path, "{\"features\": [1, 2, 3, 4, 5, 6, 7, \"8\"]}", null), 400, "feature 7");
        assertError(call(nonOwner, "POST", path, "{\"sequence\": [[1, 2, 3, 4, 5, 6, 7, 8]]}", null), 400, "not an RNN");
        assertError(call(nonOwner, "POST", path, "{\"samples\": []}", null), 400, "samples");
        assertError(call(nonOwner, "POST", path, "{\"feature\": [1]}", null), 400, "features");
        // well-formed, but no sample of its stream has started the model yet
        assertError(call(nonOwner, "POST", path, "{\"features\": [1, 2, 3, 4, 5, 6, 7, 8]}", null), 409, "not live");
        assertEquals(204, call(nonOwner, "DELETE", "/models/idle", null, TOKEN).statusCode());
    }

    @Test
    void cliPatchesPredictsAndExportsOverHttp() throws Exception {
        String stream = remoteStream + "-cli";
        ModelSpec spec = new ModelSpec("cli", stream, CONFIG, false);
        assertEquals(201, call(nonOwner, "POST", "/models", json(spec), TOKEN).statusCode());
        List<Sample> data = SyntheticDataset.teacher(5, 8, 3, 5L);
        try (KafkaProducer<String, byte[]> p = StreamingFixture.producer(bootstrap)) {
            for (Sample s : data) {
                StreamingFixture.send(p, topics, stream, s);
            }
        }
        StreamingFixture.awaitSamplesSeen(nonOwner, "cli", data.size(), Duration.ofSeconds(60));
        String url = "http://127.0.0.1:" + nonOwner;
        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, TOKEN + "\n");

        String[] noToken = cli("models", "patch", "--url", url, "--id", "cli", "--lr", "0.01");
        assertEquals("1", noToken[0]);
        assertTrue(noToken[2].contains("HTTP 401") && noToken[2].contains("ALIGNSTREAM_ADMIN_TOKEN"), noToken[2]);
        String[] patched = cli("models", "patch", "--url", url, "--admin-token-file", tokenFile.toString(), "--id", "cli",
                "--paused", "true");
        assertEquals("0", patched[0], patched[2]);
        assertTrue(patched[1].contains("\"paused\":true"), patched[1]);

        String features = floats(data.get(0).features()).replace(" ", "").replace("[", "").replace("]", "");
        String[] predicted = cli("models", "predict", "--url", url, "--id", "cli", "--features", features);
        assertEquals("0", predicted[0], predicted[2]);
        HttpResponse<String> direct = call(owner, "POST", "/models/cli/predict",
                "{\"features\": " + floats(data.get(0).features()) + "}", null);
        assertEquals(direct.body(), predicted[1].strip());
        String[] unknown = cli("models", "predict", "--url", url, "--id", "nobody", "--features", "1,2");
        assertEquals("1", unknown[0]);
        assertTrue(unknown[2].contains("HTTP 404 unknown model"), unknown[2]);

        Path out = dir.resolve("cli.safetensors");
        String[] exported = cli("models", "export", "--url", url, "--admin-token-file", tokenFile.toString(), "--id", "cli",
                "--out", out.toString());
        assertEquals("0", exported[0], exported[2]);
        assertArrayEquals(export(owner, "cli", TOKEN).body(), Files.readAllBytes(out));
        assertEquals(204, call(nonOwner, "DELETE", "/models/cli", null, TOKEN).statusCode());
    }

    /** Runs a command in-process: exit code, stdout, stderr. */
    private static synchronized String[] cli(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            code = Main.run(args);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return new String[] {Integer.toString(code), o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8)};
    }

    private static void assertPrediction(JsonNode answer, Learner offline, Sample probe, long samplesSeen) {
        float[] expected = offline.evaluate(Sample.unlabelled(probe.features())).output();
        JsonNode out = answer.path("output");
        assertEquals(expected.length, out.size(), answer.toString());
        float[] actual = new float[out.size()];
        for (int j = 0; j < actual.length; j++) {
            actual[j] = Float.parseFloat(out.get(j).decimalValue().toString());
        }
        assertArrayEquals(expected, actual, 0f, "predicted outputs differ from the offline model's");
        int argmax = 0;
        for (int j = 1; j < expected.length; j++) {
            argmax = expected[j] > expected[argmax] ? j : argmax;
        }
        assertEquals(argmax, answer.path("prediction").asInt());
        assertEquals(samplesSeen, answer.path("samples_seen").asLong());
    }

    private static void assertError(HttpResponse<String> r, int status, String detailContains) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode o = JSON.readTree(r.body());
        assertTrue(o.path("error").isTextual() && o.path("detail").isTextual(), r.body());
        assertTrue(o.path("detail").asText().contains(detailContains), r.body());
        assertFalse(r.body().contains("Exception") || r.body().contains("\tat "), "exception text leaked: " + r.body());
    }

    private static void awaitStatus(int port, String id, Predicate<JsonNode> condition) throws Exception {
        Await.until("model " + id + " in the expected state", Duration.ofSeconds(30),
                () -> call(port, "GET", "/models/" + id, null, null),
                r -> r.statusCode() == 200 && condition.test(readTree(r.body())));
    }

    private static JsonNode readTree(String body) {
        try {
            return JSON.readTree(body);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String json(ModelSpec s) {
        return new String(s.toJson(), StandardCharsets.UTF_8);
    }

    private static String floats(float[] v) {
        List<String> parts = new ArrayList<>();
        for (float f : v) {
            parts.add(Float.toString(f));
        }
        return "[" + String.join(", ", parts) + "]";
    }

    static HttpResponse<String> call(int port, String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<byte[]> export(int port, String id, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/models/" + id + "/export"))
                .timeout(Duration.ofSeconds(60));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
