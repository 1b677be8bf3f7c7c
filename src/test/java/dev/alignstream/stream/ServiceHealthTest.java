package dev.alignstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams.State;
import org.junit.jupiter.api.Test;

/**
 * The health contract driven the way Kafka Streams drives it: state transitions, thread
 * replacements on a fake clock, and changelog restoration.
 */
class ServiceHealthTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000_000L);
    private final ServiceHealth health = new ServiceHealth(3, Duration.ofSeconds(60), now::get);

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    private void go(State from, State to) {
        health.onChange(to, from);
    }

    @Test
    void liveOnlyWhileTheClientProcessesReadyOnlyWhenRunning() {
        assertFalse(health.live().ok(), "not started is not live");
        go(State.CREATED, State.REBALANCING);
        assertTrue(health.live().ok());
        assertFalse(health.ready().ok());
        assertEquals("Kafka Streams is REBALANCING", health.ready().reason());
        go(State.REBALANCING, State.RUNNING);
        assertTrue(health.live().ok());
        assertTrue(health.ready().ok());
        go(State.RUNNING, State.PENDING_ERROR);
        assertFalse(health.live().ok());
        assertFalse(health.ready().ok(), "ready implies live");
        go(State.PENDING_ERROR, State.ERROR);
        assertEquals("Kafka Streams is ERROR", health.live().reason());
        for (State s : new State[] {State.PENDING_SHUTDOWN, State.NOT_RUNNING}) {
            go(State.RUNNING, s);
            assertFalse(health.live().ok(), s.name());
        }
    }

    @Test
    void threadsReplacedInALoopAreNotLiveUntilTheWindowPasses() {
        go(State.CREATED, State.RUNNING);
        RuntimeException boom = new IllegalStateException("fails on every record");
        for (int i = 0; i < 3; i++) {
            health.threadReplaced(boom);
            advance(Duration.ofSeconds(5));
            assertTrue(health.live().ok(), "three replacements in a minute are tolerated");
        }
        health.threadReplaced(boom);
        assertFalse(health.live().ok(), "the fourth within 60 s is a loop");
        assertTrue(health.live().reason().contains("replaced 4 times within 60 s")
                && health.live().reason().contains("fails on every record"), health.live().reason());
        assertFalse(health.ready().ok());
        // the state alone would still say RUNNING: the loop is what makes it not live
        advance(Duration.ofSeconds(30));
        assertFalse(health.live().ok(), "all four still within the last 60 s");
        advance(Duration.ofSeconds(16));
        assertTrue(health.live().ok(), "the first replacement (at 0 s) left the window at 61 s");
        assertTrue(health.ready().ok());
    }

    @Test
    void notReadyWhileAnyChangelogPartitionRestores() {
        go(State.CREATED, State.RUNNING);
        TopicPartition journal0 = new TopicPartition("app-alignstream-journal-changelog", 0);
        TopicPartition journal1 = new TopicPartition("app-alignstream-journal-changelog", 1);
        health.onRestoreStart(journal0, "journal", 0, 500);
        health.onRestoreStart(journal1, "journal", 0, 700);
        assertTrue(health.live().ok(), "restoring is live");
        assertFalse(health.ready().ok());
        assertTrue(health.ready().reason().startsWith("restoring 2 changelog partitions"), health.ready().reason());
        health.onBatchRestored(journal0, "journal", 400, 400);
        health.onRestoreEnd(journal0, "journal", 500);
        assertFalse(health.ready().ok());
        assertEquals(1, health.restoringPartitions());
        health.onRestoreSuspended(journal1, "journal", 100);
        assertTrue(health.ready().ok(), "a partition that moved away mid-restore is no longer restored here");
    }
}
