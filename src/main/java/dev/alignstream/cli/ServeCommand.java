package dev.alignstream.cli;

import dev.alignstream.api.AlignstreamServer;
import dev.alignstream.api.HttpSettings;
import dev.alignstream.core.Kernels;
import dev.alignstream.stream.ServiceConfig;
import dev.alignstream.stream.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code serve}: the streaming service with its HTTP endpoints, until SIGINT/SIGTERM. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Runs the streaming service: every model learns from its stream's samples, one at a time,",
                "with exactly-once model state; HTTP on --http-port: /health (= /health/live), /health/ready, /metrics,",
                "GET|POST /models, GET|PATCH|DELETE /models/{id}, /models/{id}/export, POST /models/{id}/predict",
                "(any instance answers for every model). Export and model changes need the admin token when one is set."})
public final class ServeCommand implements Callable<Integer> {

    @Option(names = "--bootstrap-servers", defaultValue = "${env:ALIGNSTREAM_BOOTSTRAP_SERVERS:-127.0.0.1:9092}",
            description = "Kafka bootstrap servers (default ${DEFAULT-VALUE}; env ALIGNSTREAM_BOOTSTRAP_SERVERS)")
    String bootstrap;

    @Option(names = "--http-port", defaultValue = "8080", description = "HTTP port (default ${DEFAULT-VALUE})")
    int httpPort;

    @Option(names = "--http-bind", defaultValue = "0.0.0.0",
            description = "address the HTTP server listens on (default ${DEFAULT-VALUE}: every interface)")
    String httpBind;

    @Option(names = "--advertised-address", defaultValue = "${env:ALIGNSTREAM_ADVERTISED_ADDRESS}",
            description = {"HOST:PORT the other instances use to reach this one's HTTP port; requests for models",
                    "living elsewhere are relayed there (default 127.0.0.1:<http-port>; env ALIGNSTREAM_ADVERTISED_ADDRESS)"})
    String advertisedAddress;

    @Option(names = "--state-dir", defaultValue = "${java.io.tmpdir}/alignstream-state",
            description = "Kafka Streams state directory (default ${DEFAULT-VALUE})")
    Path stateDir;

    @Option(names = "--instance-id", defaultValue = "${env:ALIGNSTREAM_INSTANCE_ID}",
            description = "stable id of this instance (static group membership: fast restarts)")
    String instanceId;

    @Option(names = "--application-id", defaultValue = "alignstream", description = "Kafka Streams application id (default ${DEFAULT-VALUE})")
    String applicationId;

    @Option(names = "--partitions", defaultValue = "4", description = "partitions of topics this service creates (default ${DEFAULT-VALUE})")
    int partitions;

    @Option(names = "--snapshot-every", defaultValue = "" + ServiceConfig.DEFAULT_SNAPSHOT_EVERY,
            description = {"journal positions (samples) between two snapshots of a model; bounds the replay after a",
                    "crash or a move (up to this many steps per model: ~1 s for 784-256-256-10, ~5 s for",
                    "784-1024-1024-10 at batch 1) and the journal a stream keeps. Each snapshot is the whole model",
                    "file (2.2 MB for a 784-256-256-10 align-ada model) through RocksDB, the changelog and the",
                    "broker, so a small value costs throughput (default ${DEFAULT-VALUE})"})
    int snapshotEvery;

    @Option(names = "--commit-interval", paramLabel = "MS",
            description = {"milliseconds between two exactly-once commits (Kafka Streams' commit.interval.ms, 10 to",
                    "5000; default 500, or the --kafka-config value). Each commit is one transaction that blocks",
                    "learning while the broker completes it; predictions become visible to read_committed readers",
                    "only at a commit, so this bounds their delay. Overrides commit.interval.ms of --kafka-config"})
    Integer commitIntervalMs;

    @Option(names = "--kafka-config", description = {"Java properties file passed to every Kafka client (SASL, TLS, ...);",
            "processing.guarantee may only be exactly_once_v2 (the model journal relies on it)"})
    Path kafkaConfig;

    @Option(names = "--admin-token-file", description = "file holding the admin token (else env ALIGNSTREAM_ADMIN_TOKEN)")
    Path tokenFile;

    @Option(names = "--alignment-every", defaultValue = "15", description = "seconds between alignment-score refreshes (default ${DEFAULT-VALUE})")
    int alignmentEvery;

    @Option(names = "--topic-prefix", defaultValue = "alignstream", description = "topic name prefix (default ${DEFAULT-VALUE})")
    String topicPrefix;

