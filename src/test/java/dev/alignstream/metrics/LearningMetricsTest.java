package dev.alignstream.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.alignstream.core.Activation;
import dev.alignstream.core.Learner;
import dev.alignstream.core.Model;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.Prediction;
import dev.alignstream.core.RuleName;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SyntheticDataset;
import dev.alignstream.io.ModelFile;
import dev.alignstream.rules.Rules;
import dev.alignstream.stream.ModelRegistry;
import dev.alignstream.stream.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * The exported gauges say what the learning core computes: a {@link Learner} is driven directly,
 * its predictions fed to the metrics listener as the stream thread would, and the Prometheus text
 * is scraped and compared with windows recomputed here from the predictions and with the
 * alignment scores the core computes on the model itself.
 */
class LearningMetricsTest {

    private static final int SAMPLES = 250;

    private static ModelSpec spec(String id, RuleName rule, int batch) {
        return new ModelSpec(id, "s", new ModelConfig(new int[] {12, 24, 16, 3}, Activation.RELU, rule, 0.1f, batch, 3L,
                -0.1f, 1f, true), false);
    }

    @Test
    void anRnnModelsGaugesArePerMatrixAndItsLossIsTheSequencesMeanStepLoss() {
        dev.alignstream.rnn.RnnConfig c = new dev.alignstream.rnn.RnnConfig(
                ModelConfig.of(RuleName.BP, 0.003f, 1, 16, 1), 100);
        ModelSpec spec = ModelSpec.rnn("r", "s", c, false);
        dev.alignstream.rnn.RnnLearner learner = new dev.alignstream.rnn.RnnLearner(dev.alignstream.rnn.RnnModel.create(c));
        List<dev.alignstream.data.SequenceSample> data = dev.alignstream.data.DelayedSumDataset.generate(
                new java.util.Random(2), 30, 20);
        double lossSum = 0;
        try (LearningMetrics metrics = new LearningMetrics(new ModelRegistry(), 0)) {
            metrics.onModelAdded(spec);
            for (dev.alignstream.data.SequenceSample q : data) {
                dev.alignstream.rnn.SequencePrediction p = learner.observe(q);
                lossSum += p.loss();
                metrics.onPrediction(spec, q, new Prediction(p.outputs(), -1, true, p.loss(), false, p.samplesSeen(),
                        p.step(), null), 1_000L);
            }
            metrics.refresh("r", dev.alignstream.io.RnnModelFile.fromBytes(
                    dev.alignstream.io.RnnModelFile.toSnapshotBytes(learner.model())).alignmentGauges());
            String text = metrics.scrape();
            Map<String, String> tags = Map.of("model", "r", "stream", "s", "rule", "bp");
            assertEquals(lossSum / 30, value(text, "alignstream_prequential_loss", with(tags, "window", "100")), 1e-9);
            assertEquals(30, value(text, "alignstream_samples_seen", tags));
            dev.alignstream.rnn.RnnModel m = learner.model();
            for (dev.alignstream.rnn.RnnMatrix x : dev.alignstream.rnn.RnnMatrix.values()) {
                Map<String, String> lt = with(tags, "layer", x.weightName());
                assertEquals(m.alignment().score(x, m.live(), m.frozen().initial()),
                        value(text, "alignstream_alignment_score", lt), 1e-12, x.weightName());
                assertEquals(dev.alignstream.rnn.RnnAlignmentTracker.changeNorm(x, m.live(), m.frozen().initial()),
                        value(text, "alignstream_weight_change_norm", lt), 1e-9, x.weightName());
            }
            assertTrue(metrics.details("r").get("alignment").has("w_hh"), metrics.details("r").toString());
        }
    }

