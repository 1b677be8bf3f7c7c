package dev.alignstream.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.alignstream.core.Learner;
import dev.alignstream.core.Model;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.Prediction;
import dev.alignstream.core.RuleName;
import dev.alignstream.data.DataEvent;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SyntheticDataset;
import dev.alignstream.io.ModelFile;
import dev.alignstream.rules.Rules;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Models of one stream running ahead of each other ({@link TaskModels#learn} returns before a
 * record's steps end): outputs come out in journal order, exactly once, and with the same bits as
 * one model after another, also when the task is dropped with records still running ahead and a
 * new task restores the state it left (a crash after a commit): the restoring task recomputes the
 * owed outputs in its replay and emits them before anything else.
 */
class RunAheadTest {

    private final InMemoryTaskStores stores = new InMemoryTaskStores();
    private final long savedThreshold = TaskModels.parallelMinStepNanos;
    private final long savedGap = TaskModels.runAheadGapNanos;

    private static final List<ModelSpec> SPECS = List.of(
            new ModelSpec("a", "s", ModelConfig.of(RuleName.ALIGN_ADA, 0.05f, 20, 48, 4), false),
            new ModelSpec("b", "s", ModelConfig.of(RuleName.BP, 0.05f, 20, 32, 32, 4), false),
            new ModelSpec("c", "s", ModelConfig.of(RuleName.ALIGN_ZERO, 0.1f, 20, 40, 4), false));

    @AfterEach
    void restoreSwitches() {
        TaskModels.parallelMinStepNanos = savedThreshold;
        TaskModels.runAheadGapNanos = savedGap;
        StepLanes.workersHeld = false;
    }

    /** Every output as "model offset version timestamp output-bits step", in emission order. */
    private static final class Recorder implements TaskModels.Output {
        final List<String> lines = new ArrayList<>();

        @Override
        public void prediction(ModelSpec spec, DataEvent sample, Prediction p, long offset, long version, boolean waits,
                               long nanos, long timestamp) {
            lines.add(spec.id() + " " + offset + " " + version + " " + timestamp + " " + Arrays.toString(p.output()) + " "
                    + p.step() + " " + p.samplesSeen());
        }

        @Override
        public void outcome(ModelSpec spec, Sample sample, Prediction scored, long offset, long servedVersion,
                            long delayMillis, long nanos, long timestamp) {
            lines.add("outcome " + spec.id());
        }
    }

    private TaskModels task(ModelRegistry registry, int threads) {
        return stores.task(registry, threads);
    }

    private static ModelRegistry registry() {
        ModelRegistry registry = new ModelRegistry();
        for (int i = 0; i < SPECS.size(); i++) {
            registry.declarations().apply(SPECS.get(i).id(), SPECS.get(i).toJson(), i);
        }
        return registry;
    }

    private static void learn(TaskModels task, ModelRegistry registry, List<Sample> data, int from, int to,
                              TaskModels.Output out) {
        DeclaredModels.View declared = registry.declarations().view();
        TreeMap<String, TaskModels.Live> live = task.modelsOf("s", declared, declared.ofStream("s"));
        for (int i = from; i < to; i++) {
            assertNull(task.learn("s", live, data.get(i), i, 1000L + i, out, null));
        }
    }

    @Test
    void outputsOwedWhenATaskIsDroppedAreEmittedOnceByTheTaskThatRestoresItsState() {
        List<Sample> data = SyntheticDataset.teacher(60, 20, 4, 5L);
        // reference: one model after another, everything emitted before learn returns
        Recorder serial = new Recorder();
        ModelRegistry r0 = registry();
        TaskModels one = new InMemoryTaskStores().task(r0, 1);
        one.restore(r0.declarations().view());
        learn(one, r0, data, 0, data.size(), serial);
        assertEquals(3 * data.size(), serial.lines.size());
        one.close();

        TaskModels.parallelMinStepNanos = 0; // small models: force the parallel path
        TaskModels.runAheadGapNanos = Long.MAX_VALUE; // and always run ahead
        // the worker takes no step: only the stream thread runs them, for the oldest record once
        // more than RUN_AHEAD_RECORDS are in flight, so exactly that many are owed at the end
        // whatever the machine's speed (a free worker could finish them all first)
        StepLanes.workersHeld = true;
        Recorder before = new Recorder();
        ModelRegistry r1 = registry();
        TaskModels first = task(r1, 2);
        first.restore(r1.declarations().view());
        learn(first, r1, data, 0, 40, before);
        // records still running ahead: their steps not run, their outputs not emitted
        int emitted = before.lines.size();
        assertEquals(3 * (40 - TaskModels.RUN_AHEAD_RECORDS), emitted, "the last RUN_AHEAD_RECORDS records' outputs owed");
        assertNotNull(stores.journal.get("o|"), "the owed records are in the store");
        first.close(); // a crash after the commit: in-memory work is lost, the stores are what was committed
        StepLanes.workersHeld = false;

        Recorder after = new Recorder();
        ModelRegistry r2 = registry();
        TaskModels second = task(r2, 2);
        second.restore(r2.declarations().view());
        // the first record after the restore fits no model (19 features, not 20): the owed outputs
        // come out all the same, and the committed list no longer holds them
        Sample unusable = new Sample(null, new float[19], 0, null);
        DeclaredModels.View declared = r2.declarations().view();
        assertNotNull(second.learn("s", second.modelsOf("s", declared, declared.ofStream("s")), unusable, 999, 0L, after,
                null), "no model can use it");
        assertEquals(3 * 40 - emitted, after.lines.size(), "every owed output once");
        assertNull(stores.journal.get("o|"), "nothing owed any more");
        second.drain(after);
        assertEquals(3 * 40 - emitted, after.lines.size(), "and not again");
        learn(second, r2, data, 40, data.size(), after);
        second.drain(after);

        List<String> all = new ArrayList<>(before.lines);
        all.addAll(after.lines);
        // the owed outputs of a restore report no step time, which the lines leave out; timestamps kept
        assertEquals(serial.lines, all, "the same outputs, in the same order, as one model after another");
        for (ModelSpec s : SPECS) {
            Learner offline = new Learner(Model.create(s.config()), Rules.of(s.config().rule()));
            data.forEach(offline::observe);
            assertArrayEquals(ModelFile.toBytes(offline.model()),
                    ((MlpServedModel) second.get(s.id()).model()).exportBytes(), s.id() + " equals offline training");
        }
        second.close();
    }
}
