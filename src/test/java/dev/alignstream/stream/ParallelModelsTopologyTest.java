package dev.alignstream.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The models of one stream learning a record in parallel ({@code --model-threads 3}) give the
 * same models, bit for bit, and the same prediction records, in the same order, as one after
 * another ({@code --model-threads 1}); and both equal each model trained alone offline. The
 * parallel run lets models run ahead of each other between the served samples and labels (which
 * wait for every step), so held-back outputs must come out in the same order.
 */
class ParallelModelsTopologyTest {

    private static final List<ModelSpec> SPECS = List.of(
            new ModelSpec("a", "s", ModelConfig.of(RuleName.ALIGN_ADA, 0.05f, 20, 32, 4), false),
            new ModelSpec("b", "s", ModelConfig.of(RuleName.BP, 0.05f, 20, 16, 16, 4), false),
            new ModelSpec("c", "s", ModelConfig.of(RuleName.ALIGN_ZERO, 0.1f, 20, 24, 4), false),
            // cannot use the stream's samples: refused among the others' outputs
            new ModelSpec("d", "s", ModelConfig.of(RuleName.BP, 0.05f, 19, 8, 4), false));

    @TempDir
    Path stateDir;

    private final long savedThreshold = TaskModels.parallelMinStepNanos;
    private final long savedGap = TaskModels.runAheadGapNanos;
    private TopologyTestDriver driver;

    @AfterEach
    void restore() {
        TaskModels.parallelMinStepNanos = savedThreshold;
        TaskModels.runAheadGapNanos = savedGap;
        if (driver != null) {
            driver.close();
        }
    }

    /** Model id -> exported model, and every prediction record as "key value". */
    private record Run(Map<String, byte[]> models, List<String> predictions) {
    }