    @ParameterizedTest
    @EnumSource(value = RuleName.class, names = {"BP", "ALIGN_ADA", "ALIGN_ZERO", "FA"})
    void prequentialAndAlignmentGaugesEqualTheLearningCore(RuleName rule) {
        ModelSpec spec = spec("m-" + rule.id(), rule, 1);
        Model model = Model.create(spec.config());
        Learner learner = new Learner(model, Rules.of(rule));
        List<Sample> samples = SyntheticDataset.teacher(SAMPLES, 12, 3, 11L);
        List<Prediction> predictions = new ArrayList<>();
        try (LearningMetrics metrics = new LearningMetrics(new ModelRegistry(), 0)) {
            metrics.onModelAdded(spec);
            for (Sample s : samples) {
                Prediction p = learner.observe(s);
                predictions.add(p);
                metrics.onPrediction(spec, s, p, 1_000L);
            }
            metrics.refresh(spec.id(), ModelFile.fromBytes(ModelFile.toSnapshotBytes(model)).alignmentGauges());
            String text = metrics.scrape();
            Map<String, String> tags = Map.of("model", spec.id(), "stream", "s", "rule", rule.id());

            for (int window : new int[] {100, 1000}) {
                List<Prediction> last = predictions.subList(Math.max(0, SAMPLES - window), SAMPLES);
                double accuracy = last.stream().filter(Prediction::correct).count() / (double) last.size();
                double loss = last.stream().mapToDouble(Prediction::loss).sum() / last.size();
                Map<String, String> wt = with(tags, "window", Integer.toString(window));
                assertEquals(accuracy, value(text, "alignstream_prequential_accuracy", wt), 1e-12, "accuracy window " + window);
                assertEquals(loss, value(text, "alignstream_prequential_loss", wt), 1e-9, "loss window " + window);
            }
            assertEquals(SAMPLES, value(text, "alignstream_predictions_total", tags));
            assertEquals(SAMPLES, value(text, "alignstream_samples_learned_total", tags));
            assertEquals(model.samplesSeen(), value(text, "alignstream_samples_seen", tags));
            assertEquals(SAMPLES, value(text, "alignstream_update_seconds_count", tags));
            assertEquals(0, value(text, "alignstream_rejected_updates_total", tags));

            for (int l = 1; l <= spec.config().depth(); l++) {
                Map<String, String> lt = with(tags, "layer", Integer.toString(l));
                double score = model.alignment().score(l, model.live(), model.frozen().initial());
                assertEquals(score, value(text, "alignstream_alignment_score", lt), 1e-12, "score layer " + l);
                assertEquals(model.alignment().baselineScore(l, model.live(), model.frozen().initial(), 1L),
                        value(text, "alignstream_alignment_baseline", lt), 1e-12, "baseline layer " + l);
                assertTrue(value(text, "alignstream_weight_change_norm", lt) > 0, "layer " + l + " moved");
                if (rule == RuleName.ALIGN_ZERO) {
                    assertEquals(1.0, score, 1e-4, "align-zero is aligned by construction, layer " + l);
                }
            }
        }
    }

    @Test
    void aPredictionOwedFromBeforeARestoreCountsButIsNotTimed() {
        ModelSpec spec = spec("owed", RuleName.BP, 1);
        Learner learner = new Learner(Model.create(spec.config()), Rules.of(RuleName.BP));
        List<Sample> samples = SyntheticDataset.teacher(3, 12, 3, 5L);
        try (LearningMetrics metrics = new LearningMetrics(new ModelRegistry(), 0)) {
            metrics.onModelAdded(spec);
            metrics.onPrediction(spec, samples.get(0), learner.observe(samples.get(0)), 2_000_000L);
            metrics.onPrediction(spec, samples.get(1), learner.observe(samples.get(1)),
                    dev.alignstream.stream.LearningListener.NOT_TIMED);
            metrics.onPrediction(spec, samples.get(2), learner.observe(samples.get(2)), 4_000_000L);
            String text = metrics.scrape();
            Map<String, String> tags = Map.of("model", spec.id(), "stream", "s", "rule", "bp");
            assertEquals(3, value(text, "alignstream_predictions_total", tags));
            assertEquals(2, value(text, "alignstream_update_seconds_count", tags), "the owed one is not a step time");
            assertEquals(0.006, value(text, "alignstream_update_seconds_sum", tags), 1e-9);
        }
    }

