package dev.alignstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** {@link StepPool}: items claimed by whichever thread is free, every item run once per call. */
class StepPoolTest {

    @Test
    void theCallerTakesTheItemsABusyWorkerCannot() {
        try (StepPool pool = new StepPool(2, "test-steps")) {
            Thread caller = Thread.currentThread();
            List<Integer> onCaller = Collections.synchronizedList(new ArrayList<>());
            // a worker that claims an item is held until the caller has run two: a slow (or unscheduled)
            // worker, sequenced by what the caller did rather than by a sleep
            java.util.concurrent.CountDownLatch callerRanTwo = new java.util.concurrent.CountDownLatch(2);
            pool.run(List.of(0, 1, 2), i -> {
                if (Thread.currentThread() == caller) {
                    onCaller.add(i);
                    callerRanTwo.countDown();
                } else {
                    try {
                        callerRanTwo.await(60, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            // the worker claims at most one item (then waits): the caller runs every other one
            assertTrue(onCaller.size() >= 2, "the caller ran " + onCaller);
        }
    }

    @Test
    void everyItemRunsExactlyOncePerCallOverManyCalls() {
        try (StepPool pool = new StepPool(3, "test-steps")) {
            for (int call = 0; call < 2_000; call++) {
                int n = call % 5;
                List<Integer> items = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    items.add(call * 10 + i);
                }
                int[] ran = new int[n];
                Set<Integer> seen = ConcurrentHashMap.newKeySet();
                int base = call * 10;
                pool.run(items, i -> {
                    ran[i - base]++;
                    seen.add(i);
                });
                for (int i = 0; i < n; i++) {
                    assertEquals(1, ran[i], "call " + call + " item " + i + " (written by any thread, read after run)");
                }
                assertEquals(n, seen.size());
            }
        }
    }
}
