package dev.alignstream.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.alignstream.core.Learner;
import dev.alignstream.core.Model;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SampleJson;
import dev.alignstream.data.SyntheticDataset;
import dev.alignstream.io.ModelFile;
import dev.alignstream.rules.Rules;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model isolation without a broker: a model that cannot use a stream's samples counts them
 * against itself and is refused while the others learn every sample; a model over the memory
 * budget is refused before anything is allocated; a delete followed by a re-declaration starts
 * the model from its seed; a record of a stream no model consumes is dead-lettered.
 */
class ModelIsolationTopologyTest {

    private static final int[] LAYERS = {20, 32, 4};

    @TempDir
    Path stateDir;

    private TopologyFixture fixture;
    private ModelRegistry registry;
    private TestInputTopic<String, byte[]> samples;
    private TestInputTopic<String, byte[]> models;
    private TestOutputTopic<String, byte[]> predictions;
    private TestOutputTopic<String, byte[]> deadLetters;
    private final List<String> events = new ArrayList<>();

    private void start(long memoryBudget) {
        ServiceConfig config = ServiceConfig.defaults("unused:9092", stateDir).withSnapshotEvery(16)
                .withMemoryBudget(memoryBudget);
        fixture = new TopologyFixture(config, new LearningListener() {
            @Override
            public void onSampleRefused(ModelSpec spec, String reason) {
                events.add("sample-refused " + spec.id() + " " + reason);
            }

            @Override
            public void onModelRefused(ModelSpec spec, String kind, String reason) {
                events.add("model-refused " + spec.id() + " " + kind);
            }

            @Override
            public void onDeadLetter(String reason) {
                events.add("dead-letter " + reason);
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
        if (fixture != null) {
            fixture.close();
        }
    }

    private void declare(ModelSpec s) {
        models.pipeInput(s.id(), s.toJson());
    }

    private byte[] export(String id) throws Exception {
        return fixture.export(id);
    }

    private static Model offline(ModelSpec s, List<Sample> data) {
        Learner l = new Learner(Model.create(s.config()), Rules.of(s.config().rule()));
        data.forEach(l::observe);
        return l.model();
    }

    @Test
    void aModelThatCannotUseTheStreamIsRefusedWhileTheOtherLearnsEverySample() throws Exception {
        start(0);
        ModelSpec good = new ModelSpec("good", "s1", ModelConfig.of(RuleName.ALIGN_ADA, 0.05f, LAYERS), false);
        ModelSpec wide = new ModelSpec("wide", "s1", ModelConfig.of(RuleName.BP, 0.05f, 19, 8, 4), false);
        declare(good);
        declare(wide);
        List<Sample> data = SyntheticDataset.teacher(40, 20, 4, 7);
        for (Sample s : data) {
            samples.pipeInput("s1", SampleJson.toJson(s));
        }
        assertArrayEquals(ModelFile.toBytes(offline(good, data)), export("good"), "the good model learned every sample");
        assertTrue(deadLetters.isEmpty(), "a sample one model can use is not a dead letter");
        List<TestRecord<String, byte[]>> out = predictions.readRecordsToList();
        assertEquals(40, out.size());
        assertTrue(out.stream().allMatch(r -> r.key().equals("good")));
        ModelStatus wideStatus = registry.status("wide");
        assertEquals("refused", wideStatus.state());
        assertTrue(wideStatus.reason().contains("does not fit its stream") && wideStatus.reason().contains("expected 19 features"),
                wideStatus.reason());
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < TaskModels.UNFIT_LIMIT; i++) {
            expected.add("sample-refused wide wrong-width");
        }
        expected.add("model-refused wide unfit");
        assertEquals(expected, events);
        assertTrue(registry.models().stream().anyMatch(m -> m.id().equals("wide") && m.state().equals("refused")));
    }

    @Test
    void aSampleNoModelCanUseIsDeadLetteredAndCountsAgainstNone() throws Exception {
        start(0);
        ModelSpec good = new ModelSpec("good", "s1", ModelConfig.of(RuleName.ALIGN_ADA, 0.05f, LAYERS), false);
        ModelSpec other = new ModelSpec("other", "s1", ModelConfig.of(RuleName.BP, 0.05f, LAYERS), false);
        declare(good);
        declare(other);
        List<Sample> data = SyntheticDataset.teacher(30, 20, 4, 8);
        for (int i = 0; i < 30; i++) {
            samples.pipeInput("s1", SampleJson.toJson(data.get(i)));
            samples.pipeInput("s1", SampleJson.toJson(Sample.classification(new float[21], 0)));
        }
        assertEquals(30, deadLetters.readRecordsToList().size());
        assertArrayEquals(ModelFile.toBytes(offline(good, data)), export("good"));
        assertArrayEquals(ModelFile.toBytes(offline(other, data)), export("other"));
        assertTrue(events.stream().noneMatch(e -> e.startsWith("sample-refused") || e.startsWith("model-refused")), events.toString());
    }

    @Test
    void aModelBeyondTheMemoryBudgetIsRefusedAndTheOthersLearn() throws Exception {
        start(8L << 20);
        ModelSpec good = new ModelSpec("good", "s1", ModelConfig.of(RuleName.ALIGN_ADA, 0.05f, LAYERS), false);
        ModelSpec huge = new ModelSpec("huge", "s1", new ModelConfig(new int[] {20, 4096, 4}, dev.alignstream.core.Activation.RELU,
                RuleName.BP, 0.05f, 64, 1L, 0f, 1f, true), false);
        declare(good);
        declare(huge);
        List<Sample> data = SyntheticDataset.teacher(20, 20, 4, 9);
        for (Sample s : data) {
            samples.pipeInput("s1", SampleJson.toJson(s));
        }
        assertArrayEquals(ModelFile.toBytes(offline(good, data)), export("good"));
        ModelStatus s = registry.status("huge");
        assertEquals("refused", s.state());
        assertTrue(s.reason().matches("needs [0-9.]+ MB, [0-9.]+ MB left of the 8\\.0 MB memory budget.*"), s.reason());
        assertTrue(events.contains("model-refused huge memory"));
        assertNull(registry.isLocal("huge") ? "local" : null, "nothing of it was built");
    }

    @Test
    void deleteThenDeclareAgainStartsTheModelFromItsSeed() throws Exception {
        start(0);
        ModelSpec ada = new ModelSpec("ada", "s1", ModelConfig.of(RuleName.ALIGN_ADA, 0.05f, LAYERS), false);
        declare(ada);
        List<Sample> first = SyntheticDataset.teacher(30, 20, 4, 10);
        List<Sample> second = SyntheticDataset.teacher(25, 20, 4, 11);
        first.forEach(x -> samples.pipeInput("s1", SampleJson.toJson(x)));
        models.pipeInput("ada", (byte[]) null);
        declare(ada);
        second.forEach(x -> samples.pipeInput("s1", SampleJson.toJson(x)));
        Model streamed = ModelFile.fromBytes(export("ada"));
        assertEquals(25, streamed.samplesSeen());
        assertArrayEquals(ModelFile.toBytes(offline(ada, second)), export("ada"), "a fresh model on the new samples only");
    }

    @Test
    void recordsOfStreamsNoModelConsumesAreDeadLetteredWithoutParsing() {
        start(0);
        declare(new ModelSpec("ada", "s1", ModelConfig.of(RuleName.ALIGN_ADA, 0.05f, LAYERS), false));
        for (int i = 0; i < 200; i++) {
            samples.pipeInput("junk-" + i, "{not json".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        samples.pipeInput("bad key!", "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        List<TestRecord<String, byte[]>> dl = deadLetters.readRecordsToList();
        assertEquals(201, dl.size());
        assertEquals(200, events.stream().filter(e -> e.equals("dead-letter no-model")).count());
        assertEquals("dead-letter malformed-json", events.get(events.size() - 1));
    }

    @Test
    void streamIdsAreCheckedWithoutARegex() {
        assertTrue(LearningProcessor.isStreamId("a.b_c:d-9"));
        assertTrue(LearningProcessor.isStreamId("x".repeat(128)));
        assertTrue(!LearningProcessor.isStreamId("x".repeat(129)));
        assertTrue(!LearningProcessor.isStreamId(""));
        assertTrue(!LearningProcessor.isStreamId(null));
        assertTrue(!LearningProcessor.isStreamId("a b"));
        assertTrue(!LearningProcessor.isStreamId("é"));
    }
}
