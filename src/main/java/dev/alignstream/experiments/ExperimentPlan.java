package dev.alignstream.experiments;

import java.util.List;

/** The experiments of one {@code experiments} run, in reporting order. */
public final class ExperimentPlan {

    private ExperimentPlan() {
    }

    /**
     * Experiment 1 (alignment vs width), 2 (accuracy vs width), 3 (low data, from 2's runs) and,
     * when {@code rnn} is not null, 4 (recurrent, on its own in-memory data).
     */
    public static List<Experiment<?>> of(ExperimentConfig config, ExperimentData data, RnnGrid rnn) {
        AccuracyVsWidth sweep = new AccuracyVsWidth(config, data);
        List<Experiment<?>> plan = new java.util.ArrayList<>(List.of(new AlignmentVsWidth(config, data), sweep,
                new LowData(config, data, sweep)));
        if (rnn != null) {
            plan.add(new RnnVsWidth(rnn));
        }
        return List.copyOf(plan);
    }

    /** Experiment 4 alone ({@code experiments --only rnn}): needs no MNIST files. */
    public static List<Experiment<?>> rnnOnly(RnnGrid rnn) {
        return List.of(new RnnVsWidth(rnn));
    }
}
