package dev.alignstream.core;

import dev.alignstream.rules.Rules;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Micro-benchmarks of the learning step's kernels on one 1024 x 1024 layer (the hidden layer of
 * the 784-1024-1024-10 benchmark network), per batch size, and of a whole align-ada step with
 * alignment tracking. Not part of the test run: build with {@code mvn -Pjmh -DskipTests package},
 * run with {@code java -cp target/alignstream.jar org.openjdk.jmh.Main KernelsBenchmark}.
 *
 * <p>Inputs are shaped like the benchmark's: activities are relu outputs (about half zero), the
 * gate's pre-activations half positive, so the kernels' zero skipping is exercised as in a step.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector") // the vector kernels, as deployed
public class KernelsBenchmark {

    private static final int N = 1024;

    @Param({"1", "32"})
    public int batch;

    private RowMatrix weightT;
    private RowMatrix activity;
    private RowMatrix signal;
    private RowMatrix gate;
    private RowMatrix out;
    private RowMatrix tile;
    private RowMatrix tileAcc;
    private float[] bias;
    private float[] products;
    private int[] nonzero;
    private float[] dots;
    private Learner learner;
    private float[][] xs;
    private float[][] ts;
    private int cursor;

    @Setup(Level.Trial)
    public void setUp() {
        Random r = new Random(1);
        weightT = new RowMatrix(N, N);
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) {
                weightT.row(i)[j] = (float) r.nextGaussian();
            }
        }
        activity = new RowMatrix(batch, N);
        signal = new RowMatrix(batch, N);
        gate = new RowMatrix(batch, N);
        out = new RowMatrix(batch, N);
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < N; j++) {
                float h = (float) r.nextGaussian();
                gate.row(b)[j] = h;
                activity.row(b)[j] = Math.max(h, 0f);
                signal.row(b)[j] = (float) r.nextGaussian() * 1e-3f;
            }
        }
        tile = new RowMatrix(16, 512);
        tileAcc = new RowMatrix(batch, 512);
        bias = new float[N];
        products = new float[N];
        nonzero = new int[N];
        dots = new float[N];
        ModelConfig c = new ModelConfig(new int[] {784, 1024, 1024, 10}, Activation.RELU, RuleName.ALIGN_ADA, 0.01f,
                batch, 7L, -0.1f, 1f, true);
        Model model = Model.create(c);
        learner = new Learner(model, Rules.of(RuleName.ALIGN_ADA));
        xs = new float[256][784];
        ts = new float[256][10];
        for (int i = 0; i < xs.length; i++) {
            for (int j = 0; j < 784; j++) {
                xs[i][j] = r.nextFloat();
            }
            java.util.Arrays.fill(ts[i], -0.1f);
            ts[i][r.nextInt(10)] += 1f;
        }
    }

    /** Forward affine map of one layer: {@code H = A WT * s + b} (row combination, zero inputs skipped). */
    @Benchmark
    public RowMatrix forward() {
        Kernels.affine(activity, weightT, bias, 0.03125f, nonzero, out);
        return out;
    }

    /** Backward product through the transposed weight: dot products (batch 1, Vector API) or the tiled transpose (batches). */
    @Benchmark
    public RowMatrix backward() {
        Kernels.backwardTransposed(weightT, signal, 0.03125f, gate, Activation.RELU, tile, tileAcc, products, nonzero,
                dots, out);
        return out;
    }

    /** Outer-product update {@code WT += alpha U^T G} (the weights change a little each call; harmless). */
    @Benchmark
    public RowMatrix update() {
        Kernels.addOuter(weightT, 1e-9f, activity, signal);
        return weightT;
    }

    /** One whole align-ada learning step with alignment tracking, 784-1024-1024-10. */
    @Benchmark
    public Object alignAdaTrackedStep() {
        for (int b = 0; b < batch; b++) {
            int i = cursor++ & 255;
            learner.model().pending().add(xs[i], ts[i]);
        }
        return learner.flush();
    }
}
