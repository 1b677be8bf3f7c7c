package dev.alignstream.metrics;

import dev.alignstream.core.AlignmentGauges;
import dev.alignstream.core.Arch;
import dev.alignstream.rnn.RnnMatrix;
import dev.alignstream.core.Prediction;
import dev.alignstream.eval.PrequentialTotals;
import dev.alignstream.eval.PrequentialWindow;
import dev.alignstream.stream.LearningListener;
import dev.alignstream.stream.ModelSpec;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The meters of one model (tags {@code model}, {@code stream}, {@code rule}): counters of
 * predictions, learned samples and rejected updates, prequential accuracy and loss over the
 * last 100 and 1,000 labelled samples, samples seen, update latency, and per layer the alignment
 * score, its permutation baseline and the norm of the weight change since initialization. An
 * RNN's "layers" are its three weight matrices, tagged {@code layer="w_ih"}, {@code "w_hh"} and
 * {@code "w_ho"}; its samples are sequences and its loss the mean over a sequence's steps.
 * Removed from the registry when the model leaves the instance, so label sets stay bounded.
 */
final class ModelMeters {

    /**
     * Histogram buckets of the update timer: 1-2-5 steps from 10 µs to 5 s. Eighteen series per
     * model instead of Micrometer's ~80 default percentile buckets; {@code histogram_quantile}
     * interpolates within them, which is plenty for a p50/p99 panel.
     */
    static final Duration[] UPDATE_BUCKETS = buckets();

    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();
    private final PrequentialWindow last100 = new PrequentialWindow(100);
    private final PrequentialWindow last1000 = new PrequentialWindow(1000);
    private final PrequentialTotals totals = new PrequentialTotals();
    private final Counter predictions;
    private final Counter learned;
    private final Counter rejected;
    private final Timer update;
    private final int batchSize;
    private final double[] score;
    private final double[] baseline;
    private final double[] changeNorm;
    /** Tag value of each layer, index 0 unused: {@code "1".."L"} for an MLP, the matrix names for an RNN. */
    private final String[] layerNames;
    private volatile long samplesSeen;
    private volatile boolean computed;

    ModelMeters(MeterRegistry registry, ModelSpec spec) {
        this.registry = registry;
        this.batchSize = spec.config().batchSize();
        Tags tags = Tags.of("model", spec.id(), "stream", spec.stream(), "rule", spec.config().rule().id());
        predictions = add(Counter.builder("alignstream.predictions").description("predictions made").tags(tags)
                .register(registry));
        learned = add(Counter.builder("alignstream.samples.learned").description("samples learned from by applied steps")
                .tags(tags).register(registry));
        rejected = add(Counter.builder("alignstream.rejected.updates")
                .description("updates rejected because they would make weights non-finite").tags(tags).register(registry));
        update = add(Timer.builder("alignstream.update").description("time to predict and learn one sample")
                .tags(tags).serviceLevelObjectives(UPDATE_BUCKETS).register(registry));
        for (PrequentialWindow w : List.of(last100, last1000)) {
            Tags wt = tags.and("window", Integer.toString(w.capacity()));
            add(Gauge.builder("alignstream.prequential.accuracy", w, PrequentialWindow::accuracy)
                    .description("prequential accuracy over the last N labelled samples").tags(wt).register(registry));
            add(Gauge.builder("alignstream.prequential.loss", w, PrequentialWindow::loss)
                    .description("prequential loss over the last N labelled samples").tags(wt).register(registry));
        }
        add(Gauge.builder("alignstream.samples.seen", this, m -> m.samplesSeen)
                .description("samples the model has learned from").tags(tags).register(registry));
        int depth = spec.arch() == Arch.RNN ? RnnMatrix.values().length : spec.config().depth();
        layerNames = new String[depth + 1];
        for (int l = 1; l <= depth; l++) {
            layerNames[l] = spec.arch() == Arch.RNN ? RnnMatrix.values()[l - 1].weightName() : Integer.toString(l);
        }
        score = new double[depth + 1];
        baseline = new double[depth + 1];
        changeNorm = new double[depth + 1];
        java.util.Arrays.fill(score, Double.NaN);
        java.util.Arrays.fill(baseline, Double.NaN);
        java.util.Arrays.fill(changeNorm, Double.NaN);
        for (int l = 1; l <= depth; l++) {
            final int layer = l;
            Tags lt = tags.and("layer", layerNames[l]);
            if (spec.config().trackAlignment()) {
                add(Gauge.builder("alignstream.alignment.score", this, m -> m.score[layer])
                        .description("input-weight alignment of the layer's change (SPEC section 5)").tags(lt)
                        .register(registry));
                add(Gauge.builder("alignstream.alignment.baseline", this, m -> m.baseline[layer])
                        .description("alignment score of the same change with its entries permuted").tags(lt)
                        .register(registry));
            }
            add(Gauge.builder("alignstream.weight.change.norm", this, m -> m.changeNorm[layer])
                    .description("Frobenius norm of W - W0").tags(lt).register(registry));
        }
    }

