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
import dev.alignstream.rules.Rules;
import dev.alignstream.stream.ModelRegistry;
import dev.alignstream.stream.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The per-model gauges show exactly what the learning core computed, read back from the Prometheus text. */
class LearningMetricsTest {

    private static double scraped(String text, String metric, String labels) {
        Matcher m = Pattern.compile("(?m)^" + metric + "\\{([^}]*)\\} (\\S+)$").matcher(text);
        while (m.find()) {
            boolean all = true;
            for (String l : labels.split(",")) {
                all &= m.group(1).contains(l);
            }
            if (all) {
                return Double.parseDouble(m.group(2));
            }
        }
        throw new AssertionError(metric + "{" + labels + "} not in scrape");
    }

    @Test
    void prequentialAndAlignmentGaugesEqualTheCoresValues() {
        ModelConfig c = new ModelConfig(new int[] {6, 12, 3}, Activation.RELU, RuleName.BP, 0.1f, 1, 2L, -0.1f, 1f, true);
        ModelSpec spec = new ModelSpec("gauge-model", "gauge-stream", c, false);
        Model model = Model.create(c);
        Learner learner = new Learner(model, Rules.of(RuleName.BP));
        try (LearningMetrics metrics = new LearningMetrics(new ModelRegistry(), 0)) {
            metrics.onModelAdded(spec);
            List<Prediction> predictions = new ArrayList<>();
            List<Sample> data = SyntheticDataset.teacher(1200, 6, 3, 8L);
            for (Sample s : data) {
                Prediction p = learner.observe(s);
                predictions.add(p);
                metrics.onPrediction(spec, s, p, 1000);
            }
            metrics.onDeadLetter("wrong-width");
            metrics.onDeadLetter("wrong-width");
            metrics.refreshFrom(spec.id(), model);
            String text = metrics.scrape();
            String tags = "model=\"gauge-model\"";
            for (int window : new int[] {100, 1000}) {
                List<Prediction> last = predictions.subList(predictions.size() - window, predictions.size());
                double acc = last.stream().filter(Prediction::correct).count() / (double) window;
                double loss = last.stream().mapToDouble(Prediction::loss).sum() / window;
                String w = tags + ",window=\"" + window + "\"";
                assertEquals(acc, scraped(text, "alignstream_prequential_accuracy", w), 1e-12, "accuracy " + window);
                assertEquals(loss, scraped(text, "alignstream_prequential_loss", w), 1e-9, "loss " + window);
            }
            for (int l = 1; l <= 2; l++) {
                String lt = tags + ",layer=\"" + l + "\"";
                double expected = model.alignment().score(l, model.live(), model.frozen().initial());
                assertEquals(expected, scraped(text, "alignstream_alignment_score", lt), 1e-12, "layer " + l);
                assertTrue(expected > 0 && expected < 1);
                assertEquals(dev.alignstream.core.AlignmentTracker.changeNorm(l, model.live(), model.frozen().initial()),
                        scraped(text, "alignstream_weight_change_norm", lt), 1e-9);
            }
            assertEquals(1200, scraped(text, "alignstream_samples_seen", tags));
            assertEquals(1200, scraped(text, "alignstream_samples_learned_total", tags));
            assertEquals(1200, scraped(text, "alignstream_predictions_total", tags));
            assertEquals(2, scraped(text, "alignstream_dead_letters_total", "reason=\"wrong-width\""));
            assertTrue(text.contains("alignstream_update_seconds_bucket{"), "latency histogram");
            assertTrue(text.contains("jvm_memory_used_bytes"), "JVM metrics");

            metrics.onModelRemoved(spec.id());
            assertFalse(metrics.scrape().contains("gauge-model"), "a removed model's series disappear");
        }
    }
}
