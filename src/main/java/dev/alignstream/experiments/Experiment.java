package dev.alignstream.experiments;

import java.util.List;
import java.util.function.LongConsumer;

/**
 * One of the paper's claims as an experiment: a list of independent runs and how their
 * outcomes become rows of {@link Results}.
 *
 * <p>Order of use (by {@link ExperimentRunner}): {@link #jobs()} once; every job's
 * {@link Job#execute} exactly once, on any thread, in any order; then {@link #report} once, on
 * the calling thread, with the outcomes in the order of {@link #jobs()}. Experiments report in
 * the order they were given to the runner, so one may read what an earlier one reported.
 *
 * <p>Adding an experiment is one class: its jobs train and score the models, its {@code report}
 * adds rows to a list of {@link Results} (as {@link RnnVsWidth} does to {@link Results#rnn()}), and
 * {@link ExperimentPlan} lists it.
 *
 * @param <R> what one job returns
 */
public interface Experiment<R> {

    /** Short name for progress lines. */
    String name();

    /**
     * The runs. Each MUST be deterministic and share no mutable state with another, so results do
     * not depend on how many threads run them or in which order.
     */
    List<? extends Job<R>> jobs();

    /** Adds this experiment's rows; {@code outcomes.get(i)} is the outcome of {@code jobs().get(i)}. */
    void report(List<R> outcomes, Results results);

    /** One independent unit of work. */
    interface Job<R> {

        /** Names the run in progress lines, e.g. {@code "bp w=512 lr=0.1"}. */
        String label();

        /** Training samples the job learns (progress counts these). */
        long samples();

        /** Relative cost; larger jobs are started first so threads finish together. */
        long cost();

        /** Runs the job; {@code progress} receives counts of samples learned. */
        R execute(LongConsumer progress);
    }
}
