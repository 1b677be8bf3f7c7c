package dev.alignstream.experiments;

import java.util.List;

/** The experiments of one {@code experiments} run, in reporting order. */
public final class ExperimentPlan {

    private ExperimentPlan() {
    }

    /**
     * Experiment 1 (alignment vs width), 2 (accuracy vs width) and 3 (low data, from 2's runs).
     * Experiment 4 (recurrent) joins this list once RNNs exist; until then {@code results.json}
     * carries an empty {@code rnn} list and a note saying why.
     */
    public static List<Experiment<?>> of(ExperimentConfig config, ExperimentData data) {
        AccuracyVsWidth sweep = new AccuracyVsWidth(config, data);
        return List.of(new AlignmentVsWidth(config, data), sweep, new LowData(config, data, sweep));
    }
}
