package dev.alignstream.cli;

import dev.alignstream.api.AlignstreamServer;
import dev.alignstream.broker.EmbeddedKafkaBroker;
import dev.alignstream.core.Activation;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import dev.alignstream.data.MnistDataset;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SampleFileReader;
import dev.alignstream.data.SyntheticDataset;
import dev.alignstream.stream.ModelSpec;
import dev.alignstream.stream.ModelStatus;
import dev.alignstream.stream.ServiceConfig;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code demo}: the whole product in one process — a real embedded Kafka broker, the service,
 * three models (bp, align-ada, align-zero) learning the same MNIST stream side by side, live
 * progress, a results table, and the HTTP endpoints kept up for a look around.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Starts an embedded Kafka broker (KRaft) and the service, creates three models (bp, align-ada,",
                "align-zero) on one stream, streams MNIST through Kafka, shows live progress and a results table,",
                "then keeps serving until Ctrl-C (--exit to stop at the end)."})
public final class DemoCommand implements Callable<Integer> {

    @Option(names = "--data", defaultValue = "data/mnist-train.csv",
            description = "dataset to stream; fetched with 'datasets mnist' if missing (default ${DEFAULT-VALUE})")
    Path data;

    @Option(names = "--samples", defaultValue = "0", description = "stream at most this many samples, 0 = all")
    int samples;

    @Option(names = "--layers", defaultValue = "784,256,256,10", description = "hidden sizes for MNIST (default ${DEFAULT-VALUE})")
    String layers;

    @Option(names = "--lr", defaultValue = "0.2", description = "learning rate (default ${DEFAULT-VALUE})")
    float lr;

    @Option(names = "--http-port", defaultValue = "8080", description = "HTTP port; a free one if taken (default ${DEFAULT-VALUE})")
    int httpPort;

    @Option(names = "--exit", description = "stop when the data has been learned instead of serving on")
    boolean exit;

    @Option(names = "--synthetic", description = "use generated data instead of MNIST (no network needed)")
    boolean synthetic;

    @Override
    public Integer call() throws Exception {
        List<Sample> stream = load();
        int inputs = stream.get(0).features().length;
        int[] sizes = ModelConfig.parseLayers(layers);
        sizes[0] = inputs;
        int classes = stream.stream().mapToInt(Sample::label).max().orElse(1) + 1;
        sizes[sizes.length - 1] = Math.max(sizes[sizes.length - 1], classes);
        float inputScale = synthetic ? 1f : 3f;
        Path work = Files.createTempDirectory("alignstream-demo");
        System.err.println("starting an embedded Kafka broker (KRaft) ...");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(0, work.resolve("kafka"))) {
            System.err.println("broker ready at " + broker.bootstrapServers() + "; starting the service ...");
            ServiceConfig config = ServiceConfig.defaults(broker.bootstrapServers(), work.resolve("state"))
                    .withInstanceId("demo-1").withPartitions(1);
            try (AlignstreamServer server = AlignstreamServer.start(config, portOrFree(httpPort), null, 10,
                    Duration.ofSeconds(90))) {
                List<ModelSpec> specs = new ArrayList<>();
                for (RuleName r : List.of(RuleName.BP, RuleName.ALIGN_ADA, RuleName.ALIGN_ZERO)) {
                    specs.add(new ModelSpec(r.id(), "mnist", new ModelConfig(sizes, Activation.RELU, r, lr, 1, 7L, -0.1f,
                            inputScale, true), false));
                }
                for (ModelSpec s : specs) {
                    ModelsCommand.send(broker.bootstrapServers(), config.topics().models(), s.id(), s.toJson());
                }
                waitDeclared(server, specs.size());
                System.err.printf(Locale.ROOT, "streaming %d samples into %s (stream 'mnist'); HTTP on http://127.0.0.1:%d%n",
                        stream.size(), config.topics().samples(), server.httpPort());
                long start = System.nanoTime();
                AtomicReference<Exception> failed = new AtomicReference<>();
                Thread producer = new Thread(() -> {
                    try {
                        ProduceCommand.send(broker.bootstrapServers(), config.topics().samples(), "mnist", stream, 0,
                                new ProgressBar("", System.err, false));
                    } catch (Exception e) {
                        failed.set(e);
                    }
                }, "demo-producer");
                producer.start();
                boolean tty = System.console() != null;
                while (true) {
                    Thread.sleep(1000);
                    if (failed.get() != null) {
                        throw failed.get();
                    }
                    long done = Long.MAX_VALUE;
                    StringBuilder line = new StringBuilder();
                    for (ModelSpec s : specs) {
                        ModelStatus st = server.service().registry().status(s.id());
                        long seen = st == null ? 0 : st.samplesSeen();
                        done = Math.min(done, seen);
                        line.append(String.format(Locale.ROOT, "  %s %5d acc %.3f", s.id(), seen,
                                server.metrics().accuracy(s.id(), 1000)));
                    }
                    double secs = (System.nanoTime() - start) / 1e9;
                    String msg = String.format(Locale.ROOT, "%5.1f s %6.0f samples/s%s", secs, done / secs, line);
                    System.err.print(tty ? "\r" + msg : msg + "\n");
                    if (done >= stream.size()) {
                        System.err.println();
                        break;
                    }
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                server.metrics().refreshAlignment(server.service().registry());
                printTable(server, specs, stream.size(), seconds);
                if (!exit) {
                    System.out.println("serving at http://127.0.0.1:" + server.httpPort()
                            + " (/models, /models/{id}/export, /metrics); Ctrl-C to stop");
                    CountDownLatch forever = new CountDownLatch(1);
                    Runtime.getRuntime().addShutdownHook(new Thread(forever::countDown));
                    forever.await();
                }
            }
        }
        return 0;
    }

