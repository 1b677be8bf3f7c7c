package dev.alignstream.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.alignstream.core.Learner;
import dev.alignstream.core.Model;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SampleJson;
import dev.alignstream.data.SyntheticDataset;
import dev.alignstream.io.ModelFile;
import dev.alignstream.rules.Rules;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The learning topology without a broker: several models on one stream learn exactly what the
 * offline learner learns from the same samples, unusable records become dead letters with their
 * reason and touch no model, a learning-rate change applies from a definite sample on, and an
 * incompatible re-declaration is refused once and changes nothing.
 */
class LearningTopologyTest {

    private static final int[] LAYERS = {20, 32, 16, 4};
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path stateDir;

    private TopologyFixture fixture;
    private ModelRegistry registry;
    private TestInputTopic<String, byte[]> samples;
    private TestInputTopic<String, byte[]> models;
    private TestOutputTopic<String, byte[]> predictions;
    private TestOutputTopic<String, byte[]> deadLetters;
    private final List<String> deadLetterEvents = new ArrayList<>();

    @BeforeEach
    void start() {
        ServiceConfig config = ServiceConfig.defaults("unused:9092", stateDir).withSnapshotEvery(64);
        fixture = new TopologyFixture(config, new LearningListener() {
            @Override
            public void onDeadLetter(String reason) {
                synchronized (deadLetterEvents) {
                    deadLetterEvents.add(reason);
                }
            }
        });
        registry = fixture.registry;
        samples = fixture.samples;
        models = fixture.models;
        predictions = fixture.predictions;
        deadLetters = fixture.deadLetters;
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    private static ModelSpec spec(String id, String stream, RuleName rule, float lr) {
        return new ModelSpec(id, stream, ModelConfig.of(rule, lr, LAYERS), false);
    }

    private void declare(ModelSpec s) {
        models.pipeInput(s.id(), s.toJson());
    }

    private byte[] export(String id) throws Exception {
        return fixture.export(id);
    }

    private static Model offline(ModelSpec s, List<Sample> data) {
        Learner l = new Learner(Model.create(s.config()), Rules.of(s.config().rule()));
        for (Sample x : data) {
            l.observe(x);
        }
        return l.model();
    }

    @Test
    void twoModelsOnOneStreamLearnWhatOfflineTrainingLearns() throws Exception {
        ModelSpec ada = spec("ada", "s1", RuleName.ALIGN_ADA, 0.05f);
        ModelSpec bp = spec("bp", "s1", RuleName.BP, 0.1f);
        ModelSpec fa = spec("fa", "s2", RuleName.FA, 0.05f);
        declare(ada);
        declare(bp);
        declare(fa);
        List<Sample> s1 = SyntheticDataset.teacher(300, 20, 4, 11);
        List<Sample> s2 = SyntheticDataset.teacher(200, 20, 4, 12);
        for (int i = 0; i < 300; i++) {
            samples.pipeInput("s1", SampleJson.toJson(s1.get(i)));
            if (i < 200) {
                samples.pipeInput("s2", SampleJson.toJson(s2.get(i)));
            }
        }
        assertArrayEquals(ModelFile.toBytes(offline(ada, s1)), export("ada"), "align-ada on s1");
        assertArrayEquals(ModelFile.toBytes(offline(bp, s1)), export("bp"), "bp on s1");
        assertArrayEquals(ModelFile.toBytes(offline(fa, s2)), export("fa"), "fa on s2");

        List<TestRecord<String, byte[]>> out = predictions.readRecordsToList();
        assertEquals(2 * 300 + 200, out.size());
        Map<String, Integer> perModel = new HashMap<>();
        for (TestRecord<String, byte[]> r : out) {
            perModel.merge(r.key(), 1, Integer::sum);
        }
        assertEquals(Map.of("ada", 300, "bp", 300, "fa", 200), perModel);
        JsonNode last = JSON.readTree(out.get(out.size() - 1).value());
        assertEquals("s1", last.get("stream").asText());
        assertEquals(300, last.get("samples_seen").asLong());
        assertEquals("applied", last.get("step").asText());
        assertEquals(s1.get(299).label().intValue(), last.get("label").asInt());
        assertTrue(deadLetters.isEmpty());
    }

    @Test
    void unusableRecordsBecomeDeadLettersAndTouchNoModel() throws Exception {
        ModelSpec ada = spec("ada", "s1", RuleName.ALIGN_ADA, 0.05f);
        declare(ada);
        List<Sample> good = SyntheticDataset.teacher(40, 20, 4, 3);
        Map<String, byte[]> bad = new java.util.LinkedHashMap<>();
        bad.put("malformed-json", "{\"features\": [1, 2,".getBytes(StandardCharsets.UTF_8));
        bad.put("wrong-width", SampleJson.toJson(Sample.classification(new float[19], 1)));
        bad.put("non-finite", "{\"features\": [1e39, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], \"label\": 1}"
                .getBytes(StandardCharsets.UTF_8));
        bad.put("label-out-of-range", SampleJson.toJson(Sample.classification(new float[20], 4)));
        bad.put("oversize", new byte[LearningProcessor.MAX_SAMPLE_BYTES + 1]);
        int i = 0;
        for (var e : bad.entrySet()) {
            samples.pipeInput("s1", SampleJson.toJson(good.get(i++)));
            samples.pipeInput("s1", e.getValue());
        }
        samples.pipeInput("nobody-listens", SampleJson.toJson(good.get(0)));
        while (i < good.size()) {
            samples.pipeInput("s1", SampleJson.toJson(good.get(i++)));
        }
        List<String> expected = new ArrayList<>(bad.keySet());
        expected.add("no-model");
        List<TestRecord<String, byte[]>> dl = deadLetters.readRecordsToList();
        List<String> reasons = new ArrayList<>();
        for (TestRecord<String, byte[]> r : dl) {
            reasons.add(header(r, "reason"));
            assertEquals("alignstream.samples", header(r, "source.topic"));
            assertTrue(Long.parseLong(header(r, "source.offset")) > 0);
        }
        assertEquals(expected, reasons);
        assertArrayEquals(bad.get("malformed-json"), dl.get(0).value(), "the original bytes are kept");
        assertArrayEquals(bad.get("oversize"), dl.get(4).value(), "an oversize record under the request limit is kept whole");
        assertEquals(expected, deadLetterEvents);
        assertArrayEquals(ModelFile.toBytes(offline(ada, good)), export("ada"));
        assertEquals(good.size(), predictions.readRecordsToList().size());
    }

    private static String header(TestRecord<String, byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Test
    void learningRateChangesAtADefinitePointAndSizeChangesAreRefused() throws Exception {
        ModelSpec ada = spec("ada", "s1", RuleName.ALIGN_ADA, 0.05f);
        declare(ada);
        List<Sample> data = SyntheticDataset.teacher(120, 20, 4, 5);
        for (int i = 0; i < 60; i++) {
            samples.pipeInput("s1", SampleJson.toJson(data.get(i)));
        }
        declare(new ModelSpec("ada", "s1", ada.config().withLearningRate(0.01f), false));
        declare(new ModelSpec("ada", "s1", ModelConfig.of(RuleName.ALIGN_ADA, 0.01f, 20, 64, 4), false));
        declare(new ModelSpec("ada", "s1", ada.config().withLearningRate(0.01f), false));
        // the processor compares the declarations' version before every record: no wait is needed
        for (int i = 60; i < 120; i++) {
            samples.pipeInput("s1", SampleJson.toJson(data.get(i)));
        }
        Learner offline = new Learner(Model.create(ada.config()), Rules.of(RuleName.ALIGN_ADA));
        for (int i = 0; i < 120; i++) {
            if (i == 60) {
                offline.model().setLearningRate(0.01f);
            }
            offline.observe(data.get(i));
        }
        assertArrayEquals(ModelFile.toBytes(offline.model()), export("ada"));

        declare(new ModelSpec("ada", "s1", ModelConfig.of(RuleName.BP, 0.01f, LAYERS), false));
        for (int k = 0; k < 3; k++) {
            samples.pipeInput("s1", SampleJson.toJson(data.get(0)));
            offline.observe(data.get(0));
        }
        assertArrayEquals(ModelFile.toBytes(offline.model()), export("ada"), "a refused change leaves the model as it was");
        assertEquals(List.of("bad-config"), deadLetterEvents, "the refusal is reported once");
        assertEquals("align-ada", registry.status("ada").rule());
    }
}
