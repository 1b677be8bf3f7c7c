package dev.alignstream.stream;

import java.util.ArrayDeque;
import java.util.function.BooleanSupplier;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs the model steps of a stream task on a fixed set of worker threads and on the calling
 * thread while it waits. Each model has a {@link Lane}: its steps run one at a time, in the order
 * they were submitted, preferably on the thread that ran the lane's previous step (where the
 * model's weights are cached), else on whichever thread is free; steps of different lanes run
 * in parallel.
 * So a model may be several records ahead of another (three models on two cores keep both busy,
 * where running one record's steps to completion before the next left a core idle for the third
 * step), while each model still sees the records in journal order, one step at a time, on
 * single-threaded code: which thread runs a step never changes a bit of its result.
 *
 * <p>A step MUST NOT throw (a caller records its failure in its own result) and MUST touch only
 * its own model and its own result slot. Whatever a step wrote is visible to a thread that
 * observed its completion through a volatile or atomic written after it (the caller's result
 * counter). Workers spin briefly, then wait: an idle set of lanes costs nothing. Only the stream
 * task's thread submits and waits.
 */
final class StepLanes implements AutoCloseable {

    /**
     * How long a waiting thread spins before it sleeps: waking a sleeping thread costs a trip
     * through the scheduler, which on a busy machine can take longer than a step.
     */
    static final long SPIN_NANOS = 50_000;

    /**
     * How long a waiting thread spins while the caller works through a backlog ({@link #backlog}):
     * the next step is then certain to come, and on a 2-vCPU machine waking a sleeping worker
     * cost more than the gaps it slept through (three 784-256-256-10 align-ada models on one
     * stream, scripts/e2e-models-per-stream.sh, five pairs of alternating runs: the three-model
     * stream was faster than with {@link #SPIN_NANOS} in nine of ten paired rounds, median 7,483
     * against 7,102 samples/s, +5%). Outside a backlog the short spin stays: a lone record's lanes
     * then burn at most 50 us of a core.
     */
    static final long BACKLOG_SPIN_NANOS = 500_000;

    /**
     * How long a ready step waits for the thread that ran its lane's last step before another
     * idle thread takes it. A model's weights stay in the caches of the core that last stepped it
     * (the update writes them), and moving a 784-256-256-10 align-ada model's step to the other
     * core on every record doubled its cost on this project's 2-vCPU machine (scripts/
     * StepContention.java, session 14: 64-73 us against 33-39 pinned). When both threads spin,
     * this keeps the wrong one from grabbing a step the right one is about to take; when the
     * lane's thread is busy, the step still moves after this wait, so no thread idles while
     * work is ready for long. Tests may set it (a huge value pins every lane to its first thread).
     */
    static volatile long stealAfterNanos = 20_000;

    /** One model's queue of steps. Guarded by the owning {@link StepLanes}' lock. */
    static final class Lane {
        private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
        /** A step of this lane is running: the next waits for it. */
        private boolean running;
        /** The lane is in the ready queue. */
        private boolean ready;
        /** The thread that ran the lane's last step (0 the caller, 1.. the workers), -1 before the first. */
        private int thread = -1;
        /** When the lane last entered the ready queue ({@link System#nanoTime()}). */
        private long readySince;
    }

    /**
     * Tests only: while true, worker threads take no step, so every step runs on the caller's
     * thread in {@link #helpUntil} and a test decides which steps are still undone when the
     * caller returns (a timing-free way to leave records running ahead). Read once per idle
     * round of a worker; production code never sets it.
     */
    static volatile boolean workersHeld;

    private final Object lock = new Object();
    /** Lanes with a step to run and none running, oldest first. */
    private final ArrayDeque<Lane> ready = new ArrayDeque<>();
    /** Size of {@link #ready}, readable without the lock for spinning. */
    private volatile int readyCount;
    private int sleepers;
    private volatile boolean closed;
    /** The caller works through a backlog: idle threads spin {@link #BACKLOG_SPIN_NANOS}. */
    private volatile boolean backlog;
    /** The thread in {@link #helpUntil}, woken when a step completes. */
    private volatile Thread waiter;
    private final Thread[] workers;

