package dev.alignstream.experiments;

import java.util.function.LongConsumer;

/** A {@link StreamRun} on the experiments' data as a runner job. */
record StreamJob(String label, StreamRun run, ExperimentData data) implements Experiment.Job<StreamRun.Outcome> {

    @Override
    public long samples() {
        return run.samples();
    }

    @Override
    public long cost() {
        return run.cost();
    }

    @Override
    public StreamRun.Outcome execute(LongConsumer progress) {
        return run.execute(data.train(), data.test(), progress);
    }
}
