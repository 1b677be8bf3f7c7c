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
    private static final double WARMUP_SECONDS = 3.0;

    /** One measured configuration. */
    public record Result(String rule, int[] layers, int batch, boolean trackAlignment, double samplesPerSecond,
                         double minRate, double maxRate, int rounds, ModelMemory footprint) {
    }

    private StepBenchmark() {
    }

    public static Result run(int[] layers, RuleName rule, int batch, double seconds, boolean trackAlignment) {
        ModelConfig c = new ModelConfig(layers, Activation.RELU, rule, 0.01f, batch, 7L, -0.1f, 1f, trackAlignment);
        Model model = Model.create(c);
        Learner learner = new Learner(model, Rules.of(rule));
        Random r = new Random(0);
        int n0 = layers[0];
        int nL = layers[layers.length - 1];
        float[][] xs = new float[POOL][n0];
        float[][] ts = new float[POOL][nL];
        for (int i = 0; i < POOL; i++) {
            for (int j = 0; j < n0; j++) {
                xs[i][j] = r.nextFloat();
            }
            Arrays.fill(ts[i], -0.1f);
            ts[i][r.nextInt(nL)] += 1f;
        }
        PendingBatch pending = model.pending();
        int[] cursor = {0};
        Runnable step = () -> {
            for (int b = 0; b < batch; b++) {
                int i = cursor[0]++ % POOL;
                pending.add(xs[i], ts[i]);
            }
            String rejected = learner.flush();
            if (rejected != null) {
                throw new IllegalStateException("benchmark step rejected: " + rejected);
            }
        };
        // a fixed 3 s: JFR showed the Vector API's scalar fallback (far slower than plain scalar
        // code) still running 3.9 s after start in a tracked batch-32 step, until C2 had compiled
        // every kernel; the median of the rounds absorbs what is left, however short they are
        long warmupEnd = System.nanoTime() + (long) (WARMUP_SECONDS * 1e9);
        while (System.nanoTime() < warmupEnd) {
            step.run();
        }
        int rounds = 5;
        double[] rates = new double[rounds];
        long perRound = (long) (seconds / rounds * 1e9);
        for (int k = 0; k < rounds; k++) {
            long start = System.nanoTime();
            long end = start + perRound;
            long steps = 0;
            long now;
            do {
                step.run();
                steps++;
                now = System.nanoTime();
            } while (now < end);
            rates[k] = steps * (double) batch / ((now - start) / 1e9);
        }
        double[] sorted = rates.clone();
        Arrays.sort(sorted);
        return new Result(rule.id(), layers.clone(), batch, trackAlignment, sorted[rounds / 2], sorted[0],
                sorted[rounds - 1], rounds, ModelMemory.of(model, learner));
    }
}
