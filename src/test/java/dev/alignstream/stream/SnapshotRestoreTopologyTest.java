package dev.alignstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.alignstream.core.Activation;
import dev.alignstream.core.Learner;
import dev.alignstream.core.Model;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SyntheticDataset;
import dev.alignstream.io.ModelFile;
import dev.alignstream.rules.Rules;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a restart restores, checked after every record without a broker: each model's committed
 * snapshot plus the journal after it must reproduce the live model bit for bit (the contract of
 * {@link TaskModels}), with delayed labels and a mini-batch model, whose snapshots fall mid-batch.
 */
class SnapshotRestoreTopologyTest {

    @TempDir
    Path stateDir;

    @Test
    void snapshotPlusJournalReproducesEveryLiveModelAfterEveryRecord() throws Exception {
        ServiceConfig config = ServiceConfig.defaults("unused:9092", stateDir).withSnapshotEvery(7);
        ModelRegistry registry = new ModelRegistry();
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "restore-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, "exactly_once_v2");
        ModelConfig base = new ModelConfig(new int[] {12, 24, 3}, Activation.RELU, RuleName.ALIGN_ADA, 0.1f, 1, 3L,
                -0.1f, 1f, true);
        List<ModelSpec> specs = List.of(new ModelSpec("ada", "s", base, false),
                new ModelSpec("bp", "s", base.withRule(RuleName.BP).withBatchSize(2), false));
        List<Sample> data = SyntheticDataset.teacher(100, 12, 3, 17L);
        List<byte[]> records = DelayedLabelCrashTest.events(data, 3L);
        try (TopologyTestDriver driver = new TopologyTestDriver(AlignstreamService.topology(config, registry), p)) {
            Topics t = config.topics();
            TestInputTopic<String, byte[]> models = driver.createInputTopic(t.models(), new StringSerializer(),
                    new ByteArraySerializer());
            TestInputTopic<String, byte[]> samples = driver.createInputTopic(t.samples(), new StringSerializer(),
                    new ByteArraySerializer());
            for (ModelSpec s : specs) {
                models.pipeInput(s.id(), s.toJson());
            }
            KeyValueStore<String, byte[]> snapshotStore = driver.getKeyValueStore(LearningProcessor.SNAPSHOT_STORE);
            KeyValueStore<String, byte[]> journalStore = driver.getKeyValueStore(LearningProcessor.JOURNAL_STORE);
            for (int i = 0; i < records.size(); i++) {
                samples.pipeInput("s", records.get(i));
                for (ModelSpec s : specs) {
                    SnapshotStore snapshots = new SnapshotStore(snapshotStore);
                    SnapshotStore.Header h = snapshots.header(s.id());
                    if (h == null) {
                        continue;
                    }
                    Model restored = ModelFile.fromBytes(snapshots.read(h));
                    Learner l = new Learner(restored, Rules.of(restored.config().rule()));
                    new Journal(journalStore).replay("s", h.journalSeq(), (seq, e) -> l.observe(e.decodeSample()));
                    var live = registry.export(s.id());
                    driver.advanceWallClockTime(Duration.ofMillis(250));
                    byte[] liveBytes = live.get(10, TimeUnit.SECONDS);
                    Model liveModel = ModelFile.fromBytes(liveBytes);
                    assertEquals(liveModel.samplesSeen(), restored.samplesSeen(), s.id() + " after record " + i
                            + " (snapshot at " + h.journalSeq() + ")");
                    assertTrue(java.util.Arrays.equals(liveBytes, ModelFile.toBytes(restored)),
                            s.id() + " after record " + i + ": restored state differs (snapshot at " + h.journalSeq() + ")");
                }
            }
        }
    }
}
