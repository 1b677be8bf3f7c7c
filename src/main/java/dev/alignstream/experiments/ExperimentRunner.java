package dev.alignstream.experiments;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs the jobs of all experiments on a pool of threads, largest first, and then lets each
 * experiment report its outcomes in job order. Since every job is deterministic and independent
 * and reporting follows job order, the results are the same for any number of threads.
 */
public final class ExperimentRunner {

    /** Receives progress; called from worker threads, so implementations must be thread-safe. */
    public interface Listener {
        void started(int jobs, long samples);

        /** Some samples were learned by some job; {@code done} counts all jobs so far. */
        void progress(long done);

        void finished(Experiment.Job<?> job, Object outcome, int jobsDone, double seconds);
    }

    private final int threads;
    private final Listener listener;

    public ExperimentRunner(int threads, Listener listener) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.listener = listener;
    }

    /** Runs everything and returns the results; the first failing job's exception ends the run. */
    public Results run(List<Experiment<?>> experiments) throws InterruptedException {
        List<Slot<?>> slots = new ArrayList<>();
        for (Experiment<?> e : experiments) {
            slots.add(Slot.of(e));
        }
        List<Pending> all = new ArrayList<>();
        for (Slot<?> s : slots) {
            for (int i = 0; i < s.jobs.size(); i++) {
                all.add(new Pending(s, i));
            }
        }
        long total = all.stream().mapToLong(p -> p.job().samples()).sum();
        listener.started(all.size(), total);
        // largest first (stable, so equal costs keep plan order)
        List<Pending> order = new ArrayList<>(all);
        order.sort(Comparator.comparingLong((Pending p) -> p.job().cost()).reversed());
        AtomicLong done = new AtomicLong();
        AtomicInteger jobsDone = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "experiments");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Pending p : order) {
                futures.add(pool.submit(() -> {
                    long start = System.nanoTime();
                    Object outcome = p.job().execute(n -> listener.progress(done.addAndGet(n)));
                    p.slot.outcomes.set(p.index, outcome);
                    listener.finished(p.job(), outcome, jobsDone.incrementAndGet(), (System.nanoTime() - start) / 1e9);
                    return null;
                }));
            }
            for (int i = 0; i < futures.size(); i++) {
                try {
                    futures.get(i).get();
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    String msg = order.get(i).job().label() + ": " + (c.getMessage() == null ? c.toString() : c.getMessage());
                    if (c instanceof IllegalArgumentException) {
                        throw new IllegalArgumentException(msg, c);
                    }
                    throw new IllegalStateException(msg, c);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        Results results = new Results();
        for (Slot<?> s : slots) {
            s.report(results);
        }
        return results;
    }

    /** One experiment with room for its outcomes. */
    private static final class Slot<R> {
        final Experiment<R> experiment;
        final List<? extends Experiment.Job<R>> jobs;
        final List<Object> outcomes;

        private Slot(Experiment<R> experiment) {
            this.experiment = experiment;
            this.jobs = List.copyOf(experiment.jobs());
            this.outcomes = new ArrayList<>(java.util.Collections.nCopies(jobs.size(), null));
        }

        static <R> Slot<R> of(Experiment<R> e) {
            return new Slot<>(e);
        }

        @SuppressWarnings("unchecked")
        void report(Results results) {
            List<R> typed = new ArrayList<>(outcomes.size());
            for (Object o : outcomes) {
                typed.add((R) o);
            }
            experiment.report(typed, results);
        }
    }

    private record Pending(Slot<?> slot, int index) {
        Experiment.Job<?> job() {
            return slot.jobs.get(index);
        }
    }
}
