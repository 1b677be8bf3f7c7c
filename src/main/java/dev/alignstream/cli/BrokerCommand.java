package dev.alignstream.cli;

import dev.alignstream.broker.EmbeddedKafkaBroker;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code broker}: a real single-node Kafka broker (KRaft) for local use; no Kafka install needed. */
@Command(name = "broker", mixinStandardHelpOptions = true,
        description = {"Runs a real single-node Apache Kafka broker (KRaft mode) in this process.",
                "Prints a line with 'ready' and the bootstrap address once clients can connect; Ctrl-C stops it."})
public final class BrokerCommand implements Callable<Integer> {

    @Option(names = "--port", defaultValue = "9092", description = "client port on 127.0.0.1, 0 for any free one (default ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--dir", description = "storage directory (kept across restarts); default: a temporary one")
    Path dir;

    @Override
    public Integer call() throws Exception {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(port, dir);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            stopped.countDown();
        }, "broker-shutdown"));
        System.out.println("alignstream broker ready at " + broker.bootstrapServers());
        System.out.flush();
        stopped.await();
        return 0;
    }
}
