package dev.alignstream.experiments;

import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Experiment 2: the Align rules approach {@code bp} as the network widens. Every rule at every
 * width learns the stream once at each learning rate of the sweep; the rate with the best
 * prequential accuracy (ties: the earlier rate in the sweep) is the rule's result at that width,
 * reported with its test accuracy after the stream. The runs at the largest width also score the
 * test set at the low-data sample counts, which {@link LowData} reports.
 */
public final class AccuracyVsWidth implements Experiment<StreamRun.Outcome> {

    private final ExperimentConfig config;
    private final ExperimentData data;
    /** Best run per {@code rule@width}, filled by {@link #report}. */
    private final Map<String, StreamRun.Outcome> best = new LinkedHashMap<>();

    public AccuracyVsWidth(ExperimentConfig config, ExperimentData data) {
        this.config = config;
        this.data = data;
    }

    @Override
    public String name() {
        return "accuracy vs width";
    }

    /** Samples in the stream: the configured count, at most the training file. */
    int streamSamples() {
        int n = data.train().size();
        return config.streamSamples() == 0 ? n : Math.min(config.streamSamples(), n);
    }

    @Override
    public List<StreamJob> jobs() {
        int n = streamSamples();
        List<StreamJob> jobs = new ArrayList<>();
        for (int w : config.sweepWidths()) {
            int[] checkpoints = w == config.lowDataWidth() ? lowDataCheckpoints(n) : new int[] {n};
            for (RuleName rule : config.rules()) {
                for (float lr : config.learningRates()) {
                    ModelConfig c = ExperimentConfig.model(data.inputs(), w, rule, lr, config.sweepSeed(), false);
                    jobs.add(new StreamJob(rule.id() + " w=" + w + " lr=" + ReproduceCommand.number(lr),
                            new StreamRun(c, n, checkpoints), data));
                }
            }
        }
        return jobs;
    }

    /** The low-data counts that fit in the stream, and the stream's end. */
    private int[] lowDataCheckpoints(int n) {
        TreeSet<Integer> s = new TreeSet<>();
        for (int c : config.lowDataSamples()) {
            if (c <= n) {
                s.add(c);
            }
        }
        s.add(n);
        return s.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public void report(List<StreamRun.Outcome> outcomes, Results results) {
        int n = streamSamples();
        Map<String, StreamRun.Outcome> bestHere = new LinkedHashMap<>();
        for (StreamRun.Outcome o : outcomes) {
            ModelConfig c = o.run().config();
            results.learningRateSweep().add(row(o, n));
            String key = key(c.rule(), c.width(1));
            StreamRun.Outcome b = bestHere.get(key);
            if (b == null || o.prequentialAccuracy() > b.prequentialAccuracy()) {
                bestHere.put(key, o);
            }
        }
        best.putAll(bestHere);
        for (StreamRun.Outcome o : bestHere.values()) {
            ModelConfig c = o.run().config();
            results.accuracyVsWidth().add(row(o, n));
            double[] acc = o.blockAccuracy(config.curveBlock());
            int[] ends = new int[acc.length];
            for (int i = 0; i < ends.length; i++) {
                ends[i] = Math.min(n, (i + 1) * config.curveBlock());
            }
            results.learningCurves().add(new Results.CurveRow(c.rule().id(), c.width(1), c.learningRate(),
                    config.curveBlock(), ends, acc));
        }
    }

    private Results.AccuracyRow row(StreamRun.Outcome o, int n) {
        ModelConfig c = o.run().config();
        return new Results.AccuracyRow(c.rule().id(), c.width(1), c.learningRate(), n, o.prequentialAccuracy(),
                o.testAccuracyAt(n), o.rejectedSteps(), ReproduceCommand.lines(data, c, n));
    }

    /** The best-rate run of a rule at a width; valid after {@link #report}. */
    StreamRun.Outcome best(RuleName rule, int width) {
        StreamRun.Outcome o = best.get(key(rule, width));
        if (o == null) {
            throw new IllegalStateException("no run of " + rule.id() + " at width " + width + " reported yet");
        }
        return o;
    }

    private static String key(RuleName rule, int width) {
        return rule.id() + "@" + width;
    }
}
