package dev.alignstream.stream;

import dev.alignstream.delayed.LabelWait;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

/**
 * How to run the service: where Kafka is, the application id (one per deployment), this
 * instance's stable id (static group membership: a restarted instance takes its partitions back
 * without a rebalance), the state directory, topic names, how often models are snapshotted, and
 * any extra Kafka client properties (SASL/TLS and the like), and the heap its models may hold
 * ({@code memoryBudget} bytes; 0 for {@link MemoryBudget#DEFAULT_FRACTION} of the max heap).
 *
 * <p>The processing guarantee MUST be {@value #REQUIRED_GUARANTEE}, whether it comes from the
 * {@code processingGuarantee} component or from a {@code processing.guarantee} entry of the extra
 * Kafka properties: the journal, the snapshots and the predictions of a sample are written in one
 * Kafka transaction, and only that makes a restored model equal to one that never crashed. Under
 * {@code at_least_once} a crash would replay samples into a model that already learned them.
 * Anything else is refused at construction with a one-line message.
 */
public record ServiceConfig(String bootstrapServers, String applicationId, String instanceId, Path stateDir,
                            Topics topics, int snapshotEvery, int partitions, Map<String, String> kafkaProperties,
                            String processingGuarantee, long memoryBudget, LabelWait labelWait, int modelThreads) {

    /** As before {@code modelThreads} existed: a record's models use every available core. */
    public ServiceConfig(String bootstrapServers, String applicationId, String instanceId, Path stateDir, Topics topics,
                         int snapshotEvery, int partitions, Map<String, String> kafkaProperties,
                         String processingGuarantee, long memoryBudget, LabelWait labelWait) {
        this(bootstrapServers, applicationId, instanceId, stateDir, topics, snapshotEvery, partitions, kafkaProperties,
                processingGuarantee, memoryBudget, labelWait, 0);
    }

    public ServiceConfig(String bootstrapServers, String applicationId, String instanceId, Path stateDir, Topics topics,
                         int snapshotEvery, int partitions, Map<String, String> kafkaProperties,
                         String processingGuarantee) {
        this(bootstrapServers, applicationId, instanceId, stateDir, topics, snapshotEvery, partitions, kafkaProperties,
                processingGuarantee, 0, LabelWait.DEFAULT);
    }

    public ServiceConfig withLabelWait(LabelWait w) {
        return new ServiceConfig(bootstrapServers, applicationId, instanceId, stateDir, topics, snapshotEvery, partitions,
                kafkaProperties, processingGuarantee, memoryBudget, w, modelThreads);
    }

    public ServiceConfig withMemoryBudget(long bytes) {
        return new ServiceConfig(bootstrapServers, applicationId, instanceId, stateDir, topics, snapshotEvery, partitions,
                kafkaProperties, processingGuarantee, bytes, labelWait, modelThreads);
    }

    /**
     * Threads the models of one stream learn a record on, the stream thread's included ({@code 0}:
     * as many as available cores). The result is bit-identical for any value.
     */
    public ServiceConfig withModelThreads(int n) {
        return new ServiceConfig(bootstrapServers, applicationId, instanceId, stateDir, topics, snapshotEvery, partitions,
                kafkaProperties, processingGuarantee, memoryBudget, labelWait, n);
    }

    /** {@code modelThreads}, with 0 resolved to the available cores. */
    public int effectiveModelThreads() {
        return modelThreads > 0 ? modelThreads : Runtime.getRuntime().availableProcessors();
    }

    /** The only processing guarantee the journal/snapshot design is exact under. */
    public static final String REQUIRED_GUARANTEE = "exactly_once_v2";

    public ServiceConfig {
        kafkaProperties = Map.copyOf(kafkaProperties);
        if (modelThreads < 0) {
            throw new IllegalArgumentException("model threads must be >= 1 (or 0 for every available core), got "
                    + modelThreads);
        }
        requireExactlyOnce("the service configuration", processingGuarantee);
        String fromProperties = kafkaProperties.get("processing.guarantee");
        if (fromProperties != null) {
            requireExactlyOnce("--kafka-config", fromProperties.strip());
        }
    }

    private static void requireExactlyOnce(String source, String guarantee) {
        if (!REQUIRED_GUARANTEE.equals(guarantee)) {
            throw new IllegalArgumentException("processing.guarantee=" + guarantee + " (from " + source
                    + ") is not supported: alignstream's model journal and snapshots are exact only under "
                    + REQUIRED_GUARANTEE + "; remove the setting or set it to " + REQUIRED_GUARANTEE);
        }
    }

    /**
     * Journal positions between two snapshots of a model unless configured: bounds replay after a
     * crash to that many steps per model; smaller values cost throughput (a snapshot is the whole
     * model file; see {@code serve --snapshot-every}).
     */
    public static final int DEFAULT_SNAPSHOT_EVERY = 10_000;

    public static ServiceConfig defaults(String bootstrapServers, Path stateDir) {
        return new ServiceConfig(bootstrapServers, "alignstream", null, stateDir, Topics.defaults(),
                DEFAULT_SNAPSHOT_EVERY, 4, Map.of(), REQUIRED_GUARANTEE);
    }

    public ServiceConfig withInstanceId(String id) {
        return new ServiceConfig(bootstrapServers, applicationId, id, stateDir, topics, snapshotEvery, partitions,
                kafkaProperties, processingGuarantee, memoryBudget, labelWait, modelThreads);
    }

    public ServiceConfig withSnapshotEvery(int n) {
        return new ServiceConfig(bootstrapServers, applicationId, instanceId, stateDir, topics, n, partitions,
                kafkaProperties, processingGuarantee, memoryBudget, labelWait, modelThreads);
    }

    public ServiceConfig withPartitions(int n) {
        return new ServiceConfig(bootstrapServers, applicationId, instanceId, stateDir, topics, snapshotEvery, n,
                kafkaProperties, processingGuarantee, memoryBudget, labelWait, modelThreads);
    }

    public ServiceConfig withKafkaProperties(Map<String, String> props) {
        return new ServiceConfig(bootstrapServers, applicationId, instanceId, stateDir, topics, snapshotEvery, partitions,
                props, processingGuarantee, memoryBudget, labelWait, modelThreads);
    }

    /** Properties every Kafka client of the service gets: bootstrap servers plus the extras. */
    public Properties clientProperties() {
        Properties p = new Properties();
        p.putAll(kafkaProperties);
        p.put("bootstrap.servers", bootstrapServers);
        return p;
    }
}
