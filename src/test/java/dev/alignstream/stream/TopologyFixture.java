package dev.alignstream.stream;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * The service's topology in a {@link TopologyTestDriver} (no broker): its samples and models
 * topics to write, its predictions and dead-letter topics to read, and the model registry to ask.
 * {@link #restoreFromStores} rebuilds a model from its committed snapshot and journal, as an
 * instance that takes the task over does.
 */
final class TopologyFixture implements AutoCloseable {

    private final ServiceConfig config;
    private TopologyTestDriver driver;
    final ModelRegistry registry = new ModelRegistry();
    TestInputTopic<String, byte[]> samples;
    TestInputTopic<String, byte[]> labels;
    TestInputTopic<String, byte[]> models;
    TestOutputTopic<String, byte[]> predictions;
    TestOutputTopic<String, byte[]> deadLetters;

    /** The topology of {@code config}, with {@code listeners} registered before it starts. */
    TopologyFixture(ServiceConfig config, LearningListener... listeners) {
        this.config = config;
        for (LearningListener l : listeners) {
            registry.addListener(l);
        }
        start();
    }

    /** Defaults with snapshots every {@code snapshotEvery} journal positions, state in {@code stateDir}. */
    static TopologyFixture of(Path stateDir, int snapshotEvery) {
        return new TopologyFixture(ServiceConfig.defaults("unused:9092", stateDir).withSnapshotEvery(snapshotEvery));
    }

    private void start() {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "topology-fixture");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toString());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, "exactly_once_v2");
        driver = new TopologyTestDriver(AlignstreamService.topology(config, registry), p);
        Topics t = config.topics();
        samples = driver.createInputTopic(t.samples(), new StringSerializer(), new ByteArraySerializer());
        labels = driver.createInputTopic(t.labels(), new StringSerializer(), new ByteArraySerializer());
        models = driver.createInputTopic(t.models(), new StringSerializer(), new ByteArraySerializer());
        predictions = driver.createOutputTopic(t.predictions(), new StringDeserializer(), new ByteArrayDeserializer());
        deadLetters = driver.createOutputTopic(t.deadLetters(), new StringDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * The model {@code id} of {@code stream} rebuilt from the committed stores alone: its snapshot,
     * then every journal entry after it (what {@link TaskModels#restore} does); null before its
     * first snapshot.
     */
    ServedModel restoreFromStores(String id, String stream) {
        SnapshotStore snapshots = new SnapshotStore(driver.getKeyValueStore(LearningProcessor.SNAPSHOT_STORE));
        SnapshotStore.Header h = snapshots.header(id);
        if (h == null) {
            return null;
        }
        ServedModel m = ServedModel.fromSnapshot(snapshots.read(h));
        new Journal(driver.getKeyValueStore(LearningProcessor.JOURNAL_STORE)).replay(stream, h.journalSeq(), (seq, e) -> {
            if (e.isRecord() && m.fits(e.decodeRecord()) == null) {
                m.observe(e.decodeRecord());
            }
        });
        return m;
    }

    TopologyTestDriver driver() {
        return driver;
    }

    void declare(ModelSpec s) {
        models.pipeInput(s.id(), s.toJson());
    }

    void send(String stream, byte[] value) {
        samples.pipeInput(stream, value);
    }

    /** Runs a registry request: the stream thread answers it at its next punctuation. */
    <T> T ask(Function<ModelRegistry, CompletableFuture<T>> request) throws Exception {
        CompletableFuture<T> f = request.apply(registry);
        driver.advanceWallClockTime(Duration.ofMillis(500));
        return f.get(10, TimeUnit.SECONDS);
    }

    byte[] export(String id) throws Exception {
        return ask(r -> r.export(id));
    }

    /** Dead letters read so far as "reason: message". */
    List<String> readDeadLetters() {
        return deadLetters.readRecordsToList().stream().map(TopologyFixture::reason).toList();
    }

    private static String reason(TestRecord<String, byte[]> r) {
        return new String(r.headers().lastHeader("reason").value(), StandardCharsets.UTF_8) + ": "
                + new String(r.headers().lastHeader("message").value(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        driver.close();
    }
}
