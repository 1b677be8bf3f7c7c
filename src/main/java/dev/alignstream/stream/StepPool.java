package dev.alignstream.stream;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Runs one task per item on the calling thread and a fixed set of worker threads, and returns
 * when all are done. Items are claimed one at a time, in index order, by whichever thread is
 * free: the caller starts claiming at once, a worker takes the next item when it wakes up.
 *
 * <p>Why claiming rather than a fixed item-to-thread assignment: on a machine whose other core
 * is busy (the broker, the producer's network thread, another process), a worker may wake up
 * only after the caller has finished its own share. With a fixed assignment the caller then
 * waited for it; with claiming the caller takes the remaining items itself, so a record never
 * takes much longer than its steps one after another, and takes the time of the longest lane
 * when a core is free. A worker that wakes after every item was claimed finds nothing to do.
 *
 * <p>Used for the models of one stream learning one record: the models share nothing mutable,
 * and each model's step is single-threaded code, so which thread runs it does not change a bit
 * of its result. Everything else (journal, snapshots, forwarding) stays on the caller's thread.
 * Whatever a task wrote is visible to the caller when {@link #run} returns.
 *
 * <p>A failure of any task is rethrown on the calling thread once every item ran (the failure
 * of the lowest item index, so which one is reported does not depend on timing). Workers spin
 * briefly, then park: an idle pool costs nothing. Not for concurrent callers: one stream task's
 * thread at a time.
 */
final class StepPool implements AutoCloseable {

    /**
     * How long a waiting thread spins before it parks: waking a parked thread costs a trip
     * through the scheduler, which on a busy machine can take longer than a step.
     */
    static final long SPIN_NANOS = 50_000;

    /** One call of {@link #run}: immutable but for its counters, so a late worker can never mix two calls. */
    private static final class Job {
        final List<?> items;
        final Consumer<Object> task;
        final int n;
        final Thread caller;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger completed = new AtomicInteger();
        final Throwable[] failures;

        @SuppressWarnings("unchecked")
        Job(List<?> items, Consumer<?> task, Thread caller) {
            this.items = items;
            this.task = (Consumer<Object>) task;
            this.n = items.size();
            this.caller = caller;
            this.failures = new Throwable[n];
        }

        /** Claims and runs items until none is left; returns whether this thread completed the last one. */
        boolean work() {
            boolean last = false;
            int i;
            while ((i = next.getAndIncrement()) < n) {
                try {
                    task.accept(items.get(i));
                } catch (Throwable t) {
                    failures[i] = t;
                }
                last = completed.incrementAndGet() == n;
            }
            return last;
        }
    }

    private final Worker[] workers;
    /** The call in progress, or the last one (whose items are all claimed). */
    private volatile Job current;

    /** @param threads threads including the caller's ({@code threads - 1} worker threads are started) */
    StepPool(int threads, String name) {
        if (threads < 2) {
            throw new IllegalArgumentException("a step pool needs at least 2 threads, got " + threads);
        }
        workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker();
            Thread t = new Thread(workers[i], name + "-" + (i + 1));
            t.setDaemon(true);
            workers[i].thread = t;
            t.start();
        }
    }

    /** Threads, the caller's included. */
    int threads() {
        return workers.length + 1;
    }

    /** Runs {@code task} on every item (see the class comment) and returns when all ran. */
    <T> void run(List<T> items, Consumer<? super T> task) {
        Job job = new Job(items, task, Thread.currentThread());
        current = job;
        int wake = Math.min(job.n - 1, workers.length);
        for (int k = 0; k < wake; k++) {
            LockSupport.unpark(workers[k].thread);
        }
        job.work();
        long until = System.nanoTime() + SPIN_NANOS;
        while (job.completed.get() < job.n) {
            if (System.nanoTime() < until) {
                Thread.onSpinWait();
            } else {
                LockSupport.park(this);
            }
        }
        for (int i = 0; i < job.n; i++) {
            Throwable t = job.failures[i];
            if (t != null) {
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

    @Override
    public void close() {
        for (Worker w : workers) {
            w.closed = true;
            LockSupport.unpark(w.thread);
        }
    }

    /** One worker thread: takes items of each new call until none is left, then waits for the next call. */
    private final class Worker implements Runnable {
        private Thread thread;
        private volatile boolean closed;

        @Override
        public void run() {
            Job done = null;
            while (true) {
                long until = System.nanoTime() + SPIN_NANOS;
                Job job;
                while ((job = current) == done || job == null) {
                    if (closed) {
                        return;
                    }
                    if (System.nanoTime() < until) {
                        Thread.onSpinWait();
                    } else {
                        LockSupport.park(this);
                    }
                }
                if (job.work()) {
                    LockSupport.unpark(job.caller);
                }
                done = job;
            }
        }
    }
}