    @Option(names = "--memory-budget", paramLabel = "SIZE",
            description = {"heap this instance's models may hold, like 512m or 2g; a model whose footprint does not fit",
                    "is refused (default: 60%% of the max heap, -Xmx)"})
    String memoryBudget;

    @picocli.CommandLine.Mixin
    LabelWaitOptions labelWait;

    @Option(names = "--model-threads", paramLabel = "N",
            description = {"threads the models of one stream learn a record on, in parallel (default: the available",
                    "cores); results are bit-identical to one model after another for any N; 1 turns it off"})
    Integer modelThreads;

    @Override
    public Integer call() throws Exception {
        ServiceConfig config = config(bootstrap, applicationId, instanceId, stateDir, topicPrefix, snapshotEvery, partitions,
                kafkaConfig, commitIntervalMs).withLabelWait(labelWait.toLabelWait());
        if (modelThreads != null) {
            if (modelThreads < 1) {
                throw new IllegalArgumentException("--model-threads must be at least 1, got " + modelThreads);
            }
            config = config.withModelThreads(modelThreads);
        }
        if (memoryBudget != null) {
            config = config.withMemoryBudget(dev.alignstream.stream.MemoryBudget.parseSize(memoryBudget));
        }
        String token = tokenFile != null ? Files.readString(tokenFile).strip() : System.getenv("ALIGNSTREAM_ADMIN_TOKEN");
        if (tokenFile != null && token.isEmpty()) {
            // an empty file would silently leave export open: refuse instead
            throw new IllegalArgumentException("admin token file " + tokenFile + " is empty");
        }
        if (token == null || token.isEmpty()) {
            System.err.println("WARNING: no admin token (env ALIGNSTREAM_ADMIN_TOKEN or --admin-token-file): anyone who"
                    + " can reach port " + httpPort + " can export models and create, change or delete them");
        }
        AlignstreamServer server = AlignstreamServer.start(config,
                new HttpSettings(httpBind, httpPort, advertisedAddress, token), alignmentEvery, Duration.ofMinutes(2));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "serve-shutdown"));
        System.out.println("vector kernels " + Kernels.vectorStatus());
        System.out.println("alignstream service ready: http://"
                + (httpBind.equals("0.0.0.0") || httpBind.equals("::") ? "127.0.0.1" : httpBind) + ":" + server.httpPort() + " (Kafka "
                + config.bootstrapServers() + ", instance " + (instanceId == null ? "dynamic" : instanceId) + ")");
        System.out.flush();
        stopped.await();
        return 0;
    }

    static Topics topics(String prefix) {
        return new Topics(prefix + ".samples", prefix + ".models", prefix + ".predictions", prefix + ".dead-letters");
    }

    /** Bounds of {@code --commit-interval}: a transaction left open past Kafka Streams' 10 s timeout is aborted. */
    static final int MIN_COMMIT_INTERVAL_MS = 10;
    static final int MAX_COMMIT_INTERVAL_MS = 5000;

    static ServiceConfig config(String bootstrap, String appId, String instanceId, Path stateDir, String topicPrefix,
                                int snapshotEvery, int partitions, Path kafkaConfig) throws IOException {
        return config(bootstrap, appId, instanceId, stateDir, topicPrefix, snapshotEvery, partitions, kafkaConfig, null);
    }

    static ServiceConfig config(String bootstrap, String appId, String instanceId, Path stateDir, String topicPrefix,
                                int snapshotEvery, int partitions, Path kafkaConfig, Integer commitIntervalMs)
            throws IOException {
        Map<String, String> extra = new HashMap<>();
        if (kafkaConfig != null) {
            KafkaClientOptions.readProperties(kafkaConfig).forEach((k, v) -> extra.put(k.toString(), v.toString()));
        }
        if (commitIntervalMs != null) {
            if (commitIntervalMs < MIN_COMMIT_INTERVAL_MS || commitIntervalMs > MAX_COMMIT_INTERVAL_MS) {
                throw new IllegalArgumentException("--commit-interval must be " + MIN_COMMIT_INTERVAL_MS + " to "
                        + MAX_COMMIT_INTERVAL_MS + " ms, got " + commitIntervalMs);
            }
            extra.put("commit.interval.ms", Integer.toString(commitIntervalMs));
        }
        return new ServiceConfig(bootstrap, appId, instanceId, stateDir, topics(topicPrefix), snapshotEvery, partitions,
                extra, ServiceConfig.REQUIRED_GUARANTEE);
    }
}
