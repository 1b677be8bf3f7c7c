package dev.alignstream.rnn;

import dev.alignstream.core.Activation;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import dev.alignstream.data.SequenceSample;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Small generated sequences and configs shared by the RNN tests. */
final class RnnTestData {

    private RnnTestData() {
    }

    /** {@code count} labelled sequences with Gaussian inputs and targets, lengths uniform in {@code minSteps..maxSteps}. */
    static List<SequenceSample> sequences(int count, int nIn, int nOut, int minSteps, int maxSteps, long seed) {
        Random r = new Random(seed);
        List<SequenceSample> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int steps = minSteps + r.nextInt(maxSteps - minSteps + 1);
            float[] x = new float[steps * nIn];
            float[] y = new float[steps * nOut];
            for (int j = 0; j < x.length; j++) {
                x[j] = (float) r.nextGaussian();
            }
            for (int j = 0; j < y.length; j++) {
                y[j] = (float) (0.5 * r.nextGaussian());
            }
            out.add(new SequenceSample(null, steps, nIn, x, nOut, y));
        }
        return out;
    }

    static RnnConfig config(RuleName rule, Activation phi, float lr, int batch, int nIn, int n, int nOut) {
        return new RnnConfig(new ModelConfig(new int[] {nIn, n, nOut}, phi, rule, lr, batch, 11L, 0f, 1f, true));
    }
}