    private Run run(int modelThreads, List<Sample> data) throws Exception {
        ServiceConfig config = ServiceConfig.defaults("unused:9092", stateDir.resolve("t" + modelThreads))
                .withSnapshotEvery(8).withModelThreads(modelThreads);
        ModelRegistry registry = new ModelRegistry();
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "parallel-test-" + modelThreads);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve("t" + modelThreads).toString());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, "exactly_once_v2");
        driver = new TopologyTestDriver(AlignstreamService.topology(config, registry), p);
        Topics t = config.topics();
        TestInputTopic<String, byte[]> models = driver.createInputTopic(t.models(), new StringSerializer(),
                new ByteArraySerializer());
        TestInputTopic<String, byte[]> samples = driver.createInputTopic(t.samples(), new StringSerializer(),
                new ByteArraySerializer());
        TestInputTopic<String, byte[]> labels = driver.createInputTopic(t.labels(), new StringSerializer(),
                new ByteArraySerializer());
        for (ModelSpec s : SPECS) {
            models.pipeInput(s.id(), s.toJson());
        }
        for (int i = 0; i < data.size(); i++) {
            Sample s = data.get(i);
            if (i % 5 == 4) {
                // a delayed label: served now, learned (with an outcome record per model) at its label
                String id = "x" + i;
                samples.pipeInput("s", SampleJson.toJson(new Sample(id, s.features(), null, null)));
                labels.pipeInput("s", ("{\"id\":\"" + id + "\",\"label\":" + s.label() + "}")
                        .getBytes(StandardCharsets.UTF_8));
            } else {
                samples.pipeInput("s", SampleJson.toJson(s));
            }
        }
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (ModelSpec s : SPECS.subList(0, 3)) {
            var f = registry.export(s.id());
            driver.advanceWallClockTime(Duration.ofMillis(500));
            out.put(s.id(), f.get(10, TimeUnit.SECONDS));
        }
        assertEquals("refused", registry.status("d").state());
        List<String> predictions = new ArrayList<>();
        for (TestRecord<String, byte[]> r : driver.createOutputTopic(t.predictions(), new StringDeserializer(),
                new ByteArrayDeserializer()).readRecordsToList()) {
            predictions.add(r.key() + " " + new String(r.value(), StandardCharsets.UTF_8));
        }
        driver.close();
        driver = null;
        return new Run(out, predictions);
    }

    @Test
    void threeModelsInParallelEqualOneAfterAnotherAndOfflineTraining() throws Exception {
        List<Sample> data = SyntheticDataset.teacher(60, 20, 4, 11);
        Run serial = run(1, data);
        TaskModels.parallelMinStepNanos = 0; // tiny models: force the parallel path
        TaskModels.runAheadGapNanos = Long.MAX_VALUE; // and let models run ahead between the served samples and labels
        long before = TaskModels.PARALLEL_RECORDS.get();
        Run parallel = run(3, data);
        assertTrue(TaskModels.PARALLEL_RECORDS.get() - before >= 50, "the parallel path ran");
        assertEquals((48 + 2 * 12) * 3, serial.predictions().size(), "a record per (sample, model), two for a delayed label");
        assertEquals(serial.predictions(), parallel.predictions(), "same prediction records in the same order");
        for (ModelSpec s : SPECS.subList(0, 3)) {
            Learner offline = new Learner(Model.create(s.config()), Rules.of(s.config().rule()));
            data.forEach(offline::observe);
            byte[] expected = ModelFile.toBytes(offline.model());
            assertArrayEquals(expected, serial.models().get(s.id()), s.id() + " serial equals offline");
            assertArrayEquals(expected, parallel.models().get(s.id()), s.id() + " parallel equals offline");
        }
    }

    @Test
    void commitsAmongTheMeasuredRecordsDoNotDecideTheStepMode() {
        StepModeChooser c = new StepModeChooser();
        // parallel records pass every 100 us, but every 50th is held 10 ms by a commit; one after
        // another they would take 120 us: the mean of the parallel ones is ~300 us, the median 100
        for (int period = 0; period < 3; period++) {
            for (int i = 0; i < StepModeChooser.PERIOD; i++) {
                boolean parallel = c.parallelNext();
                c.took(parallel ? (i % 50 == 0 ? 10_000_000 : 100_000) : 120_000);
            }
            assertTrue(c.parallel(), "period " + period + ": stays parallel");
        }
        // a stream that waits for records: its parallel records come 5 ms apart (idle gaps, not
        // their cost), the trial's back to back; gaps are not counted, so nothing is decided
        long now = 0;
        for (int i = 0; i < StepModeChooser.PERIOD; i++) {
            c.cycle(now);
            now += c.parallelNext() ? 5_000_000 : 120_000;
        }
        assertTrue(c.parallel(), "idle gaps are not measured as the parallel way's cost");
    }

    @Test
    void theStepModeFollowsWhicheverWayWasMeasuredFaster() {
        StepModeChooser c = new StepModeChooser();
        assertTrue(c.parallel(), "starts parallel");
        // parallel records take 100 us, serial ones 50 us: after one period it runs serial
        java.util.List<String> switches = new java.util.ArrayList<>();
        runPeriod(c, 100_000, 50_000, switches);
        assertEquals(false, c.parallel(), "serial was measured faster");
        assertEquals(java.util.List.of("model steps now run one after another: 50 us per record that way against 100"
                + " the other (medians of the last 64 records each way)"), switches, "the switch is reported once, with why");
        // the load changed: parallel now 30 us, serial 50 us
        runPeriod(c, 30_000, 50_000, switches);
        assertTrue(c.parallel(), "parallel was measured faster");
        assertEquals(2, switches.size());
        assertTrue(switches.get(1).startsWith("model steps now run in parallel: 30 us per record that way against 50"),
                switches.get(1));
        // within the 10% margin nothing changes
        runPeriod(c, 30_000, 28_000, switches);
        assertEquals(2, switches.size(), "no switch, no report");
        assertTrue(c.parallel(), "a difference under 10% keeps the current way");
    }

    /** One chooser period of records costing {@code parallelNanos} or {@code serialNanos}; the switches it reported go to {@code switches}. */
    private static void runPeriod(StepModeChooser c, long parallelNanos, long serialNanos, java.util.List<String> switches) {
        for (int i = 0; i < StepModeChooser.PERIOD; i++) {
            String s = c.took(c.parallelNext() ? parallelNanos : serialNanos);
            if (s != null) {
                switches.add(s);
            }
        }
    }
}
