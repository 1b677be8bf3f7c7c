package dev.alignstream.broker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Properties;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A real single-node Apache Kafka broker in KRaft mode (broker and controller in one), running
 * inside this JVM from the Kafka artifacts on Maven Central. Used by {@code broker}, {@code demo}
 * and the integration tests; it is the same broker code a production cluster runs, only with
 * replication factor 1 for the internal topics.
 *
 * <p>The storage directory is formatted only when it has no {@code meta.properties}, so a broker
 * restarted on the same directory keeps its topics, offsets and transactions.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private final KafkaRaftServer server;
    private final Path dir;
    private final boolean deleteOnClose;
    private final int port;

    private EmbeddedKafkaBroker(KafkaRaftServer server, Path dir, boolean deleteOnClose, int port) {
        this.server = server;
        this.dir = dir;
        this.deleteOnClose = deleteOnClose;
        this.port = port;
    }

    /**
     * Starts a broker; returns once clients can connect.
     *
     * @param port    client port on 127.0.0.1, 0 for a free one
     * @param dataDir storage directory, null for a temporary one deleted on {@link #close()}
     */
    public static EmbeddedKafkaBroker start(int port, Path dataDir) throws IOException {
        boolean temp = dataDir == null;
        Path dir = temp ? Files.createTempDirectory("alignstream-kafka") : dataDir;
        Files.createDirectories(dir);
        int clientPort = port == 0 ? freePort() : port;
        int controllerPort = freePort();
        Path logs = dir.resolve("logs");
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + clientPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + clientPort);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", logs.toString());
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "4");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "4");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("log.cleaner.dedupe.buffer.size", "2097152");
        p.put("num.partitions", "1");
        p.put("auto.create.topics.enable", "false");
        KafkaConfig config = new KafkaConfig(p, false);
        if (!Files.exists(logs.resolve("meta.properties"))) {
            format(dir, p, logs);
        }
        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
        return new EmbeddedKafkaBroker(server, dir, temp, clientPort);
    }

    private static void format(Path dir, Properties p, Path logs) throws IOException {
        Path file = dir.resolve("server.properties");
        try (var w = Files.newBufferedWriter(file)) {
            p.store(w, "alignstream embedded broker");
        }
        String clusterId = Uuid.randomUuid().toString();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = kafka.tools.StorageTool.execute(
                new String[] {"format", "-t", clusterId, "-c", file.toString(), "--ignore-formatted"},
                new PrintStream(out, true, StandardCharsets.UTF_8));
        if (code != 0) {
            throw new IOException("formatting Kafka storage in " + logs + " failed: " + out.toString(StandardCharsets.UTF_8));
        }
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public Path dataDir() {
        return dir;
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
        if (deleteOnClose) {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException ignored) {
                // a temporary directory left behind is harmless
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }
}