    @Test
    void fullWindowsAfterTwelveHundredSamples() {
        ModelSpec spec = spec("full", RuleName.BP, 1);
        Model model = Model.create(spec.config());
        Learner learner = new Learner(model, Rules.of(RuleName.BP));
        List<Prediction> predictions = new ArrayList<>();
        try (LearningMetrics metrics = new LearningMetrics(new ModelRegistry(), 0)) {
            metrics.onModelAdded(spec);
            for (Sample s : SyntheticDataset.teacher(1200, 12, 3, 8L)) {
                Prediction p = learner.observe(s);
                predictions.add(p);
                metrics.onPrediction(spec, s, p, 1_000L);
            }
            String text = metrics.scrape();
            Map<String, String> tags = Map.of("model", "full", "stream", "s", "rule", "bp");
            for (int window : new int[] {100, 1000}) {
                List<Prediction> last = predictions.subList(predictions.size() - window, predictions.size());
                double accuracy = last.stream().filter(Prediction::correct).count() / (double) window;
                double loss = last.stream().mapToDouble(Prediction::loss).sum() / window;
                Map<String, String> wt = with(tags, "window", Integer.toString(window));
                assertEquals(accuracy, value(text, "alignstream_prequential_accuracy", wt), 1e-12, "accuracy window " + window);
                assertEquals(loss, value(text, "alignstream_prequential_loss", wt), 1e-9, "loss window " + window);
            }
            assertEquals(1200, value(text, "alignstream_samples_seen", tags));
        }
    }

    @Test
    void aRestoredModelCountsOnlyTheStepsLearnedHere() {
        ModelSpec spec = spec("restored", RuleName.ALIGN_ADA, 1);
        Model model = Model.create(spec.config());
        model.restoreCounters(5_000, 0);
        Learner learner = new Learner(model, Rules.of(RuleName.ALIGN_ADA));
        try (LearningMetrics metrics = new LearningMetrics(new ModelRegistry(), 0)) {
            metrics.onModelAdded(spec);
            for (Sample s : SyntheticDataset.teacher(3, 12, 3, 1L)) {
                metrics.onPrediction(spec, s, learner.observe(s), 1_000L);
            }
            Map<String, String> tags = Map.of("model", "restored", "stream", "s", "rule", "align-ada");
            assertEquals(3, value(metrics.scrape(), "alignstream_samples_learned_total", tags));
            assertEquals(5_003, value(metrics.scrape(), "alignstream_samples_seen", tags));
        }
    }

    @Test
    void miniBatchesCountEveryLearnedSampleOnce() {
        ModelSpec spec = spec("batched", RuleName.BP, 4);
        Learner learner = new Learner(Model.create(spec.config()), Rules.of(RuleName.BP));
        try (LearningMetrics metrics = new LearningMetrics(new ModelRegistry(), 0)) {
            for (Sample s : SyntheticDataset.teacher(10, 12, 3, 1L)) {
                metrics.onPrediction(spec, s, learner.observe(s), 1_000L);
            }
            Map<String, String> tags = Map.of("model", "batched", "stream", "s", "rule", "bp");
            assertEquals(8, value(metrics.scrape(), "alignstream_samples_learned_total", tags), "two full batches of 4");
            assertEquals(10, value(metrics.scrape(), "alignstream_predictions_total", tags));
        }
    }

