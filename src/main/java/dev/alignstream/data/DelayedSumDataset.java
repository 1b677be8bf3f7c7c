package dev.alignstream.data;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The paper's recurrent reference task (SPEC section 3): inputs {@code x_t ~ Bernoulli(0.5)},
 * targets {@code target_t = 0.5 + 0.5 x_{t-2} - 0.25 x_{t-5}}, steps counted from 0 and terms with
 * a negative index 0. Solving it needs a memory of the last five inputs.
 *
 * <p>Generation is fixed by the seed: {@code new Random(seed)} draws {@code x_t = nextInt(2)} for
 * every step of the training sequences, then of the test sequences. Every value (0, 1, 0.25, 0.5,
 * 0.75, 1.0) is exact in binary, so the files read back to the same bits.
 */
public final class DelayedSumDataset {

    public static final String TRAIN_FILE = "delayed-sum-train.jsonl";
    public static final String TEST_FILE = "delayed-sum-test.jsonl";

    private DelayedSumDataset() {
    }

    /** {@code count} sequences of {@code length} steps drawn from {@code rnd}. */
    public static List<SequenceSample> generate(Random rnd, int count, int length) {
        if (count < 0 || length < 1) {
            throw new IllegalArgumentException("need count >= 0 sequences of length >= 1");
        }
        List<SequenceSample> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            float[] x = new float[length];
            float[] y = new float[length];
            for (int t = 0; t < length; t++) {
                x[t] = rnd.nextInt(2);
            }
            for (int t = 0; t < length; t++) {
                float lag2 = t >= 2 ? x[t - 2] : 0f;
                float lag5 = t >= 5 ? x[t - 5] : 0f;
                y[t] = 0.5f + 0.5f * lag2 - 0.25f * lag5;
            }
            out.add(new SequenceSample(null, length, 1, x, 1, y));
        }
        return out;
    }

    /** Writes {@code delayed-sum-train.jsonl} and {@code delayed-sum-test.jsonl} into {@code dir}. */
    public static void write(Path dir, int train, int test, int length, long seed) throws IOException {
        Files.createDirectories(dir);
        Random rnd = new Random(seed);
        List<SequenceSample> tr = generate(rnd, train, length);
        List<SequenceSample> te = generate(rnd, test, length);
        writeJsonl(tr, dir.resolve(TRAIN_FILE));
        writeJsonl(te, dir.resolve(TEST_FILE));
    }

    /** One {@code {"sequence": [[x_1], ...], "targets": [[y_1], ...]}} record a line, written atomically. */
    public static void writeJsonl(List<SequenceSample> sequences, Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            StringBuilder sb = new StringBuilder();
            for (SequenceSample s : sequences) {
                sb.setLength(0);
                sb.append("{\"sequence\": ");
                rows(sb, s.inputs(), s.steps(), s.inputWidth());
                if (s.targets() != null) {
                    sb.append(", \"targets\": ");
                    rows(sb, s.targets(), s.steps(), s.targetWidth());
                }
                w.write(sb.append("}\n").toString());
            }
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void rows(StringBuilder sb, float[] v, int steps, int width) {
        sb.append('[');
        for (int t = 0; t < steps; t++) {
            sb.append(t == 0 ? "[" : ", [");
            for (int j = 0; j < width; j++) {
                float f = v[t * width + j];
                if (j > 0) {
                    sb.append(", ");
                }
                if (f == (int) f) {
                    sb.append((int) f);
                } else {
                    sb.append(f);
                }
            }
            sb.append(']');
        }
        sb.append(']');
    }
}
