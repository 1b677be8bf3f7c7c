package dev.alignstream.stream;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The streaming service: a Kafka Streams application whose topology reads samples keyed by
 * stream, runs every subscribed model through {@link LearningProcessor}, and writes predictions
 * and dead letters. Model declarations come from the compacted models topic through a global
 * store, so every instance knows every model. Exactly-once (v2) by default.
 */
public final class AlignstreamService implements AutoCloseable {

    /**
     * Changelog topic settings. Under exactly-once a crashed instance's stores are wiped and
     * rebuilt from the changelog, so restart time is proportional to the changelog's size, not
     * the live state's: every snapshot rewrites a model (15 MB for 784-1024-1024-10) and every
     * sample passes through the journal. Small segments that roll at least every ten minutes,
     * compacted eagerly, keep the changelog near the live state instead of growing until the
     * default 1 GB segment rolls.
     */
    static final Map<String, String> CHANGELOG = Map.of(
            "segment.bytes", Integer.toString(64 << 20),
            "segment.ms", Long.toString(Duration.ofMinutes(10).toMillis()),
            "min.cleanable.dirty.ratio", "0.1",
            "delete.retention.ms", Long.toString(Duration.ofMinutes(10).toMillis()));

    private final ServiceConfig config;
    private final ModelRegistry registry = new ModelRegistry();
    private final ServiceHealth health = new ServiceHealth();
    private KafkaStreams streams;

    public AlignstreamService(ServiceConfig config) {
        this.config = config;
    }

    public ModelRegistry registry() {
        return registry;
    }

    public ServiceConfig config() {
        return config;
    }

    /** Liveness and readiness, fed by this service's Kafka Streams client once started. */
    public ServiceHealth health() {
        return health;
    }