    private List<Sample> load() throws Exception {
        List<Sample> all = null;
        if (!synthetic) {
            if (!Files.exists(data)) {
                try {
                    MnistDataset.prepare(data.toAbsolutePath().getParent(), MnistDataset.defaultCache(), System.err::println);
                } catch (Exception e) {
                    System.err.println("MNIST unavailable (" + e.getMessage() + "); using generated data instead");
                    synthetic = true;
                }
            }
            if (!synthetic) {
                all = SampleFileReader.read(data, -1, -1);
            }
        }
        if (all == null) {
            all = SyntheticDataset.teacher(samples > 0 ? samples : 8000, 784, 10, 1L);
        }
        return samples > 0 && samples < all.size() ? all.subList(0, samples) : all;
    }

    private static void waitDeclared(AlignstreamServer server, int n) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (server.service().registry().models().size() < n && System.nanoTime() < end) {
            Thread.sleep(100);
        }
    }

    private static void printTable(AlignstreamServer server, List<ModelSpec> specs, int total, double seconds) {
        System.out.println();
        System.out.printf(Locale.ROOT, "%-11s %8s %12s %14s  %s%n", "model", "samples", "prequential", "last 1000",
                "alignment score per layer");
        for (ModelSpec s : specs) {
            ModelStatus st = server.service().registry().status(s.id());
            double[] a = server.metrics().alignment(s.id());
            StringBuilder al = new StringBuilder();
            for (int l = 1; l < a.length; l++) {
                al.append(String.format(Locale.ROOT, "%s%.3f", l == 1 ? "" : " ", a[l]));
            }
            System.out.printf(Locale.ROOT, "%-11s %8d %12.4f %14.4f  %s%n", s.id(), st == null ? 0 : st.samplesSeen(),
                    server.metrics().accuracy(s.id(), 0), server.metrics().accuracy(s.id(), 1000), al);
        }
        System.out.printf(Locale.ROOT, "%d samples through Kafka in %.1f s: %.0f samples/s per model (%d models)%n", total,
                seconds, total / seconds, specs.size());
    }

    private static int portOrFree(int port) {
        try (ServerSocket s = new ServerSocket(port)) {
            return port;
        } catch (Exception e) {
            return 0;
        }
    }
}