    private static Duration[] buckets() {
        List<Duration> out = new ArrayList<>();
        for (long decade = 10_000; decade <= 1_000_000_000L; decade *= 10) {
            for (long step : new long[] {1, 2, 5}) {
                out.add(Duration.ofNanos(decade * step));
            }
        }
        return out.toArray(Duration[]::new);
    }

    /** Sets samples_seen of a model that arrives with history (restored), before its next sample. */
    void seedSamplesSeen(long seen) {
        if (samplesSeen == 0) {
            samplesSeen = seen;
        }
    }

    private <M extends Meter> M add(M m) {
        meters.add(m);
        return m;
    }

    void record(Prediction p, boolean classification, long nanos) {
        predictions.increment();
        if (p.step() == Prediction.StepOutcome.REJECTED) {
            rejected.increment();
        }
        // count the step itself, not the jump in samples_seen: a model restored on this instance
        // after a rebalance arrives with thousands of samples already seen
        if (p.step() == Prediction.StepOutcome.APPLIED) {
            learned.increment(batchSize);
        }
        samplesSeen = p.samplesSeen();
        last100.add(p, classification);
        last1000.add(p, classification);
        synchronized (totals) {
            totals.add(p, classification);
        }
        if (nanos != LearningListener.NOT_TIMED) {
            update.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    /** Sets the per-layer (or per-matrix) gauges from figures computed off the stream thread. */
    void refresh(AlignmentGauges g) {
        for (int l = 1; l < score.length && l <= g.matrices(); l++) {
            changeNorm[l] = g.changeNorm()[l];
            if (!Double.isNaN(g.score()[l])) {
                score[l] = g.score()[l];
                baseline[l] = g.baseline()[l];
            }
        }
        computed = true;
    }

    /** Mean time of one predict-and-learn call on the stream thread, in seconds (NaN before the first). */
    double meanStepSeconds() {
        return update.count() == 0 ? Double.NaN : update.mean(TimeUnit.SECONDS);
    }

    PrequentialWindow window(int capacity) {
        return capacity == 100 ? last100 : last1000;
    }

    double score(int layer) {
        return score[layer];
    }

    double baseline(int layer) {
        return baseline[layer];
    }

    double changeNorm(int layer) {
        return changeNorm[layer];
    }

    /** Whether the per-layer gauges have been computed at least once. */
    boolean alignmentComputed() {
        return computed;
    }

    /** Prequential accuracy over every sample since this instance started serving the model. */
    double totalAccuracy() {
        synchronized (totals) {
            return totals.accuracy();
        }
    }

    int layers() {
        return score.length - 1;
    }

    /** The {@code layer} tag of layer {@code l} (1-based). */
    String layerName(int l) {
        return layerNames[l];
    }

    void remove() {
        meters.forEach(registry::remove);
    }
}
