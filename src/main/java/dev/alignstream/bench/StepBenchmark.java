package dev.alignstream.bench;

import dev.alignstream.core.Activation;
import dev.alignstream.core.Learner;
import dev.alignstream.core.Model;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.PendingBatch;
import dev.alignstream.core.RuleName;
import dev.alignstream.rules.Rules;
import java.util.Arrays;
import java.util.Random;

/**
 * Measures the learning step alone (forward, backward, update; no parsing, no prediction
 * bookkeeping) on one thread with synthetic data shaped like the numpy peer's: features uniform
 * in [0, 1), random labels, targets one-hot minus 0.1. Runs a 3 s warm-up, then several timed rounds,
 * and reports the median rate so one slow round (GC, the other core busy) does not decide.
 */
public final class StepBenchmark {

    private static final int POOL = 4096;
    static final double WARMUP_SECONDS = 3.0;

    /** One measured configuration. */
    public record Result(String rule, int[] layers, int batch, boolean trackAlignment, double samplesPerSecond,
                         double minRate, double maxRate, int rounds, ModelMemory footprint) {
    }

    private StepBenchmark() {
    }

    public static Result run(int[] layers, RuleName rule, int batch, double seconds, boolean trackAlignment) {
        Stepper stepper = new Stepper(layers, rule, batch, trackAlignment);
        // a fixed 3 s: JFR showed the Vector API's scalar fallback (far slower than plain scalar
        // code) still running 3.9 s after start in a tracked batch-32 step, until C2 had compiled
        // every kernel; the median of the rounds absorbs what is left, however short they are
        stepper.rateFor((long) (WARMUP_SECONDS * 1e9));
        int rounds = 5;
        double[] rates = new double[rounds];
        long perRound = (long) (seconds / rounds * 1e9);
        for (int k = 0; k < rounds; k++) {
            rates[k] = stepper.rateFor(perRound);
        }
        double[] sorted = rates.clone();
        Arrays.sort(sorted);
        return new Result(rule.id(), layers.clone(), batch, trackAlignment, median(rates), sorted[0],
                sorted[rounds - 1], rounds, ModelMemory.of(stepper.model, stepper.learner));
    }

    /** The middle value; the mean of the two middle ones for an even count. */
    public static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /**
     * One model learning from the synthetic pool, a batch per {@link #step}: features uniform in
     * [0, 1), random labels, targets one-hot minus 0.1, the same pool (seed 0) for every model.
     */
    static final class Stepper {

        final Model model;
        final Learner learner;
        private final float[][] xs;
        private final float[][] ts;
        private final int batch;
        private int cursor;

        Stepper(int[] layers, RuleName rule, int batch, boolean trackAlignment) {
            ModelConfig c = new ModelConfig(layers, Activation.RELU, rule, 0.01f, batch, 7L, -0.1f, 1f, trackAlignment);
            model = Model.create(c);
            learner = new Learner(model, Rules.of(rule));
            this.batch = batch;
            Random r = new Random(0);
            int n0 = layers[0];
            int nL = layers[layers.length - 1];
            xs = new float[POOL][n0];
            ts = new float[POOL][nL];
            for (int i = 0; i < POOL; i++) {
                for (int j = 0; j < n0; j++) {
                    xs[i][j] = r.nextFloat();
                }
                Arrays.fill(ts[i], -0.1f);
                ts[i][r.nextInt(nL)] += 1f;
            }
        }

        /** Learns one batch of the pool's next samples. */
        void step() {
            PendingBatch pending = model.pending();
            for (int b = 0; b < batch; b++) {
                int i = cursor++ % POOL;
                pending.add(xs[i], ts[i]);
            }
            String rejected = learner.flush();
            if (rejected != null) {
                throw new IllegalStateException("benchmark step rejected: " + rejected);
            }
        }

        /** Steps for at least {@code nanos}; returns samples per second over the whole steps taken. */
        double rateFor(long nanos) {
            long start = System.nanoTime();
            long end = start + nanos;
            long steps = 0;
            long now;
            do {
                step();
                steps++;
                now = System.nanoTime();
            } while (now < end);
            return steps * (double) batch / ((now - start) / 1e9);
        }
    }
}
