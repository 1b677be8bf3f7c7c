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
 */
public record ServiceConfig(String bootstrapServers, String applicationId, String instanceId, Path stateDir,
                            Topics topics, int snapshotEvery, int partitions, Map<String, String> kafkaProperties,
                            String processingGuarantee, long memoryBudget, LabelWait labelWait) {

    public ServiceConfig(String bootstrapServers, String applicationId, String instanceId, Path stateDir, Topics topics,
                         int snapshotEvery, int partitions, Map<String, String> kafkaProperties,
                         String processingGuarantee) {
        this(bootstrapServers, applicationId, instanceId, stateDir, topics, snapshotEvery, partitions, kafkaProperties,
                processingGuarantee, 0, LabelWait.DEFAULT);
    }

    public ServiceConfig withLabelWait(LabelWait w) {
        return new ServiceConfig(bootstrapServers, applicationId, instanceId, stateDir, topics, snapshotEvery, partitions,
                kafkaProperties, processingGuarantee, memoryBudget, w);
    }

    public ServiceConfig withMemoryBudget(long bytes) {
        return new ServiceConfig(bootstrapServers, applicationId, instanceId, stateDir, topics, snapshotEvery, partitions,
                kafkaProperties, processingGuarantee, bytes, labelWait);
    }

    public static ServiceConfig defaults(String bootstrapServers, Path stateDir) {
        return new ServiceConfig(bootstrapServers, "alignstream", null, stateDir, Topics.defaults(), 1000, 4, Map.of(),
                "exactly_once_v2");
    }

    public ServiceConfig withInstanceId(String id) {
        return new ServiceConfig(bootstrapServers, applicationId, id, stateDir, topics, snapshotEvery, partitions,
                kafkaProperties, processingGuarantee, memoryBudget, labelWait);
    }

    public ServiceConfig withSnapshotEvery(int n) {
        return new ServiceConfig(bootstrapServers, applicationId, instanceId, stateDir, topics, n, partitions,
                kafkaProperties, processingGuarantee, memoryBudget, labelWait);
    }

    public ServiceConfig withPartitions(int n) {
        return new ServiceConfig(bootstrapServers, applicationId, instanceId, stateDir, topics, snapshotEvery, n,
                kafkaProperties, processingGuarantee, memoryBudget, labelWait);
    }

    public ServiceConfig withKafkaProperties(Map<String, String> props) {
        return new ServiceConfig(bootstrapServers, applicationId, instanceId, stateDir, topics, snapshotEvery, partitions,
                props, processingGuarantee, memoryBudget, labelWait);
    }

    /** Properties every Kafka client of the service gets: bootstrap servers plus the extras. */
    public Properties clientProperties() {
        Properties p = new Properties();
        p.putAll(kafkaProperties);
        p.put("bootstrap.servers", bootstrapServers);
        return p;
    }
}
