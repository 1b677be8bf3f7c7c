package dev.alignstream.delayed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The expiry and matching rules of delayed labels (SPEC section 8), on hand-made sequences. */
class PendingSamplesTest {

    private final List<String> expired = new ArrayList<>();
    private final List<String> forgotten = new ArrayList<>();

    private PendingSamples<String> pending(long waitMillis, int max) {
        return new PendingSamples<>(new LabelWait(Duration.ofMillis(waitMillis), max), new PendingSamples.Events<>() {
            @Override
            public void expired(PendingSamples.Entry<String> e) {
                expired.add(e.id());
            }

            @Override
            public void forgotten(String id) {
                forgotten.add(id);
            }
        });
    }

    @Test
    void theOldestExpireFirstWhenTooManyWait() {
        PendingSamples<String> p = pending(1_000_000, 3);
        for (String id : List.of("a", "b", "c", "d", "e")) {
            assertTrue(p.add(id, 10, id));
        }
        assertEquals(List.of("a", "b"), expired);
        assertEquals(3, p.size());
        assertEquals(2, p.expired());
        assertInstanceOf(PendingSamples.Unmatched.class, p.take("a", 10));
        assertInstanceOf(PendingSamples.Completed.class, p.take("c", 10));
    }

    @Test
    void samplesExpireWhenStreamTimePassesTheirTimePlusTheWait() {
        PendingSamples<String> p = pending(100, 10);
        p.add("a", 1_000, "a");
        p.add("b", 1_050, "b");
        // stream time 1_100: a waited exactly 100 ms, which is allowed
        assertInstanceOf(PendingSamples.Unmatched.class, p.take("zz", 1_100));
        assertEquals(List.of(), expired);
        // stream time 1_101: a is 101 ms old and expires; b (51 ms) does not
        p.advance(1_101);
        assertEquals(List.of("a"), expired);
        // a record with an earlier time does not move stream time back
        p.advance(500);
        assertInstanceOf(PendingSamples.Completed.class, p.take("b", 900));
    }

    @Test
    void unknownTimesNeverExpireByTime() {
        PendingSamples<String> p = pending(10, 10);
        p.add("a", Long.MIN_VALUE, "a");
        p.advance(1_000_000);
        assertEquals(List.of(), expired);
        assertInstanceOf(PendingSamples.Completed.class, p.take("a", Long.MIN_VALUE));
    }

    @Test
    void aSecondLabelIsADuplicateAndASecondSampleWithAWaitingIdIsRefused() {
        PendingSamples<String> p = pending(1_000, 10);
        assertTrue(p.add("a", 0, "first"));
        assertFalse(p.add("a", 1, "second"));
        PendingSamples.Match<String> m = p.take("a", 2);
        assertEquals("first", ((PendingSamples.Completed<String>) m).entry().value());
        assertInstanceOf(PendingSamples.Duplicate.class, p.take("a", 3));
        // once the completed id is older than the wait, a late second label matches nothing
        p.advance(2_000);
        assertEquals(List.of("a"), forgotten);
        assertInstanceOf(PendingSamples.Unmatched.class, p.take("a", 2_000));
        // the id may be used again by a new sample
        assertTrue(p.add("a", 2_001, "again"));
    }
}
