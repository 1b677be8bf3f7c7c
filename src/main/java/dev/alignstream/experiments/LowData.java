package dev.alignstream.experiments;

import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import java.util.List;

/**
 * Experiment 3: test accuracy after the first 100, 500, 2,000 and 8,000 samples of the stream at
 * the largest width. It needs no runs of its own: the best-rate runs of {@link AccuracyVsWidth}
 * (rate chosen on the whole stream) scored the test set at those counts, and a pass stopped after
 * {@code c} samples is exactly the prefix of the longer one. It must report after that experiment.
 */
public final class LowData implements Experiment<Void> {

    private final ExperimentConfig config;
    private final ExperimentData data;
    private final AccuracyVsWidth sweep;

    public LowData(ExperimentConfig config, ExperimentData data, AccuracyVsWidth sweep) {
        this.config = config;
        this.data = data;
        this.sweep = sweep;
    }

    @Override
    public String name() {
        return "low data";
    }

    @Override
    public List<Job<Void>> jobs() {
        return List.of();
    }

    @Override
    public void report(List<Void> outcomes, Results results) {
        int width = config.lowDataWidth();
        for (RuleName rule : config.rules()) {
            StreamRun.Outcome o = sweep.best(rule, width);
            ModelConfig c = o.run().config();
            for (int n : o.run().checkpoints()) {
                results.lowData().add(new Results.LowDataRow(rule.id(), width, c.learningRate(), n,
                        o.prequentialAccuracy(n), o.testAccuracyAt(n), ReproduceCommand.lines(data, c, n)));
            }
        }
    }
}
