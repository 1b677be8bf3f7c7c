package dev.alignstream.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.alignstream.data.Sample;
import dev.alignstream.io.ModelFile;
import dev.alignstream.rules.Rules;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Vector API kernels against the scalar ones, bit for bit: the dot products on awkward
 * lengths against a reference written here from {@link Kernels#dot8}'s documented order, and whole
 * learning runs in this JVM (surefire adds {@code jdk.incubator.vector}, so the vector path is on)
 * against the same runs in a child JVM started without the module (scalar path).
 */
class VectorKernelsTest {

    private static final String NOT_LOADED = "jdk.incubator.vector is not loaded in this JVM (surefire's argLine adds"
            + " --add-modules jdk.incubator.vector; an IDE run may not): the vector path cannot be compared";

    private static final int[] LENGTHS = {0, 1, 7, 8, 9, 15, 16, 17, 1023, 1024, 1025};

    /** {@code s_i = sum over k = i mod 8} (ascending), tail {@code k >= n - n mod 8} into {@code s_0}, then the fixed combine. */
    private static float referenceDot(float[] x, float[] y, int n) {
        float[] s = new float[8];
        int n8 = n - n % 8;
        for (int k = 0; k < n8; k++) {
            float p = x[k] * y[k];
            s[k % 8] = s[k % 8] + p;
        }
        for (int k = n8; k < n; k++) {
            float p = x[k] * y[k];
            s[0] = s[0] + p;
        }
        return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    }

    /** Values of mixed magnitudes and signs, some zero, so that rounding depends on the order of the sums. */
    private static float value(Random r) {
        double u = r.nextDouble();
        if (u < 0.1) {
            return 0f;
        }
        return (float) (r.nextGaussian() * Math.pow(10, r.nextInt(7) - 3));
    }

    @Test
    void scalarDotProductsFollowTheDocumentedOrder() {
        Random r = new Random(1);
        for (int n : LENGTHS) {
            float[] x = new float[n];
            float[] y = new float[n];
            for (int k = 0; k < n; k++) {
                x[k] = value(r);
                y[k] = value(r);
            }
            assertEquals(Float.floatToRawIntBits(referenceDot(x, y, n)),
                    Float.floatToRawIntBits(Kernels.dot8(x, y, new float[n], n)), "n = " + n);
        }
    }

    @Test
    void vectorDotProductsHaveTheBitsOfTheScalarOnesOnAwkwardLengths() {
        assumeTrue(VectorPath.ENABLED, NOT_LOADED);
        Random r = new Random(2);
        for (int n : LENGTHS) {
            // 0..9 rows: the four-row blocks and every remainder; rows chosen out of order
            for (int count = 0; count <= 9; count++) {
                RowMatrix m = new RowMatrix(12, n);
                float[] y = new float[n];
                for (int k = 0; k < n; k++) {
                    y[k] = value(r);
                }
                for (int i = 0; i < 12; i++) {
                    for (int k = 0; k < n; k++) {
                        m.row(i)[k] = value(r);
                    }
                }
                int[] rows = new int[count];
                for (int i = 0; i < count; i++) {
                    rows[i] = (i * 5 + 3) % 12;
                }
                float[] dots = new float[count];
                VectorKernels.dot8Rows(m, rows, count, y, n, new float[VectorKernels.LANES], dots);
                for (int i = 0; i < count; i++) {
                    float expected = referenceDot(m.row(rows[i]), y, n);
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(dots[i]),
                            "n = " + n + ", " + count + " rows, row " + i + ": " + expected + " vs " + dots[i]);
                }
            }
        }
    }

    @Test
    void registerBlockedProductsAndUpdatesHaveTheBitsOfTheScalarOnes() {
        assumeTrue(VectorPath.ENABLED, NOT_LOADED);
        Random r = new Random(3);
        // batches 16, 19, 32, 37 fill vectors of the batch (with and without leftover rows), so layers
        // narrower than a vector (n < 16: 1, 7, 8, 9, 10, 15) take the batch-along-the-vector kernels
        for (int batch : new int[] {2, 4, 5, 9, 16, 19, 32, 37}) {
            for (int n : new int[] {1, 7, 8, 9, 10, 15, 17, 33, 131, 257, 300}) {
                int k = 1 + (n * 7 + batch) % 150; // up to 150: spans the 64-row chunks
                RowMatrix a = new RowMatrix(batch, k);
                RowMatrix m = new RowMatrix(k, n);
                fill(a, r);
                fill(m, r);
                RowMatrix scalar = new RowMatrix(batch, n);
                RowMatrix vector = new RowMatrix(batch, n);
                Kernels.combineRows(a, m, new int[k], scalar);
                Kernels.combineRowsVector(a, m, new float[Kernels.vectorCoefScratch(batch)],
                        new int[Kernels.vectorRowsScratch(batch)], vector);
                assertTrue(scalar.bitEquals(vector), "a * m, batch " + batch + ", " + k + " x " + n);

                RowMatrix g = new RowMatrix(batch, n);
                fill(g, r);
                RowMatrix w1 = new RowMatrix(k, n);
                fill(w1, r);
                RowMatrix w2 = w1.copy();
                Kernels.addOuter(w1, 0.37f, a, g);
                Kernels.addOuter(w2, 0.37f, a, g, new float[Kernels.vectorCoefScratch(batch)],
                        new int[Kernels.vectorRowsScratch(batch)]);
                assertTrue(w1.bitEquals(w2), "W += alpha a^T g, batch " + batch + ", " + k + " x " + n);

                // backward through WT (k x n): out = phi'(gate) .* (g WT^T) * scale, batch x k
                RowMatrix gate = new RowMatrix(batch, k);
                fill(gate, r);
                RowMatrix tiled = new RowMatrix(batch, k);
                RowMatrix columns = new RowMatrix(batch, k);
                int widest = Math.max(k, n);
                Kernels.backwardTransposed(w1, g, 0.3f, gate, Activation.RELU, new RowMatrix(16, 512),
                        new RowMatrix(batch, 512), new float[widest + 8], new int[widest], new float[widest], tiled);
                Kernels.backwardColumns(w1, g, 0.3f, gate, Activation.RELU, new RowMatrix(widest, batch), columns);
                assertTrue(tiled.bitEquals(columns), "backward, batch " + batch + ", " + k + " x " + n);
            }
        }
    }

    @Test
    void vectorReluIsTheScalarOneOnSpecialValues() {
        assumeTrue(VectorPath.ENABLED, NOT_LOADED);
        float[] special = {Float.NaN, -0f, 0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY, 1.5f, -2.5f};
        Random r = new Random(4);
        RowMatrix h = new RowMatrix(2, 37);
        for (int b = 0; b < 2; b++) {
            for (int j = 0; j < 37; j++) {
                h.row(b)[j] = r.nextBoolean() ? special[r.nextInt(special.length)] : value(r);
            }
        }
        RowMatrix out = new RowMatrix(2, 37);
        Kernels.activate(Activation.RELU, h, out);
        for (int b = 0; b < 2; b++) {
            for (int j = 0; j < 37; j++) {
                assertEquals(Float.floatToRawIntBits(h.row(b)[j] > 0f ? h.row(b)[j] : 0f),
                        Float.floatToRawIntBits(out.row(b)[j]), "relu(" + h.row(b)[j] + ")");
            }
        }
    }

    private static void fill(RowMatrix m, Random r) {
        for (int i = 0; i < m.numRows(); i++) {
            for (int j = 0; j < m.numCols(); j++) {
                m.row(i)[j] = value(r);
            }
        }
    }

    @Test
    void wholeRunsGiveTheSameModelBytesWithAndWithoutTheVectorPath() throws Exception {
        assumeTrue(VectorPath.ENABLED, NOT_LOADED);
        List<String> here = runs();
        // a child JVM without the module: the scalar path, silently (no stack trace, no warning)
        Child plain = child(List.of());
        assertEquals(0, plain.exitCode, plain.stderr);
        assertEquals("", plain.stderr.strip(), "nothing printed without the module");
        assertTrue(plain.lines.get(0).startsWith("off (module jdk.incubator.vector not loaded"), plain.lines.get(0));
        assertEquals(here, plain.lines.subList(1, plain.lines.size()));
        // the module loaded but the path switched off by the property
        Child off = child(List.of("--add-modules", "jdk.incubator.vector", "-D" + VectorPath.PROPERTY + "=false"));
        assertEquals(0, off.exitCode, off.stderr);
        assertTrue(off.lines.get(0).startsWith("off (-Dalignstream.vector=false)"), off.lines.get(0));
        assertEquals(here, off.lines.subList(1, off.lines.size()));
    }

    /** Entry point of the child JVMs: the path's status, then one line per run. */
    public static void main(String[] args) throws Exception {
        System.out.println(Kernels.vectorStatus());
        for (String line : runs()) {
            System.out.println(line);
        }
    }

    /**
     * A few hundred tracked steps of bp, align-ada and align-zero at batch 1, 3, 6 and 32 on awkward
     * widths, and at batch 6 and 32 on widths that span the vector kernels' blocks, chunks and tails
     * (300 inputs: five 64-row chunks; 181 = 2 x 64 + 32 + 16 + 5 columns; 270 signals: two
     * 256-row chunks of the backward pass),
     * each summarized by a hash of the model file (live and frozen parameters, alignment
     * accumulators) and the alignment score of layer 1.
     */
    private static List<String> runs() throws NoSuchAlgorithmException {
        List<String> out = new ArrayList<>();
        assertFalse(Kernels.vectorStatus().isEmpty());
        for (RuleName rule : List.of(RuleName.BP, RuleName.ALIGN_ADA, RuleName.ALIGN_ZERO)) {
            for (int batch : new int[] {1, 3, 6, 32}) {
                ModelConfig c = new ModelConfig(new int[] {37, 41, 17, 3}, Activation.RELU, rule, 0.05f, batch, 5L, -0.1f,
                        1f, true);
                Learner learner = new Learner(Model.create(c), Rules.of(rule));
                Random r = new Random(9);
                for (int i = 0; i < 300; i++) {
                    float[] x = new float[37];
                    for (int k = 0; k < x.length; k++) {
                        x[k] = r.nextFloat() < 0.3f ? 0f : r.nextFloat();
                    }
                    learner.observe(Sample.classification(x, r.nextInt(3)));
                }
                Model m = learner.model();
                byte[] hash = MessageDigest.getInstance("SHA-256").digest(ModelFile.toBytes(m));
                out.add(rule.id() + " batch " + batch + " " + HexFormat.of().formatHex(hash) + " score "
                        + Double.doubleToLongBits(m.alignment().score(1, m.live(), m.frozen().initial())));
            }
            for (int batch : new int[] {6, 32}) {
                out.add(run(new int[] {300, 181, 270, 3}, rule, batch, 96));
            }
        }
        return out;
    }

    /** {@code samples} tracked steps on {@code layers}, summarized as in {@link #runs()}. */
    private static String run(int[] layers, RuleName rule, int batch, int samples) throws NoSuchAlgorithmException {
        ModelConfig c = new ModelConfig(layers, Activation.RELU, rule, 0.05f, batch, 5L, -0.1f, 1f, true);
        Learner learner = new Learner(Model.create(c), Rules.of(rule));
        Random r = new Random(11);
        for (int i = 0; i < samples; i++) {
            float[] x = new float[layers[0]];
            for (int k = 0; k < x.length; k++) {
                x[k] = r.nextFloat() < 0.3f ? 0f : r.nextFloat();
            }
            learner.observe(Sample.classification(x, r.nextInt(layers[layers.length - 1])));
        }
        Model m = learner.model();
        byte[] hash = MessageDigest.getInstance("SHA-256").digest(ModelFile.toBytes(m));
        return rule.id() + " " + java.util.Arrays.toString(layers) + " batch " + batch + " "
                + HexFormat.of().formatHex(hash) + " score "
                + Double.doubleToLongBits(m.alignment().score(1, m.live(), m.frozen().initial()));
    }

    private record Child(int exitCode, List<String> lines, String stderr) {
    }

    private static Child child(List<String> jvmOptions) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), VectorKernelsTest.class.getName()));
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        // small outputs: read both streams after exit is safe, but read stdout first to be sure
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish");
        // the JVM's own notice that an incubator module is in use is expected, nothing else
        String errors = stderr.replace("WARNING: Using incubator modules: jdk.incubator.vector", "");
        return new Child(p.exitValue(), stdout.strip().lines().toList(), errors);
    }
}