    /** @param threads threads including the caller's ({@code threads - 1} worker threads are started) */
    StepLanes(int threads, String name) {
        if (threads < 2) {
            throw new IllegalArgumentException("step lanes need at least 2 threads, got " + threads);
        }
        workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            final int index = i + 1;
            Thread t = new Thread(() -> work(index), name + "-" + index);
            t.setDaemon(true);
            workers[i] = t;
            t.start();
        }
    }

    /** Threads, the caller's included. */
    int threads() {
        return workers.length + 1;
    }

    /**
     * Says whether more steps are certain to follow soon (records arriving back to back), so
     * idle threads spin longer before they sleep; it changes only when a step runs, never what
     * it computes.
     */
    void backlog(boolean on) {
        backlog = on;
    }

    private long spinNanos() {
        return backlog ? BACKLOG_SPIN_NANOS : SPIN_NANOS;
    }

    /** Queues {@code step} after the lane's earlier steps. */
    void submit(Lane lane, Runnable step) {
        synchronized (lock) {
            lane.queue.add(step);
            if (!lane.running && !lane.ready) {
                markReady(lane);
            }
        }
    }

    private void markReady(Lane lane) {
        lane.ready = true;
        lane.readySince = System.nanoTime();
        ready.add(lane);
        readyCount = ready.size();
        if (sleepers > 0) {
            lock.notify();
        }
    }

    /**
     * Runs one ready step on the calling thread {@code me}: the oldest of the lanes it ran last
     * (or that never ran), else the oldest lane that has waited {@link #stealAfterNanos} for
     * its own thread; false when there is none.
     */
    private boolean runOne(int me) {
        Lane lane = null;
        Runnable step;
        synchronized (lock) {
            for (Lane l : ready) {
                if (l.thread == me || l.thread < 0) {
                    lane = l;
                    break;
                }
            }
            if (lane == null) {
                Lane oldest = ready.peekFirst();
                if (oldest == null || System.nanoTime() - oldest.readySince < stealAfterNanos) {
                    return false;
                }
                lane = oldest;
            }
            ready.removeFirstOccurrence(lane);
            readyCount = ready.size();
            lane.ready = false;
            lane.running = true;
            lane.thread = me;
            step = lane.queue.poll();
        }
        try {
            step.run();
        } finally {
            synchronized (lock) {
                lane.running = false;
                if (!lane.queue.isEmpty()) {
                    markReady(lane);
                }
            }
            Thread w = waiter;
            if (w != null) {
                LockSupport.unpark(w);
            }
        }
        return true;
    }

    /**
     * Runs ready steps on the calling thread until {@code done} holds; while none is ready it
     * spins, then parks until a step completes. {@code done} must become true through steps
     * already submitted.
     */
    void helpUntil(BooleanSupplier done) {
        waiter = Thread.currentThread();
        try {
            long spinUntil = System.nanoTime() + spinNanos();
            while (!done.getAsBoolean()) {
                if (runOne(0)) {
                    spinUntil = System.nanoTime() + spinNanos();
                } else if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                } else {
                    // bounded: a completion between the check and the park is caught next round
                    LockSupport.parkNanos(this, 1_000_000);
                }
            }
        } finally {
            waiter = null;
        }
    }

    private void work(int me) {
        while (!closed) {
            if (workersHeld) {
                LockSupport.parkNanos(this, 1_000_000);
                continue;
            }
            if (runOne(me)) {
                continue;
            }
            long until = System.nanoTime() + spinNanos();
            while (readyCount == 0 && !closed && System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            if (readyCount > 0) {
                // another thread's step, not yet waited for long enough to take over
                Thread.onSpinWait();
                continue;
            }
            synchronized (lock) {
                sleepers++;
                try {
                    while (ready.isEmpty() && !closed) {
                        lock.wait();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } finally {
                    sleepers--;
                }
            }
        }
    }

    /** Stops the workers once the steps they are running end; queued steps are dropped. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
    }
}
