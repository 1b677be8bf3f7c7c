package dev.alignstream.stream;

import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Runs one task per item on a fixed set of threads and returns when all are done: item {@code i}
 * of a call runs on lane {@code i % lanes}, lane 0 being the calling thread, so with a stable
 * item list each item always runs on the same thread (its data stays in that core's cache).
 *
 * <p>Used for the models of one stream learning one record: the models share nothing mutable,
 * and each model's step is single-threaded code, so which thread runs it does not change a bit
 * of its result. Everything else (journal, snapshots, forwarding) stays on the caller's thread.
 *
 * <p>A failure of any task is rethrown on the calling thread once every lane is done (the
 * failure of the lowest item index, so which one is reported does not depend on timing).
 * Workers spin briefly, then park: an idle pool costs nothing. Not for concurrent callers: one
 * stream task's thread at a time.
 */
final class StepPool implements AutoCloseable {

    /**
     * How long a waiting thread spins before it parks: waking a parked thread costs a trip
     * through the scheduler, which on a busy machine can take longer than a step.
     */
    static final long SPIN_NANOS = 50_000;

    private final Lane[] workers;
    private volatile Thread caller;
    private Throwable[] failures = new Throwable[4];

    /** @param threads lanes including the caller's ({@code threads - 1} worker threads are started) */
    StepPool(int threads, String name) {
        if (threads < 2) {
            throw new IllegalArgumentException("a step pool needs at least 2 threads, got " + threads);
        }
        workers = new Lane[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Lane(i + 1);
            Thread t = new Thread(workers[i], name + "-" + (i + 1));
            t.setDaemon(true);
            workers[i].thread = t;
            t.start();
        }
    }

    /** Lanes, the caller's included. */
    int threads() {
        return workers.length + 1;
    }

    /** Runs {@code task} on every item (see the class comment) and returns when all ran. */
    <T> void run(List<T> items, Consumer<? super T> task) {
        int n = items.size();
        int lanes = Math.min(n, threads());
        if (failures.length < n) {
            failures = new Throwable[n];
        }
        caller = Thread.currentThread();
        for (int k = 1; k < lanes; k++) {
            workers[k - 1].start(items, task, lanes);
        }
        runLane(items, task, 0, lanes);
        for (int k = 1; k < lanes; k++) {
            workers[k - 1].await();
        }
        for (int i = 0; i < n; i++) {
            Throwable t = failures[i];
            if (t != null) {
                java.util.Arrays.fill(failures, 0, n, null);
                if (t instanceof RuntimeException r) {
                    throw r;
                }
                if (t instanceof Error e) {
                    throw e;
                }
                throw new IllegalStateException(t);
            }
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private void runLane(List items, Consumer task, int lane, int lanes) {
        for (int i = lane; i < items.size(); i += lanes) {
            try {
                task.accept(items.get(i));
            } catch (Throwable t) {
                failures[i] = t;
            }
        }
    }

    @Override
    public void close() {
        for (Lane l : workers) {
            l.closed = true;
            LockSupport.unpark(l.thread);
        }
    }

    /** One worker thread; its work is published by the volatile write of {@code busy}. */
    private final class Lane implements Runnable {
        private final int index;
        private Thread thread;
        private List<?> items;
        private Consumer<?> task;
        private int lanes;
        private volatile boolean busy;
        private volatile boolean closed;

        Lane(int index) {
            this.index = index;
        }

        void start(List<?> items, Consumer<?> task, int lanes) {
            this.items = items;
            this.task = task;
            this.lanes = lanes;
            busy = true;
            LockSupport.unpark(thread);
        }

        void await() {
            long until = System.nanoTime() + SPIN_NANOS;
            while (busy) {
                if (System.nanoTime() < until) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
        }

        @Override
        public void run() {
            while (true) {
                long until = System.nanoTime() + SPIN_NANOS;
                while (!busy) {
                    if (closed) {
                        return;
                    }
                    if (System.nanoTime() < until) {
                        Thread.onSpinWait();
                    } else {
                        LockSupport.park(this);
                    }
                }
                runLane(items, task, index, lanes);
                items = null;
                task = null;
                busy = false;
                LockSupport.unpark(caller);
            }
        }
    }
}
