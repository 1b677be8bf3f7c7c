package dev.alignstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@link StepLanes}: each lane's steps run one at a time in submission order, lanes run in
 * parallel (one may be many steps ahead of another), and the waiting caller runs steps itself.
 */
class StepLanesTest {

    @Test
    void eachLaneRunsItsStepsOneAtATimeInOrderWhileLanesOvertakeEachOther() {
        int laneCount = 3;
        int steps = 3_000;
        try (StepLanes lanes = new StepLanes(3, "test-lanes")) {
            StepLanes.Lane[] lane = new StepLanes.Lane[laneCount];
            List<List<Integer>> ran = new ArrayList<>();
            AtomicInteger[] running = new AtomicInteger[laneCount];
            for (int l = 0; l < laneCount; l++) {
                lane[l] = new StepLanes.Lane();
                ran.add(Collections.synchronizedList(new ArrayList<>()));
                running[l] = new AtomicInteger();
            }
            AtomicInteger overlaps = new AtomicInteger();
            AtomicInteger done = new AtomicInteger();
            for (int i = 0; i < steps; i++) {
                final int step = i;
                final int l = i % laneCount;
                lanes.submit(lane[l], () -> {
                    if (running[l].incrementAndGet() != 1) {
                        overlaps.incrementAndGet();
                    }
                    ran.get(l).add(step);
                    running[l].decrementAndGet();
                    done.incrementAndGet();
                });
            }
            lanes.helpUntil(() -> done.get() == steps);
            assertEquals(0, overlaps.get(), "two steps of one lane never ran at once");
            for (int l = 0; l < laneCount; l++) {
                List<Integer> got = ran.get(l);
                assertEquals(steps / laneCount, got.size(), "lane " + l + " ran every step once");
                for (int k = 1; k < got.size(); k++) {
                    assertTrue(got.get(k - 1) < got.get(k), "lane " + l + " in submission order: " + got.subList(0, k + 1));
                }
            }
        }
    }

    @Test
    void aLanesStepsStayOnTheThreadThatRanItsFirstStep() {
        long steal = StepLanes.stealAfterNanos;
        StepLanes.stealAfterNanos = Long.MAX_VALUE; // never take another thread's lane
        int laneCount = 3;
        int steps = 3_000;
        try (StepLanes lanes = new StepLanes(2, "test-lanes")) {
            StepLanes.Lane[] lane = new StepLanes.Lane[laneCount];
            List<java.util.Set<String>> threads = new ArrayList<>();
            for (int l = 0; l < laneCount; l++) {
                lane[l] = new StepLanes.Lane();
                threads.add(java.util.concurrent.ConcurrentHashMap.newKeySet());
            }
            AtomicInteger done = new AtomicInteger();
            for (int i = 0; i < steps; i++) {
                final int l = i % laneCount;
                lanes.submit(lane[l], () -> {
                    threads.get(l).add(Thread.currentThread().getName());
                    done.incrementAndGet();
                });
                if (i % 30 == 29) {
                    final int submitted = i + 1;
                    lanes.helpUntil(() -> done.get() == submitted); // the caller helps, as the stream thread does
                }
            }
            lanes.helpUntil(() -> done.get() == steps);
            for (int l = 0; l < laneCount; l++) {
                assertEquals(1, threads.get(l).size(), "lane " + l + " ran on " + threads.get(l));
            }
        } finally {
            StepLanes.stealAfterNanos = steal;
        }
    }

    @Test
    void aLaneRunsAheadOfABlockedOneAndTheWaitingCallerRunsStepsItself() throws Exception {
        try (StepLanes lanes = new StepLanes(2, "test-lanes")) {
            StepLanes.Lane slow = new StepLanes.Lane();
            StepLanes.Lane fast = new StepLanes.Lane();
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch slowStarted = new CountDownLatch(1);
            Thread caller = Thread.currentThread();
            List<String> onCaller = Collections.synchronizedList(new ArrayList<>());
            AtomicInteger fastDone = new AtomicInteger();
            // the one worker is held inside the slow lane's first step until the fast lane is 10 ahead
            lanes.submit(slow, () -> {
                slowStarted.countDown();
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertTrue(slowStarted.await(60, TimeUnit.SECONDS), "the worker took the slow lane's step");
            for (int i = 0; i < 10; i++) {
                lanes.submit(fast, () -> {
                    if (Thread.currentThread() == caller) {
                        onCaller.add("fast");
                    }
                    fastDone.incrementAndGet();
                });
            }
            lanes.helpUntil(() -> fastDone.get() == 10);
            assertEquals(10, onCaller.size(), "the caller ran the fast lane while the worker was held");
            AtomicInteger slowSecond = new AtomicInteger();
            lanes.submit(slow, slowSecond::incrementAndGet);
            release.countDown();
            lanes.helpUntil(() -> slowSecond.get() == 1);
        }
    }

    @Test
    void idleWorkersSleepOnceABacklogEndsAndWakeForTheNextStep() throws Exception {
        try (StepLanes lanes = new StepLanes(3, "test-backlog-lanes")) {
            StepLanes.Lane lane = new StepLanes.Lane();
            lanes.backlog(true); // workers spin longer between steps...
            AtomicInteger done = new AtomicInteger();
            for (int i = 0; i < 100; i++) {
                lanes.submit(lane, done::incrementAndGet);
            }
            lanes.helpUntil(() -> done.get() == 100);
            // ...but not for ever: with nothing to run, every worker ends up waiting, costing nothing
            List<Thread> workers = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("test-backlog-lanes-")).toList();
            assertEquals(2, workers.size(), "two worker threads besides the caller");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!workers.stream().allMatch(t -> t.getState() == Thread.State.WAITING)) {
                assertTrue(System.nanoTime() < deadline, "idle workers still spinning: "
                        + workers.stream().map(t -> t.getName() + " " + t.getState()).toList());
                Thread.onSpinWait();
            }
            // a sleeping worker wakes for a step submitted after the backlog
            lanes.backlog(false);
            CountDownLatch ran = new CountDownLatch(1);
            lanes.submit(lane, ran::countDown);
            assertTrue(ran.await(30, TimeUnit.SECONDS), "a worker woke and ran the step");
        }
    }
}
