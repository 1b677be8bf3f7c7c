import dev.alignstream.core.Learner;
import dev.alignstream.core.Model;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SampleFileReader;
import dev.alignstream.rules.Rules;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;

/**
 * What a batch-1 step of three models costs when they share the machine's two cores, without
 * Kafka: the learning core alone, on MNIST digits, each way of placing the steps measured by the
 * wall time of each {@code Learner.observe} call. It separates what the cores' sharing costs a
 * step (caches, memory) from what the service adds around it (scripts/e2e-models-per-stream.sh
 * with {@code PROFILE=1} measures the same step inside the service).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp target/alignstream.jar scripts/StepContention.java \
 *     [records] [layers] [rule]
 * </pre>
 *
 * Ways, each after the same single-threaded warm-up of every model:
 * <ul>
 *   <li>{@code one}: one model on one thread, the other core idle;</li>
 *   <li>{@code three-one-thread}: the three models one after another on one thread;</li>
 *   <li>{@code three-pinned}: model 0 on thread 0, models 1 and 2 on thread 1, the threads
 *       meeting at a barrier before each record (as a record's steps are handed out);</li>
 *   <li>{@code three-migrating}: the same, but each model's step moves to the other thread on
 *       every record (its weights change cores every step).</li>
 * </ul>
 * Models are 784-256-256-10 align-ada by default (the service measurement's), seeds 7, 8, 9,
 * learning rate 0.2, input scale 3, target offset -0.1, alignment tracking off. Needs
 * {@code data/mnist-train.csv} ({@code java -jar target/alignstream.jar datasets mnist --out data}).
 */
public final class StepContention {

    public static void main(String[] args) throws Exception {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        String layers = args.length > 1 ? args[1] : "784,256,256,10";
        String rule = args.length > 2 ? args[2] : "align-ada";
        int[] n = ModelConfig.parseLayers(layers);
        List<Sample> data = SampleFileReader.read(Path.of("data/mnist-train.csv"), n[0], n[n.length - 1]);
        System.out.printf("%s %s, batch 1, %d records per way, mean wall time of one step:%n", rule, layers, records);
        for (String way : List.of("one", "three-one-thread", "three-pinned", "three-migrating")) {
            Learner[] models = new Learner[3];
            for (int m = 0; m < 3; m++) {
                models[m] = learner(layers, rule, 7 + m);
            }
            for (int k = 0; k < 6_000; k++) {
                for (Learner l : models) {
                    l.observe(data.get(k % data.size()));
                }
            }
            System.out.printf("  %-17s %6.1f us%n", way, run(way, models, data, records));
        }
    }

    /** Mean microseconds per step over both threads. */
    private static double run(String way, Learner[] models, List<Sample> data, int records) throws InterruptedException {
        long[] nanos = new long[2];
        long[] steps = new long[2];
        CyclicBarrier barrier = new CyclicBarrier(2);
        boolean twoThreads = way.startsWith("three-") && !way.equals("three-one-thread");
        Thread[] threads = new Thread[twoThreads ? 2 : 1];
        for (int t = 0; t < threads.length; t++) {
            final int me = t;
            threads[t] = new Thread(() -> {
                for (int k = 0; k < records; k++) {
                    Sample s = data.get(k % data.size());
                    if (twoThreads) {
                        await(barrier);
                    }
                    for (int m = 0; m < (way.equals("one") ? 1 : 3); m++) {
                        int owner = !twoThreads ? 0 : way.equals("three-pinned") ? (m == 0 ? 0 : 1) : (k + m) % 2;
                        if (owner == me) {
                            long t0 = System.nanoTime();
                            models[m].observe(s);
                            nanos[me] += System.nanoTime() - t0;
                            steps[me]++;
                        }
                    }
                }
            });
        }
        for (Thread t : threads) {
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        return (nanos[0] + nanos[1]) / 1e3 / (steps[0] + steps[1]);
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (InterruptedException | BrokenBarrierException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Learner learner(String layers, String rule, long seed) {
        ModelConfig c = ModelConfig.fromMetadata(Map.of("layers", layers, "rule", rule, "learning_rate", "0.2",
                "input_scale", "3", "target_offset", "-0.1", "track_alignment", "false", "seed", Long.toString(seed)));
        return new Learner(Model.create(c), Rules.of(c.rule()));
    }
}
