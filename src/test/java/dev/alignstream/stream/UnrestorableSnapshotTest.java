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
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A model whose committed snapshot cannot be read back (here: a chunk whose bytes no longer match
 * the header's CRC32C) is refused alone at restore, with the reason, while the other model of its
 * stream is restored bit for bit and learns on; it is not silently started from its seed, and a
 * delete followed by a new declaration (a new generation) starts it fresh. Exercised on
 * {@link TaskModels} over in-memory stores, the way a task restores after a crash or a move.
 */
class UnrestorableSnapshotTest {

    private static final TaskModels.Output IGNORE = new TaskModels.Output() {
        @Override
        public void prediction(ModelSpec spec, DataEvent sample, Prediction p, long offset, long version, boolean waits,
                               long nanos, long timestamp) {
        }

        @Override
        public void outcome(ModelSpec spec, Sample sample, Prediction scored, long offset, long servedVersion,
                            long delayMillis, long nanos, long timestamp) {
        }
    };

    private final InMemoryTaskStores stores = new InMemoryTaskStores();

    private TaskModels task(ModelRegistry registry) {
        return stores.task(registry, 1);
    }

    private static void learn(TaskModels task, DeclaredModels.View declared, List<Sample> data, int from, int to) {
        TreeMap<String, TaskModels.Live> live = task.modelsOf("s", declared, declared.ofStream("s"));
        for (int i = from; i < to; i++) {
            assertNull(task.learn("s", live, data.get(i), i, 0L, IGNORE, null));
        }
    }

    @Test
    void aCorruptSnapshotRefusesItsModelAloneAndADeleteAndRecreateStartsItFresh() throws Exception {
        ModelSpec good = new ModelSpec("good", "s", ModelConfig.of(RuleName.ALIGN_ADA, 0.05f, 6, 12, 3), false);
        ModelSpec hurt = new ModelSpec("hurt", "s", ModelConfig.of(RuleName.BP, 0.05f, 6, 12, 3), false);
        List<Sample> data = SyntheticDataset.teacher(40, 6, 3, 9L);
        ModelRegistry registry = new ModelRegistry();
        registry.declarations().apply(good.id(), good.toJson(), 0);
        registry.declarations().apply(hurt.id(), hurt.toJson(), 1);
        TaskModels first = task(registry);
        first.restore(registry.declarations().view());
        learn(first, registry.declarations().view(), data, 0, 20);
        first.close();

        // one byte of the hurt model's snapshot changes under the committed header
        String chunk = "m|hurt|c|000000";
        byte[] bytes = stores.snapshots.get(chunk);
        assertNotNull(bytes, "the hurt model has a snapshot chunk");
        bytes[bytes.length / 2] ^= 1;
        stores.snapshots.put(chunk, bytes);

        ModelRegistry after = new ModelRegistry();
        after.declarations().apply(good.id(), good.toJson(), 0);
        after.declarations().apply(hurt.id(), hurt.toJson(), 1);
        List<String> refusals = new ArrayList<>();
        after.addListener(new LearningListener() {
            @Override
            public void onModelRefused(ModelSpec spec, String kind, String reason) {
                refusals.add(spec.id() + " " + kind);
            }
        });
        TaskModels second = task(after);
        second.restore(after.declarations().view()); // must not throw: the task goes on
        assertEquals(List.of("hurt unrestorable"), refusals);
        ModelStatus status = after.status("hurt");
        assertEquals("refused", status.state());
        assertTrue(status.reason().contains("cannot be restored") && status.reason().contains("CRC32C"), status.reason());
        learn(second, after.declarations().view(), data, 20, 40);
        assertNull(second.get("hurt"), "not started again from its seed behind the user's back");
        Learner offline = new Learner(Model.create(good.config()), Rules.of(good.config().rule()));
        data.forEach(offline::observe);
        assertArrayEquals(ModelFile.toBytes(offline.model()),
                ((MlpServedModel) second.get("good").model()).exportBytes(), "the good model restored and learned on");

        // delete and declare again: a new generation, which starts from its seed at the next sample
        after.declarations().apply(hurt.id(), null, 2);
        after.declarations().apply(hurt.id(), hurt.toJson(), 3);
        new ModelReconciler(second, after).reconcile(after.declarations().view());
        learn(second, after.declarations().view(), data, 0, 5);
        assertNotNull(second.get("hurt"), "the re-created model is live");
        assertEquals(5, second.get("hurt").model().samplesSeen());
        assertEquals("live", after.status("hurt").state());
    }
}