    /** The topology, exposed for TopologyTestDriver tests. */
    public static Topology topology(ServiceConfig config, ModelRegistry registry) {
        Topics t = config.topics();
        Topology topology = new Topology();
        StoreBuilder<KeyValueStore<String, byte[]>> models = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(LearningProcessor.MODELS_STORE), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled();
        DeclaredModels declarations = registry.declarations();
        // the updater keeps the store (what the topic says) and the parsed index the stream
        // threads read; restoring the global store replays the topic through it, in order
        topology.addGlobalStore(models, "models-source", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(),
                t.models(), "models-updater", () -> new Processor<String, byte[], Void, Void>() {
                    private KeyValueStore<String, byte[]> store;
                    private ProcessorContext<Void, Void> context;

                    @Override
                    public void init(ProcessorContext<Void, Void> context) {
                        this.context = context;
                        store = context.getStateStore(LearningProcessor.MODELS_STORE);
                    }

                    @Override
                    public void process(Record<String, byte[]> r) {
                        if (r.key() == null) {
                            return;
                        }
                        if (r.value() == null) {
                            store.delete(r.key());
                        } else {
                            store.put(r.key(), r.value());
                        }
                        long offset = context.recordMetadata().map(m -> m.offset()).orElse(-1L);
                        declarations.apply(r.key(), r.value(), offset);
                    }
                });
        // samples and delayed labels feed one processor: both topics are keyed by stream id and
        // co-partitioned, so a label reaches the task that holds its sample
        topology.addSource("samples", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), t.samples(),
                t.labels());
        MemoryBudget budget = new MemoryBudget(config.memoryBudget());
        int modelThreads = config.effectiveModelThreads();
        topology.addProcessor("learn", () -> new LearningProcessor(registry, budget, config.snapshotEvery(),
                config.labelWait(), modelThreads), "samples");
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(LearningProcessor.JOURNAL_STORE),
                Serdes.String(), Serdes.ByteArray()).withCachingDisabled().withLoggingEnabled(CHANGELOG), "learn");
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(LearningProcessor.SNAPSHOT_STORE),
                Serdes.String(), Serdes.ByteArray()).withCachingEnabled().withLoggingEnabled(CHANGELOG), "learn");
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(LearningProcessor.PENDING_STORE),
                Serdes.String(), Serdes.ByteArray()).withCachingDisabled().withLoggingEnabled(CHANGELOG), "learn");
        topology.addSink(LearningProcessor.PREDICTIONS, t.predictions(), Serdes.String().serializer(),
                Serdes.ByteArray().serializer(), "learn");
        topology.addSink(LearningProcessor.DEAD_LETTERS, t.deadLetters(), Serdes.String().serializer(),
                Serdes.ByteArray().serializer(), "learn");
        return topology;
    }

    /** Streams properties for this config. */
    public static Properties streamsProperties(ServiceConfig c) {
        Properties p = c.clientProperties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, c.applicationId());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, c.processingGuarantee());
        p.put(StreamsConfig.STATE_DIR_CONFIG, c.stateDir().toString());
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "500");
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "1");
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, "-1");
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), "1000");
        // a sample is 2-10 KB of JSON: the 1 MB default would fetch a few hundred per round trip
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG), Integer.toString(8 << 20));
        // the transactional producer carries ~3 KB journal entries (784 features) and the
        // predictions: 16 KB batches meant a produce request every few samples; a commit
        // flushes whatever is batched, so larger batches add no latency past the commit interval
        p.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), Integer.toString(512 << 10));
        p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), "20");
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), "6000");
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), "1500");
        p.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), "1048576");
        if (c.instanceId() != null) {
            p.put(StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), c.instanceId());
        }
        p.putAll(c.kafkaProperties());
        return p;
    }

    /** Creates the service's topics when they do not exist (idempotent). */
    public static void ensureTopics(ServiceConfig c) throws InterruptedException {
        Topics t = c.topics();
        List<NewTopic> topics = new ArrayList<>();
        topics.add(new NewTopic(t.samples(), c.partitions(), (short) -1));
        topics.add(new NewTopic(t.models(), 1, (short) -1).configs(Map.of("cleanup.policy", "compact")));
        topics.add(new NewTopic(t.predictions(), c.partitions(), (short) -1));
        topics.add(new NewTopic(t.deadLetters(), 1, (short) -1));
        topics.add(new NewTopic(t.labels(), c.partitions(), (short) -1));
        try (Admin admin = Admin.create(c.clientProperties())) {
            for (NewTopic nt : topics) {
                try {
                    admin.createTopics(List.of(nt)).all().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + nt.name() + ": " + e.getCause().getMessage(),
                                e.getCause());
                    }
                }
            }
        }
    }

    /**
     * A label must reach the task that holds its sample: both are keyed by stream id, so the two
     * topics need the same number of partitions. Refuses to start otherwise.
     */
    static void checkCopartitioned(Admin admin, Topics t) throws InterruptedException {
        try {
            Map<String, org.apache.kafka.clients.admin.TopicDescription> d = null;
            // a topic created a moment ago may not be in every broker's metadata yet
            for (int attempt = 0; d == null; attempt++) {
                try {
                    d = admin.describeTopics(List.of(t.samples(), t.labels())).allTopicNames().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)
                            || attempt >= 50) {
                        throw e;
                    }
                    Thread.sleep(200);
                }
            }
            int samples = d.get(t.samples()).partitions().size();
            int labels = d.get(t.labels()).partitions().size();
            if (samples != labels) {
                throw new IllegalStateException("topic " + t.labels() + " has " + labels + " partitions and " + t.samples()
                        + " has " + samples + ": delayed labels must be co-partitioned with their samples (same"
                        + " partition count); recreate " + t.labels() + " with " + samples + " partitions");
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot describe topics " + t.samples() + " and " + t.labels() + ": "
                    + e.getCause().getMessage(), e.getCause());
        }
    }

    /**
     * Creates missing topics, refuses a samples topic whose partition count changed since the
     * state was built ({@link PartitionCountCheck}), then starts Kafka Streams.
     *
     * @throws IllegalStateException when the partition count changed, or Kafka refuses a topic
     */
    public synchronized void start() throws InterruptedException {
        start(null);
    }

    /**
     * Starts the application, publishing {@code applicationServer} (this instance's advertised HTTP
     * {@code host:port}, or null for none) to the other instances through Kafka Streams' metadata.
     */
    public synchronized void start(String applicationServer) throws InterruptedException {
        ensureTopics(config);
        try (Admin admin = Admin.create(config.clientProperties())) {
            PartitionCountCheck.verify(admin, config);
            // after the state check: a grown samples topic is reported as what it is first
            checkCopartitioned(admin, config.topics());
        }
        Properties props = streamsProperties(config);
        if (applicationServer != null) {
            props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, applicationServer);
        }
        streams = new KafkaStreams(topology(config, registry), props);
        streams.setStateListener(health);
        streams.setGlobalStateRestoreListener(health);
        streams.setUncaughtExceptionHandler(e -> {
            org.slf4j.LoggerFactory.getLogger(AlignstreamService.class).error("stream thread failed; replacing it", e);
            // a thread that fails again and again is replaced again and again: health counts it
            health.threadReplaced(e);
            return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse
                    .REPLACE_THREAD;
        });
        streams.start();
    }

    public synchronized KafkaStreams.State state() {
        return streams == null ? KafkaStreams.State.NOT_RUNNING : streams.state();
    }

    /** Waits until the application reaches RUNNING. */
    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (state() == KafkaStreams.State.RUNNING) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    /**
     * Where the models of {@code stream} live: the instance whose task owns the stream's partition
     * (its advertised address), or {@link KeyQueryMetadata#NOT_AVAILABLE}
     * while that is unknown (starting, rebalancing).
     */
    public KeyQueryMetadata ownerOfStream(String stream) {
        KafkaStreams s = kafkaStreams();
        if (s == null) {
            return KeyQueryMetadata.NOT_AVAILABLE;
        }
        return s.queryMetadataForKey(LearningProcessor.JOURNAL_STORE, stream, Serdes.String().serializer());
    }

    /** The advertised addresses of every instance of this application that Kafka Streams knows. */
    public Set<HostInfo> instances() {
        KafkaStreams s = kafkaStreams();
        Set<HostInfo> out = new TreeSet<>(
                Comparator.comparing(HostInfo::host)
                        .thenComparingInt(HostInfo::port));
        if (s != null) {
            s.metadataForAllStreamsClients().forEach(m -> out.add(m.hostInfo()));
        }
        return out;
    }

    public synchronized KafkaStreams kafkaStreams() {
        return streams;
    }

    @Override
    public synchronized void close() {
        if (streams != null) {
            streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(Duration.ofSeconds(30)));
            streams = null;
        }
    }
}
