package dev.alignstream.core;

import dev.alignstream.data.Sample;
import dev.alignstream.rules.Rules;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Small generated samples and model helpers shared by the core tests. */
final class TestData {

    private TestData() {
    }

    /** {@code count} samples with Gaussian features and uniformly random labels. */
    static List<Sample> samples(int count, int inputs, int classes, long seed) {
        Random r = new Random(seed);
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            float[] x = new float[inputs];
            for (int j = 0; j < inputs; j++) {
                x[j] = (float) r.nextGaussian();
            }
            out.add(Sample.classification(x, r.nextInt(classes)));
        }
        return out;
    }

    static Learner learner(ModelConfig c) {
        return new Learner(Model.create(c), Rules.of(c.rule()));
    }

    static double[] target(Sample s, ModelConfig c) {
        double[] t = new double[c.outputSize()];
        if (s.label() != null) {
            java.util.Arrays.fill(t, c.targetOffset());
            t[s.label()] = 1 + c.targetOffset();
        } else {
            for (int i = 0; i < t.length; i++) {
                t[i] = s.target()[i];
            }
        }
        return t;
    }

    static double[] scaledInput(Sample s, ModelConfig c) {
        double[] x = new double[s.features().length];
        for (int i = 0; i < x.length; i++) {
            x[i] = (double) (c.inputScale() * s.features()[i]);
        }
        return x;
    }
}
