package dev.alignstream.rnn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import dev.alignstream.data.DelayedSumDataset;
import dev.alignstream.data.SequenceSample;
import dev.alignstream.io.RnnModelFile;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link RnnFootprint} is what the service's memory admission reserves for an RNN: it must cover
 * what building a model, learning its longest admissible sequences and serializing it allocate
 * (measured with the JVM's per-thread allocation counter), without being wildly above it.
 */
class RnnFootprintTest {

    @Test
    void theEstimateCoversBuildingLearningTheLongestSequencesAndSerializing() {
        int maxSteps = 300;
        RnnConfig c = new RnnConfig(ModelConfig.of(RuleName.ALIGN_ADA, 0.003f, 3, 64, 2).withSeed(System.nanoTime()),
                maxSteps);
        List<SequenceSample> data = sequences(maxSteps, 3);
        // warm up class loading and static initializers, which allocate once per JVM
        RnnModelFile.toBytes(new RnnLearner(RnnModel.create(c.withBase(c.base().withSeed(1L)))).model());
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = mx.getCurrentThreadAllocatedBytes();
        RnnLearner l = new RnnLearner(RnnModel.create(c));
        for (SequenceSample s : data) {
            l.observe(s);
        }
        byte[] file = RnnModelFile.toBytes(l.model());
        long measured = mx.getCurrentThreadAllocatedBytes() - before;
        long estimate = RnnFootprint.bytes(c);
        assertTrue(estimate >= measured, "estimate " + estimate + " below measured " + measured);
        assertTrue(estimate <= 3 * measured, "estimate " + estimate + " more than 3x measured " + measured);
        assertTrue(file.length > 0);
    }

    /** {@code count} sequences of the longest admissible length, 3 inputs and 2 targets per step. */
    private static List<SequenceSample> sequences(int maxSteps, int count) {
        Random r = new Random(5);
        List<SequenceSample> one = DelayedSumDataset.generate(r, count, maxSteps);
        return one.stream().map(s -> {
            float[] x = new float[s.steps() * 3];
            float[] y = new float[s.steps() * 2];
            for (int t = 0; t < s.steps(); t++) {
                x[3 * t] = s.input(t, 0);
                x[3 * t + 1] = 1f - s.input(t, 0);
                y[2 * t] = s.target(t, 0);
                y[2 * t + 1] = -s.target(t, 0);
            }
            return new SequenceSample(null, s.steps(), 3, x, 2, y);
        }).toList();
    }
}
