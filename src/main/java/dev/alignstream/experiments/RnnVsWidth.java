package dev.alignstream.experiments;

import dev.alignstream.core.RuleName;
import dev.alignstream.data.SequenceSample;
import dev.alignstream.rnn.RnnConfig;
import dev.alignstream.rnn.RnnLearner;
import dev.alignstream.rnn.RnnModel;
import dev.alignstream.train.RnnOfflineTrainer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Experiment 4: held-out loss on the delayed-sum task per rule at each hidden width, against the
 * loss of the mean predictor (always output the mean training target). One run per rule and
 * width trains a fresh {@code 1-n-1} RNN for the grid's epochs through {@link RnnOfflineTrainer},
 * the code path of {@code train --arch rnn}, and scores the test sequences after every epoch
 * (scoring does not learn, so the last score is what {@code evaluate} prints for the exported model).
 */
public final class RnnVsWidth implements Experiment<RnnVsWidth.Outcome> {

    /**
     * What one run measured.
     *
     * @param trainLoss     prequential training loss of each epoch (mean per-sequence loss)
     * @param testLoss      held-out loss after each epoch
     * @param rejectedSteps learning steps the divergence guard rejected
     * @param seconds       wall time of the run
     */
    public record Outcome(double[] trainLoss, double[] testLoss, long rejectedSteps, double seconds) {
        public double finalTestLoss() {
            return testLoss[testLoss.length - 1];
        }
    }

    private final RnnGrid grid;
    private final List<SequenceSample> train;
    private final List<SequenceSample> test;
    private final double meanPredictorLoss;

    public RnnVsWidth(RnnGrid grid) {
        this.grid = grid;
        List<List<SequenceSample>> d = grid.data();
        this.train = d.get(0);
        this.test = d.get(1);
        this.meanPredictorLoss = meanPredictorLoss(train, test);
    }

    @Override
    public String name() {
        return "recurrent";
    }

    @Override
    public List<Job<Outcome>> jobs() {
        List<Job<Outcome>> jobs = new ArrayList<>();
        for (int w : grid.widths()) {
            for (RuleName rule : grid.rates().keySet()) {
                jobs.add(new RunJob(grid.model(rule, w)));
            }
        }
        return jobs;
    }

    @Override
    public void report(List<Outcome> outcomes, Results results) {
        List<Job<Outcome>> jobs = jobs();
        for (int i = 0; i < jobs.size(); i++) {
            RnnConfig c = ((RunJob) jobs.get(i)).config;
            Outcome o = outcomes.get(i);
            results.rnn().add(new Results.RnnRow(c.rule().id(), c.hidden(), grid.epochs(), c.base().learningRate(),
                    o.finalTestLoss(), meanPredictorLoss, o.trainLoss(), o.testLoss(), o.rejectedSteps(),
                    reproduce(c)));
        }
    }

    /**
     * Loss of the constant prediction {@code m} = mean of all training targets, scored like the
     * RNN: per sequence the mean over steps of {@code 0.5 (target_t - m)^2}, then the mean over
     * sequences; sums in double precision, in order.
     */
    static double meanPredictorLoss(List<SequenceSample> train, List<SequenceSample> test) {
        double sum = 0;
        long n = 0;
        for (SequenceSample s : train) {
            for (float t : s.targets()) {
                sum += t;
                n++;
            }
        }
        double m = sum / n;
        double total = 0;
        for (SequenceSample s : test) {
            double seq = 0;
            for (float t : s.targets()) {
                seq += 0.5 * (t - m) * (t - m);
            }
            total += seq / s.targets().length;
        }
        return total / test.size();
    }

    /** {@code datasets delayed-sum}, {@code train --arch rnn} and {@code evaluate} lines giving the run's losses. */
    List<String> reproduce(RnnConfig c) {
        String dir = grid.quick() ? "data-quick" : "data";
        String model = "rnn-" + c.rule().id() + "-w" + c.hidden() + "-lr" + ReproduceCommand.number(c.base().learningRate())
                + "-e" + grid.epochs() + ".safetensors";
        String train = ReproduceCommand.JAR + " train --arch rnn --data " + dir + "/delayed-sum-train.jsonl --layers 1,"
                + c.hidden() + ",1 --rule " + c.rule().id() + " --lr " + ReproduceCommand.number(c.base().learningRate())
                + " --epochs " + grid.epochs() + " --seed " + c.base().seed() + " --no-alignment --export " + model;
        return List.of(ReproduceCommand.JAR + " datasets delayed-sum --out " + dir + grid.datasetOptions(), train,
                ReproduceCommand.JAR + " evaluate --model " + model + " --data " + dir + "/delayed-sum-test.jsonl");
    }

    private final class RunJob implements Job<Outcome> {
        final RnnConfig config;

        RunJob(RnnConfig config) {
            this.config = config;
        }

        @Override
        public String label() {
            return "rnn " + config.rule().id() + " w=" + config.hidden() + " lr="
                    + ReproduceCommand.number(config.base().learningRate());
        }

        @Override
        public long samples() {
            return (long) train.size() * grid.epochs();
        }

        @Override
        public long cost() {
            long n = config.hidden();
            return n * n * grid.length() * samples();
        }

        @Override
        public Outcome execute(LongConsumer progress) {
            long start = System.nanoTime();
            RnnLearner learner = new RnnLearner(RnnModel.create(config));
            double[] trainLoss = new double[grid.epochs()];
            double[] testLoss = new double[grid.epochs()];
            long rejected = 0;
            for (int e = 0; e < grid.epochs(); e++) {
                long[] reported = {0};
                // one epoch at a time is the same run as train --epochs E: batch 1 leaves nothing pending between epochs
                RnnOfflineTrainer.Result r = RnnOfflineTrainer.train(learner, train, 1, (done, total, loss) -> {
                    progress.accept(done - reported[0]);
                    reported[0] = done;
                });
                trainLoss[e] = r.loss();
                rejected += r.rejectedSteps();
                testLoss[e] = RnnOfflineTrainer.evaluate(learner, test, (d, t, l) -> { }).loss();
            }
            return new Outcome(trainLoss, testLoss, rejected, (System.nanoTime() - start) / 1e9);
        }
    }
}
