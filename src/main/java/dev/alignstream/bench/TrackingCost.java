package dev.alignstream.bench;

import static dev.alignstream.bench.StepBenchmark.median;

import dev.alignstream.core.RuleName;
import java.util.Arrays;

/**
 * What alignment tracking costs a model: the same rule, layers and batch with tracking off and
 * on, two models in this JVM stepped in alternating slices, the cost being the untracked model's
 * samples/s over the tracked one's per pair of slices, and the median of those.
 *
 * <p>Why paired slices and not two {@code bench} rows: rows are measured minutes apart, and this
 * machine's speed drifts by tens of percent over that time (four runs of the command gave
 * 1.08-1.53x for the same align-ada pair of rows at batch 1, while this measurement gave 1.15x
 * with 0.5 s slices; docs/bench-2026-12-03.txt). Each pair runs the two models in swapped order every other time, so neither
 * always gets the warmer cache. Both models share one JIT state and, for the Align rules, one
 * frozen network (equal seed and sizes), as models of one service do.
 */
public final class TrackingCost {

    /** Slices per model in a measurement (pairs). */
    public static final int PAIRS = 20;

    /** One measurement: median rates, the median cost and its range over the pairs. */
    public record Result(String rule, int batch, double untrackedRate, double trackedRate, double cost,
                         double minCost, double maxCost, int pairs, double sliceSeconds) {
    }

    private TrackingCost() {
    }

    /**
     * Measures {@link #PAIRS} pairs of {@code sliceSeconds} slices after a warm-up of
     * {@link StepBenchmark#WARMUP_SECONDS} per model.
     */
    public static Result run(int[] layers, RuleName rule, int batch, double sliceSeconds) {
        StepBenchmark.Stepper untracked = new StepBenchmark.Stepper(layers, rule, batch, false);
        StepBenchmark.Stepper tracked = new StepBenchmark.Stepper(layers, rule, batch, true);
        long warm = (long) (StepBenchmark.WARMUP_SECONDS * 1e9);
        untracked.rateFor(warm);
        tracked.rateFor(warm);
        long slice = (long) (sliceSeconds * 1e9);
        double[] u = new double[PAIRS];
        double[] t = new double[PAIRS];
        double[] cost = new double[PAIRS];
        for (int p = 0; p < PAIRS; p++) {
            if (p % 2 == 0) {
                u[p] = untracked.rateFor(slice);
                t[p] = tracked.rateFor(slice);
            } else {
                t[p] = tracked.rateFor(slice);
                u[p] = untracked.rateFor(slice);
            }
            cost[p] = u[p] / t[p];
        }
        double[] sorted = cost.clone();
        Arrays.sort(sorted);
        return new Result(rule.id(), batch, median(u), median(t), median(cost), sorted[0], sorted[PAIRS - 1], PAIRS,
                sliceSeconds);
    }
}
