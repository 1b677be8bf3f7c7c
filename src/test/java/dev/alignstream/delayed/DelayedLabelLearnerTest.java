package dev.alignstream.delayed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.alignstream.core.Learner;
import dev.alignstream.core.Model;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.Prediction;
import dev.alignstream.core.RuleName;
import dev.alignstream.data.BadRecordReason;
import dev.alignstream.data.LabelRecord;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SyntheticDataset;
import dev.alignstream.data.TimedEvent;
import dev.alignstream.io.ModelFile;
import dev.alignstream.rules.Rules;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Delayed labels on one model: learning happens at the label, in label order, with the served
 * prediction scored. The expected model is built independently, by feeding an ordinary learner
 * each sample with its label at the position where the label arrives.
 */
class DelayedLabelLearnerTest {

    private static final ModelConfig CONFIG = ModelConfig.of(RuleName.ALIGN_ADA, 0.1f, 6, 16, 3).withTargetOffset(-0.1f);

    private static Learner fresh() {
        return new Learner(Model.create(CONFIG), Rules.of(CONFIG.rule()));
    }

    @Test
    void learnsEachSampleWhenItsLabelArrivesAndScoresTheServedPrediction() {
        List<Sample> data = SyntheticDataset.teacher(60, 6, 3, 11L);
        // events: every sample is served unlabelled; its label comes 1-5 events later, shuffled
        Random r = new Random(5);
        List<TimedEvent> events = new ArrayList<>();
        List<Object[]> waiting = new ArrayList<>();
        for (int i = 0; i < data.size(); i++) {
            Sample s = data.get(i);
            events.add(new TimedEvent(new Sample("s" + i, s.features(), null, null), i));
            waiting.add(new Object[] {i, 1 + r.nextInt(5)});
            for (java.util.Iterator<Object[]> it = waiting.iterator(); it.hasNext(); ) {
                Object[] w = it.next();
                w[1] = (Integer) w[1] - 1;
                if ((Integer) w[1] == 0) {
                    int k = (Integer) w[0];
                    events.add(new TimedEvent(new LabelRecord("s" + k, data.get(k).label(), null), i));
                    it.remove();
                }
            }
        }
        for (Object[] w : waiting) {
            int k = (Integer) w[0];
            events.add(new TimedEvent(new LabelRecord("s" + k, data.get(k).label(), null), data.size()));
        }
        DelayedLabelLearner delayed = new DelayedLabelLearner(fresh(), LabelWait.DEFAULT);
        Learner reference = fresh();
        int completed = 0;
        for (TimedEvent e : events) {
            if (e.event() instanceof Sample s) {
                // what the reference model says now is what must be served
                Prediction expected = reference.evaluate(s);
                DelayedLabelLearner.Result res = delayed.accept(e);
                assertArrayEquals(expected.output(), ((DelayedLabelLearner.Predicted) res).prediction().output());
            } else {
                LabelRecord l = (LabelRecord) e.event();
                int k = Integer.parseInt(l.id().substring(1));
                DelayedLabelLearner.Completed c = (DelayedLabelLearner.Completed) delayed.accept(e);
                reference.observe(Sample.classification(data.get(k).features(), l.label()));
                // the score is the served output's loss against the one-hot target with offset
                double loss = 0;
                for (int j = 0; j < 3; j++) {
                    float t = j == l.label() ? 1f + -0.1f : -0.1f; // float32 targets, SPEC section 1
                    double d = (double) c.scored().output()[j] - t;
                    loss += 0.5 * d * d;
                }
                assertEquals(loss, c.scored().loss(), 1e-12);
                assertEquals(reference.model().samplesSeen(), c.scored().samplesSeen());
                completed++;
            }
        }
        assertEquals(60, completed);
        assertArrayEquals(ModelFile.toBytes(reference.model()), ModelFile.toBytes(delayed.learner().model()));
    }

    @Test
    void servedVersionIsTheSamplesSeenAtServingTime() {
        List<Sample> data = SyntheticDataset.teacher(4, 6, 3, 2L);
        DelayedLabelLearner d = new DelayedLabelLearner(fresh(), LabelWait.DEFAULT);
        d.accept(new TimedEvent(data.get(0), 0));
        d.accept(new TimedEvent(new Sample("x", data.get(1).features(), null, null), 0));
        d.accept(new TimedEvent(data.get(2), 0));
        d.accept(new TimedEvent(data.get(3), 0));
        DelayedLabelLearner.Completed c = (DelayedLabelLearner.Completed) d.accept(
                new TimedEvent(new LabelRecord("x", 1, null), 0));
        assertEquals(1, c.servedVersion());
        assertEquals(4, c.scored().samplesSeen());
    }

    @Test
    void unmatchedDuplicateAndExpiredEventsTouchNoParameter() {
        List<Sample> data = SyntheticDataset.teacher(3, 6, 3, 3L);
        DelayedLabelLearner d = new DelayedLabelLearner(fresh(), new LabelWait(java.time.Duration.ofSeconds(1), 1));
        byte[] before = ModelFile.toBytes(d.learner().model());
        assertRefused(BadRecordReason.UNMATCHED_LABEL, d.accept(new TimedEvent(new LabelRecord("nope", 0, null), 0)));
        d.accept(new TimedEvent(new Sample("a", data.get(0).features(), null, null), 0));
        assertRefused(BadRecordReason.DUPLICATE_ID,
                d.accept(new TimedEvent(new Sample("a", data.get(1).features(), null, null), 0)));
        // a second pending sample pushes "a" out (max pending 1)
        d.accept(new TimedEvent(new Sample("b", data.get(2).features(), null, null), 0));
        assertEquals(1, d.expired());
        assertRefused(BadRecordReason.UNMATCHED_LABEL, d.accept(new TimedEvent(new LabelRecord("a", 0, null), 0)));
        // "b" expires by time: stream time moves 1,001 ms past it
        assertRefused(BadRecordReason.UNMATCHED_LABEL, d.accept(new TimedEvent(new LabelRecord("b", 0, null), 1_001)));
        assertEquals(2, d.expired());
        assertArrayEquals(before, ModelFile.toBytes(d.learner().model()));
        d.accept(new TimedEvent(new Sample("c", data.get(2).features(), null, null), 1_001));
        assertInstanceOf(DelayedLabelLearner.Completed.class, d.accept(new TimedEvent(new LabelRecord("c", 2, null), 1_001)));
        assertRefused(BadRecordReason.DUPLICATE_LABEL, d.accept(new TimedEvent(new LabelRecord("c", 2, null), 1_001)));
        assertEquals(1, d.learner().model().samplesSeen());
    }

    private static void assertRefused(BadRecordReason reason, DelayedLabelLearner.Result r) {
        assertEquals(reason, ((DelayedLabelLearner.Refused) r).reason());
    }
}
