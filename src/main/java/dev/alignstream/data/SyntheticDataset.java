package dev.alignstream.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Generated classification data for tests and for the demo when MNIST cannot be fetched:
 * Gaussian inputs (unit mean square) labelled by a fixed random two-layer "teacher" network, so
 * a small student learns it well above chance within a few thousand samples. The same seed gives
 * the same bits ({@link Random} is specified).
 */
public final class SyntheticDataset {

    private SyntheticDataset() {
    }

    public static List<Sample> teacher(int count, int inputs, int classes, long seed) {
        Random r = new Random(seed);
        int hidden = 16;
        float[][] w1 = new float[hidden][inputs];
        float[][] w2 = new float[classes][hidden];
        for (float[] row : w1) {
            for (int j = 0; j < inputs; j++) {
                row[j] = (float) (r.nextGaussian() / Math.sqrt(inputs));
            }
        }
        for (float[] row : w2) {
            for (int j = 0; j < hidden; j++) {
                row[j] = (float) (r.nextGaussian() / Math.sqrt(hidden));
            }
        }
        List<Sample> out = new ArrayList<>(count);
        float[] h = new float[hidden];
        for (int i = 0; i < count; i++) {
            float[] x = new float[inputs];
            for (int j = 0; j < inputs; j++) {
                x[j] = (float) r.nextGaussian();
            }
            for (int k = 0; k < hidden; k++) {
                float s = 0;
                for (int j = 0; j < inputs; j++) {
                    s += w1[k][j] * x[j];
                }
                h[k] = (float) Math.tanh(2 * s);
            }
            int best = 0;
            float bestScore = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                float s = 0;
                for (int k = 0; k < hidden; k++) {
                    s += w2[c][k] * h[k];
                }
                if (s > bestScore) {
                    bestScore = s;
                    best = c;
                }
            }
            out.add(Sample.classification(x, best));
        }
        return out;
    }

    /** Writes samples as CSV with a header line {@code label,x1,...}. */
    public static void writeCsv(List<Sample> samples, java.nio.file.Path file) throws java.io.IOException {
        try (var w = java.nio.file.Files.newBufferedWriter(file)) {
            int n = samples.get(0).features().length;
            StringBuilder sb = new StringBuilder("label");
            for (int j = 1; j <= n; j++) {
                sb.append(",x").append(j);
            }
            w.write(sb.append('\n').toString());
            for (Sample s : samples) {
                sb.setLength(0);
                sb.append(s.label());
                for (float v : s.features()) {
                    sb.append(',').append(v);
                }
                w.write(sb.append('\n').toString());
            }
        }
    }
}