    @Test
    void updateLatencyHistogramHasBoundedBucketsThatCountEachStep() {
        ModelSpec spec = spec("timed", RuleName.BP, 1);
        Learner learner = new Learner(Model.create(spec.config()), Rules.of(RuleName.BP));
        long[] nanos = {15_000, 15_000, 3_000_000, 700_000_000};
        try (LearningMetrics metrics = new LearningMetrics(new ModelRegistry(), 0)) {
            List<Sample> samples = SyntheticDataset.teacher(nanos.length, 12, 3, 1L);
            for (int i = 0; i < nanos.length; i++) {
                metrics.onPrediction(spec, samples.get(i), learner.observe(samples.get(i)), nanos[i]);
            }
            Map<Double, Double> buckets = new java.util.TreeMap<>();
            Matcher m = Pattern.compile("(?m)^alignstream_update_seconds_bucket\\{[^}]*model=\"timed\"[^}]*le=\"([^\"]+)\"[^}]*\\} (\\S+)$")
                    .matcher(metrics.scrape());
            while (m.find()) {
                buckets.put(m.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(1)),
                        Double.parseDouble(m.group(2)));
            }
            assertTrue(buckets.size() >= 10 && buckets.size() <= 25, "bucket count " + buckets.keySet());
            for (Map.Entry<Double, Double> b : buckets.entrySet()) {
                long expected = java.util.Arrays.stream(nanos).filter(n -> n / 1e9 <= b.getKey()).count();
                assertEquals(expected, b.getValue(), "le=" + b.getKey());
            }
        }
    }

    @Test
    void deadLettersAreCountedByReasonAndEveryKnownReasonStartsAtZero() {
        try (LearningMetrics metrics = new LearningMetrics(new ModelRegistry(), 0)) {
            assertEquals(0, value(metrics.scrape(), "alignstream_dead_letters_total", Map.of("reason", "wrong-width")));
            metrics.onRecordIn();
            metrics.onDeadLetter("wrong-width");
            metrics.onDeadLetter("wrong-width");
            String text = metrics.scrape();
            assertEquals(2, value(text, "alignstream_dead_letters_total", Map.of("reason", "wrong-width")));
            assertEquals(0, value(text, "alignstream_dead_letters_total", Map.of("reason", "non-finite")));
            assertEquals(1, value(text, "alignstream_records_in_total", Map.of()));
            assertEquals(2, value(text, "alignstream_records_out_total", Map.of()));
            assertTrue(text.contains("jvm_memory_used_bytes"), "JVM metrics are bound");
        }
    }

    @Test
    void aRemovedModelLeavesNoSeriesBehind() {
        ModelSpec spec = spec("gone", RuleName.BP, 1);
        Learner learner = new Learner(Model.create(spec.config()), Rules.of(RuleName.BP));
        try (LearningMetrics metrics = new LearningMetrics(new ModelRegistry(), 0)) {
            metrics.onModelAdded(spec);
            Sample s = SyntheticDataset.teacher(1, 12, 3, 1L).get(0);
            metrics.onPrediction(spec, s, learner.observe(s), 1_000L);
            assertTrue(metrics.scrape().contains("model=\"gone\""));
            metrics.onModelRemoved("gone");
            assertFalse(metrics.scrape().contains("model=\"gone\""), metrics.scrape());
        }
    }

    private static Map<String, String> with(Map<String, String> tags, String k, String v) {
        Map<String, String> out = new java.util.HashMap<>(tags);
        out.put(k, v);
        return out;
    }

    /** The value of the one series of {@code name} whose labels are exactly {@code labels}. */
    static double value(String text, String name, Map<String, String> labels) {
        Pattern line = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{([^}]*)\\})? (\\S+)$");
        Matcher m = line.matcher(text);
        Double found = null;
        while (m.find()) {
            Map<String, String> got = new java.util.HashMap<>();
            if (m.group(1) != null) {
                Matcher kv = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"([^\"]*)\"").matcher(m.group(1));
                while (kv.find()) {
                    got.put(kv.group(1), kv.group(2));
                }
            }
            if (got.equals(labels)) {
                if (found != null) {
                    throw new AssertionError("two series " + name + labels);
                }
                found = Double.parseDouble(m.group(2));
            }
        }
        if (found == null) {
            throw new AssertionError("no series " + name + labels + " in the scrape:\n" + text);
        }
        return found;
    }
}
