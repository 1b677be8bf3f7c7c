package dev.alignstream.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.Prediction;
import dev.alignstream.core.RuleName;
import dev.alignstream.data.DelayedSumDataset;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SampleJson;
import dev.alignstream.data.SequenceSample;
import dev.alignstream.data.SyntheticDataset;
import dev.alignstream.io.RnnModelFile;
import dev.alignstream.rnn.RnnConfig;
import dev.alignstream.rnn.RnnLearner;
import dev.alignstream.rnn.RnnModel;
import dev.alignstream.rnn.SequencePrediction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RNN models in the service, without a broker (SPEC sections 3 and 8): sequence records are
 * learned exactly as offline training learns them, and the committed snapshot and journal
 * rebuild the live model after every record; each sequence gives one
 * prediction record with an output per step; bad sequence records are dead-lettered with their
 * reason and touch no model; and a model of the wrong kind for its stream is refused while the
 * stream's other models learn.
 */
class RnnStreamingTopologyTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path stateDir;

    private static RnnConfig rnn(RuleName rule, int batch) {
        return new RnnConfig(ModelConfig.of(rule, 0.01f, 1, 16, 1).withBatchSize(batch), 40);
    }

    private static List<SequenceSample> delayedSum(int count, int length, long seed) {
        return DelayedSumDataset.generate(new Random(seed), count, length);
    }

    private static RnnLearner offline(RnnConfig c, List<SequenceSample> data, List<SequencePrediction> out) {
        RnnLearner l = new RnnLearner(RnnModel.create(c));
        for (SequenceSample s : data) {
            out.add(l.observe(s));
        }
        return l;
    }

    @Test
    void sequencesAreLearnedAsOfflineAndRestorableAfterEveryRecordWithOnePredictionPerSequence() throws Exception {
        RnnConfig ada = rnn(RuleName.ALIGN_ADA, 1);
        RnnConfig bp = rnn(RuleName.BP, 3); // partial batches are pending in snapshots
        List<SequenceSample> data = delayedSum(25, 12, 5);
        List<SequencePrediction> adaOffline = new ArrayList<>();
        List<SequencePrediction> bpOffline = new ArrayList<>();
        RnnModel adaModel = offline(ada, data, adaOffline).model();
        RnnModel bpModel = offline(bp, data, bpOffline).model();
        List<TestRecord<String, byte[]>> out = new ArrayList<>();
        try (TopologyFixture f = TopologyFixture.of(stateDir, 4)) {
            f.declare(ModelSpec.rnn("ada", "seq", ada, false));
            f.declare(ModelSpec.rnn("bp", "seq", bp, false));
            for (int i = 0; i < data.size(); i++) {
                f.send("seq", SampleJson.toJson(data.get(i)));
                for (String id : List.of("ada", "bp")) {
                    // snapshots every 4 journal positions, staggered: each record tests some replay length
                    ServedModel restored = f.restoreFromStores(id, "seq");
                    assertArrayEquals(f.export(id), restored.exportBytes(), id + ": snapshot + journal after record " + i);
                }
            }
            out.addAll(f.predictions.readRecordsToList());
            assertArrayEquals(RnnModelFile.toBytes(adaModel), f.export("ada"), "align-ada: bit-identical to offline");
            assertArrayEquals(RnnModelFile.toBytes(bpModel), f.export("bp"), "bp, batch 3: bit-identical to offline");
            assertTrue(f.readDeadLetters().isEmpty());
            ModelStatus st = f.registry.status("ada");
            assertEquals("rnn", st.arch());
            assertEquals(25, st.samplesSeen());
            assertEquals(0, st.rejectedSteps(), "every step applied: the models learned");
            assertTrue(adaOffline.get(24).loss() < adaOffline.get(0).loss(), "and the loss fell");
            assertEquals(24, f.registry.status("bp").samplesSeen(), "8 batches of 3 applied, one sequence pending");
        }
        assertEquals(50, out.size(), "one prediction per sequence and model");
        int[] seen = new int[2];
        for (TestRecord<String, byte[]> r : out) {
            JsonNode j = JSON.readTree(r.value());
            int model = r.key().equals("ada") ? 0 : 1;
            int i = seen[model]++;
            SequencePrediction expected = (model == 0 ? adaOffline : bpOffline).get(i);
            assertEquals("prediction", j.get("kind").asText());
            assertEquals("seq", j.get("stream").asText());
            assertEquals(12, j.get("steps").asInt());
            assertEquals(12, j.get("prediction").size(), "an output per step");
            for (int t = 0; t < 12; t++) {
                assertEquals(expected.outputs()[t], j.get("prediction").get(t).get(0).floatValue(), 0f, "step " + t);
                assertEquals(data.get(i).target(t, 0), j.get("targets").get(t).get(0).floatValue(), 0f);
            }
            assertEquals(expected.loss(), j.get("loss").asDouble(), 0.0, "the sequence's prequential loss");
            assertEquals(expected.samplesSeen(), j.get("samples_seen").asLong());
            assertEquals(expected.step().name().toLowerCase(), j.get("step").asText());
        }
    }

    @Test
    void badSequenceRecordsAreDeadLetteredWithTheirReasonAndTouchNoModel() throws Exception {
        RnnConfig c = rnn(RuleName.ALIGN_ZERO, 1);
        List<SequenceSample> data = delayedSum(3, 8, 9);
        try (TopologyFixture f = TopologyFixture.of(stateDir, 4)) {
            f.declare(ModelSpec.rnn("r", "seq", c, false));
            for (SequenceSample s : data) {
                f.send("seq", SampleJson.toJson(s));
            }
            byte[] before = f.export("r");
            String[] bad = {
                "{\"sequence\": [[1], [0, 1]], \"targets\": [[1], [0]]}",
                "{\"sequence\": [[1, 0], [0, 1]], \"targets\": [[1], [0]]}",
                "{\"sequence\": [[1], [0]], \"targets\": [[1]]}",
                "{\"sequence\": [], \"targets\": []}",
                "{\"sequence\": [[1], [0]], \"targets\": [[1, 2], [0, 2]]}",
                "{\"sequence\": [[1], [1e39]], \"targets\": [[1], [0]]}",
                "{\"sequence\": [[1], [0]], \"targets\": [[1], [0]]",
                "{\"features\": [1], \"label\": 0}",
                new String(SampleJson.toJson(delayedSum(1, 41, 3).get(0)), StandardCharsets.UTF_8),
            };
            for (String b : bad) {
                f.send("seq", b.getBytes(StandardCharsets.UTF_8));
            }
            List<String> reasons = f.readDeadLetters().stream().map(d -> d.substring(0, d.indexOf(':'))).toList();
            assertEquals(List.of("ragged-sequence", "wrong-width", "targets-length", "empty-sequence", "target-width",
                    "non-finite", "malformed-json", "missing-sequence", "oversize"), reasons);
            assertArrayEquals(before, f.export("r"), "no bad record touched the model");
            assertEquals(3, f.registry.status("r").samplesSeen());
            assertEquals(3, f.predictions.readRecordsToList().size(), "no prediction for a dead letter");
        }
    }

    @Test
    void aModelOfTheWrongKindIsRefusedWhileTheStreamsOtherModelLearns() throws Exception {
        RnnConfig c = rnn(RuleName.BP, 1);
        List<SequenceSample> sequences = delayedSum(TaskModels.UNFIT_LIMIT + 2, 6, 11);
        List<Sample> features = SyntheticDataset.teacher(TaskModels.UNFIT_LIMIT + 2, 1, 1, 3);
        try (TopologyFixture f = TopologyFixture.of(stateDir, 4)) {
            // an MLP declared on a stream of sequences, and an RNN on a stream of feature samples
            f.declare(ModelSpec.rnn("rnn-ok", "seq", c, false));
            f.declare(new ModelSpec("mlp-on-seq", "seq", ModelConfig.of(RuleName.BP, 0.05f, 1, 8, 1), false));
            f.declare(new ModelSpec("mlp-ok", "feat", ModelConfig.of(RuleName.BP, 0.05f, 1, 8, 1), false));
            f.declare(ModelSpec.rnn("rnn-on-feat", "feat", c, false));
            for (int i = 0; i < sequences.size(); i++) {
                f.send("seq", SampleJson.toJson(sequences.get(i)));
                f.send("feat", SampleJson.toJson(features.get(i)));
            }
            List<SequencePrediction> ignored = new ArrayList<>();
            assertArrayEquals(RnnModelFile.toBytes(offline(c, sequences, ignored).model()), f.export("rnn-ok"));
            assertEquals(features.size(), f.registry.status("mlp-ok").samplesSeen());
            ModelStatus mlp = f.registry.status("mlp-on-seq");
            assertEquals("refused", mlp.state());
            assertTrue(mlp.reason().contains("does not fit its stream") && mlp.reason().contains("RNN model"), mlp.reason());
            ModelStatus rnn = f.registry.status("rnn-on-feat");
            assertEquals("refused", rnn.state());
            assertTrue(rnn.reason().contains("does not fit its stream") && rnn.reason().contains("sequence records"),
                    rnn.reason());
            assertTrue(f.readDeadLetters().isEmpty(), "every record was learned by the model of its kind");
        }
    }

    @Test
    void predictAnswersWithTheLiveModelsOutputsPerStepWithoutLearning() throws Exception {
        RnnConfig c = rnn(RuleName.ALIGN_ADA, 1);
        List<SequenceSample> data = delayedSum(6, 10, 21);
        SequenceSample query = delayedSum(1, 7, 22).get(0);
        try (TopologyFixture f = TopologyFixture.of(stateDir, 4)) {
            f.declare(ModelSpec.rnn("r", "seq", c, false));
            for (SequenceSample s : data) {
                f.send("seq", SampleJson.toJson(s));
            }
            byte[] before = f.export("r");
            Prediction p = f.ask(r -> r.predictSequence("r", query));
            RnnLearner reference = new RnnLearner(RnnModelFile.fromBytes(before));
            SequencePrediction expected = reference.evaluate(query);
            assertArrayEquals(expected.outputs(), p.output(), "the live model's outputs, bit for bit");
            assertEquals(expected.loss(), p.loss(), 0.0);
            assertEquals(6, p.samplesSeen());
            assertArrayEquals(before, f.export("r"), "predicting learns nothing");
            SequenceSample wide = SequenceSample.of(new float[][] {{1, 2}}, null);
            Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                    () -> f.ask(r -> r.predictSequence("r", wide)));
            assertTrue(e.getCause() instanceof IllegalArgumentException && e.getCause().getMessage().contains("wrong-width"),
                    String.valueOf(e.getCause()));
            assertFalse(f.predictions.readRecordsToList().size() != 6, "a prediction request writes no record");
        }
    }
}
