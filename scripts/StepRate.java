import dev.alignstream.core.Activation;
import dev.alignstream.core.Learner;
import dev.alignstream.core.Model;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import dev.alignstream.rules.Rules;
import java.util.Arrays;
import java.util.Random;

/**
 * One model's learning step rate in one JVM, for comparing two builds of the learning core
 * against each other: run it with each build's jar in turn, alternating, several times, and
 * compare the medians (the machine drifts by tens of percent between runs minutes apart, so a
 * single pair decides nothing). The step is what {@code bench} times (features uniform in
 * [0, 1), targets one-hot minus 0.1, {@code Learner.flush} of one sample at a time), without the
 * numpy peer; 13 rounds of 0.7 s, the first 3 dropped as warm-up, median and range of the rest.
 *
 * <pre>
 * for i in 1 2 3 4; do for jar in /tmp/old.jar /tmp/new.jar; do
 *   java --add-modules jdk.incubator.vector -cp $jar scripts/StepRate.java align-ada
 * done; done
 * </pre>
 *
 * Arguments: rule ({@code bp}, {@code align-ada}, ...), then optionally the layers (default
 * {@code 784,1024,1024,10}), the batch size (default 1) and {@code tracked} for alignment
 * tracking on (default off).
 */
public final class StepRate {

    public static void main(String[] args) {
        RuleName rule = RuleName.parse(args[0]);
        int[] layers = Arrays.stream((args.length > 1 ? args[1] : "784,1024,1024,10").split(","))
                .mapToInt(Integer::parseInt).toArray();
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        boolean tracked = args.length > 3 && args[3].equals("tracked");
        ModelConfig c = new ModelConfig(layers, Activation.RELU, rule, 0.01f, batch, 7L, -0.1f, 1f, tracked);
        Model model = Model.create(c);
        Learner learner = new Learner(model, Rules.of(rule));
        Random r = new Random(0);
        int pool = 4096;
        float[][] xs = new float[pool][layers[0]];
        float[][] ts = new float[pool][layers[layers.length - 1]];
        for (int i = 0; i < pool; i++) {
            for (int j = 0; j < xs[i].length; j++) {
                xs[i][j] = r.nextFloat();
            }
            Arrays.fill(ts[i], -0.1f);
            ts[i][r.nextInt(ts[i].length)] += 1f;
        }
        double[] rates = new double[10];
        int next = 0;
        for (int round = 0; round < 13; round++) {
            long start = System.nanoTime();
            long samples = 0;
            while (System.nanoTime() - start < 700_000_000L) {
                for (int b = 0; b < batch; b++) {
                    int i = next++ % pool;
                    model.pending().add(xs[i], ts[i]);
                }
                String rejected = learner.flush();
                if (rejected != null) {
                    throw new IllegalStateException("step rejected: " + rejected);
                }
                samples += batch;
            }
            if (round >= 3) {
                rates[round - 3] = samples / ((System.nanoTime() - start) / 1e9);
            }
        }
        Arrays.sort(rates);
        System.out.printf(java.util.Locale.ROOT, "%s %s batch %d%s: median %.0f samples/s (%.0f-%.0f)%n", rule.id(),
                c.layersString(), batch, tracked ? " tracked" : "", (rates[4] + rates[5]) / 2, rates[0], rates[9]);
    }
}
