package dev.alignstream.stream;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the service is live and whether it is ready (SPEC section 9, {@code /health/live} and
 * {@code /health/ready}), judged only from what Kafka Streams reports: client state transitions
 * ({@link KafkaStreams.StateListener}), changelog restoration ({@link StateRestoreListener}) and
 * stream-thread replacements (reported by the uncaught-exception handler through
 * {@link #threadReplaced}).
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #live()} MUST be false while the client is not processing at all: before it
 *       started ({@code CREATED}), and in {@code PENDING_SHUTDOWN}, {@code NOT_RUNNING},
 *       {@code PENDING_ERROR} and {@code ERROR} (its stream threads are gone).</li>
 *   <li>{@link #live()} MUST be false while stream threads die in a loop: more than
 *       {@code maxReplacements} replacements within the last {@code window}. A thread that fails
 *       on every record is replaced at once, so the client state alone stays {@code RUNNING}
 *       while nothing learns; this is how that case becomes visible (and, under Kubernetes, ends
 *       in a restart). It becomes live again once the window holds no more than the limit.</li>
 *   <li>{@link #ready()} MUST imply {@link #live()}, and MUST be false unless the client is
 *       {@code RUNNING} (not rebalancing) and no changelog partition of this instance is being
 *       restored.</li>
 *   <li>Every verdict that is not ok carries a one-line reason.</li>
 * </ul>
 * Thread-safe: inputs come from Kafka Streams' threads, verdicts are read by HTTP threads; a
 * verdict never blocks on Kafka.
 */
public final class ServiceHealth implements KafkaStreams.StateListener, StateRestoreListener {

    private static final Logger LOG = LoggerFactory.getLogger(ServiceHealth.class);

    /** A health answer: ok, or not ok and why. */
    public record Verdict(boolean ok, String reason) {

        public static final Verdict OK = new Verdict(true, "");

        static Verdict not(String reason) {
            return new Verdict(false, reason);
        }
    }

    private final int maxReplacements;
    private final long windowNanos;
    private final LongSupplier nanoClock;
    /** Times of recent thread replacements, oldest first; guarded by itself. */
    private final ArrayDeque<Long> replacements = new ArrayDeque<>();
    private final Map<TopicPartition, String> restoring = new ConcurrentHashMap<>();
    private volatile KafkaStreams.State state = KafkaStreams.State.CREATED;
    private volatile String lastFailure = "";
    private boolean loopReported;

    /** More than 3 thread replacements within 60 s make the service not live. */
    public ServiceHealth() {
        this(3, Duration.ofSeconds(60), System::nanoTime);
    }

    /**
     * @param maxReplacements replacements tolerated within {@code window}
     * @param window          length of the sliding window
     * @param nanoClock       monotonic clock in nanoseconds (a fake one in tests)
     */
    public ServiceHealth(int maxReplacements, Duration window, LongSupplier nanoClock) {
        if (maxReplacements < 0 || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("maxReplacements must be >= 0 and the window positive");
        }
        this.maxReplacements = maxReplacements;
        this.windowNanos = window.toNanos();
        this.nanoClock = nanoClock;
    }

    @Override
    public void onChange(KafkaStreams.State newState, KafkaStreams.State oldState) {
        state = newState;
        if (newState == KafkaStreams.State.ERROR || newState == KafkaStreams.State.PENDING_ERROR) {
            LOG.error("Kafka Streams went from {} to {}: the service is not live", oldState, newState);
        }
    }

    /** Records that a stream thread died of {@code cause} and is being replaced. */
    public void threadReplaced(Throwable cause) {
        lastFailure = String.valueOf(cause);
        int recent;
        boolean report;
        synchronized (replacements) {
            replacements.addLast(nanoClock.getAsLong());
            recent = recentReplacements();
            report = recent > maxReplacements && !loopReported;
            loopReported |= report;
        }
        if (report) {
            LOG.error("stream threads were replaced {} times within {} s (last failure: {}): the service is not live",
                    recent, windowNanos / 1_000_000_000L, lastFailure);
        }
    }

    /** Replacements within the window ending now; drops older ones. Call holding the lock. */
    private int recentReplacements() {
        long now = nanoClock.getAsLong();
        while (!replacements.isEmpty() && now - replacements.peekFirst() > windowNanos) {
            replacements.removeFirst();
        }
        if (replacements.size() <= maxReplacements) {
            loopReported = false;
        }
        return replacements.size();
    }

    /** Live: the client processes and its threads are not dying in a loop. */
    public Verdict live() {
        KafkaStreams.State s = state;
        if (s != KafkaStreams.State.RUNNING && s != KafkaStreams.State.REBALANCING) {
            return Verdict.not("Kafka Streams is " + s);
        }
        int recent;
        synchronized (replacements) {
            recent = recentReplacements();
        }
        if (recent > maxReplacements) {
            return Verdict.not("stream threads replaced " + recent + " times within " + windowNanos / 1_000_000_000L
                    + " s; last failure: " + lastFailure);
        }
        return Verdict.OK;
    }

    /** Ready: live, {@code RUNNING} (not rebalancing), and no changelog partition restoring. */
    public Verdict ready() {
        Verdict live = live();
        if (!live.ok()) {
            return live;
        }
        KafkaStreams.State s = state;
        if (s != KafkaStreams.State.RUNNING) {
            return Verdict.not("Kafka Streams is " + s);
        }
        int n = restoring.size();
        if (n > 0) {
            return Verdict.not("restoring " + n + " changelog partition" + (n == 1 ? "" : "s") + " (e.g. "
                    + restoring.keySet().iterator().next() + ")");
        }
        return Verdict.OK;
    }

    /** Changelog partitions being restored on this instance now. */
    public int restoringPartitions() {
        return restoring.size();
    }

    @Override
    public void onRestoreStart(TopicPartition partition, String storeName, long startingOffset, long endingOffset) {
        restoring.put(partition, storeName);
    }

    @Override
    public void onBatchRestored(TopicPartition partition, String storeName, long batchEndOffset, long numRestored) {
        // progress only; readiness changes at start, end and suspension
    }

    @Override
    public void onRestoreEnd(TopicPartition partition, String storeName, long totalRestored) {
        restoring.remove(partition);
    }

    @Override
    public void onRestoreSuspended(TopicPartition partition, String storeName, long totalRestored) {
        // the task moved away or closed mid-restore: this instance no longer restores it
        restoring.remove(partition);
    }
}
