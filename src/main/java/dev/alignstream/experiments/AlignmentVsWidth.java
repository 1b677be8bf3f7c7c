package dev.alignstream.experiments;

import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import java.util.ArrayList;
import java.util.List;

/**
 * Experiment 1, the paper's central observation: under {@code bp} the weight change of each layer
 * aligns with the error-weighted input correlation {@code P} (SPEC section 5), more so as the
 * network widens. For each width and seed one {@code bp} model learns the first
 * {@code alignmentSamples} samples; the per-layer score and its permuted baseline are taken at
 * the end.
 */
public final class AlignmentVsWidth implements Experiment<StreamRun.Outcome> {

    private final ExperimentConfig config;
    private final ExperimentData data;

    public AlignmentVsWidth(ExperimentConfig config, ExperimentData data) {
        this.config = config;
        this.data = data;
    }

    @Override
    public String name() {
        return "alignment vs width";
    }

    @Override
    public List<StreamJob> jobs() {
        int n = Math.min(config.alignmentSamples(), data.train().size());
        List<StreamJob> jobs = new ArrayList<>();
        for (int w : config.alignmentWidths()) {
            for (long seed : config.alignmentSeeds()) {
                ModelConfig c = ExperimentConfig.model(data.inputs(), w, RuleName.BP, config.alignmentLr(), seed, true);
                jobs.add(new StreamJob("alignment bp w=" + w + " seed=" + seed, new StreamRun(c, n, new int[0]), data));
            }
        }
        return jobs;
    }

    @Override
    public void report(List<StreamRun.Outcome> outcomes, Results results) {
        for (StreamRun.Outcome o : outcomes) {
            ModelConfig c = o.run().config();
            for (int l = 1; l <= c.depth(); l++) {
                results.alignmentVsWidth().add(new Results.AlignmentRow(c.rule().id(), c.width(1), l, c.seed(),
                        o.run().samples(), c.learningRate(), o.alignment()[l - 1], o.alignmentBaseline()[l - 1]));
            }
        }
    }
}
