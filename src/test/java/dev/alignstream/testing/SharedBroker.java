package dev.alignstream.testing;

import dev.alignstream.broker.EmbeddedKafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * One real embedded Kafka broker per test JVM, started on first use and stopped at exit, so the
 * integration tests share its few seconds of start-up. Tests isolate themselves with their own
 * topic prefix and application id.
 */
public final class SharedBroker {

    private static EmbeddedKafkaBroker broker;

    private SharedBroker() {
    }

    public static synchronized String bootstrapServers() {
        if (broker == null) {
            try {
                broker = EmbeddedKafkaBroker.start(0, null);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(broker::close));
        }
        return broker.bootstrapServers();
    }
}
