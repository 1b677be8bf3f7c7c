package dev.alignstream.testing;

import java.io.IOException;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * Waits on observable state (an HTTP answer, committed records, a counter) until a condition
 * holds, so a test's verdict never depends on how fast the machine is: the deadline only bounds
 * a failure, and the short pause between reads only spares the CPU.
 */
public final class Await {

    /** Reads the state once; an {@link IOException} (say, a service still starting) counts as "not yet". */
    @FunctionalInterface
    public interface Probe<T> {
        T read() throws Exception;
    }

    private static final Duration POLL = Duration.ofMillis(100);

    private Await() {
    }

    /**
     * Reads {@code probe} until {@code done} accepts what it read, and returns that value.
     *
     * @throws AssertionError after {@code timeout}, naming {@code what} and the last value read
     */
    public static <T> T until(String what, Duration timeout, Probe<T> probe, Predicate<T> done) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        Object last = null;
        while (true) {
            try {
                T value = probe.read();
                last = value;
                if (done.test(value)) {
                    return value;
                }
            } catch (IOException e) {
                last = e.toString();
            }
            if (System.nanoTime() >= end) {
                throw new AssertionError(what + " did not happen within " + timeout + "; last seen: " + last);
            }
            Thread.sleep(POLL.toMillis());
        }
    }
}
