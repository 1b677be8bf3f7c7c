package dev.alignstream.cli;

import dev.alignstream.api.AlignstreamServer;
import dev.alignstream.broker.EmbeddedKafkaBroker;
import dev.alignstream.core.Activation;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import dev.alignstream.data.LabelRecord;
import dev.alignstream.data.MnistDataset;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SampleFileReader;
import dev.alignstream.data.SampleJson;
import dev.alignstream.data.SyntheticDataset;
import dev.alignstream.delayed.LabelDelay;
import dev.alignstream.stream.ModelSpec;
import dev.alignstream.stream.ModelStatus;
import dev.alignstream.stream.ServiceConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code demo}: the whole product in one process — a real embedded Kafka broker, the service,
 * three models (bp, align-ada, align-zero) learning the same MNIST stream side by side, live
 * progress, a results table, and the HTTP endpoints kept up for a look around. Ctrl-C at any
 * point stops the service and the broker cleanly and removes the demo's temporary directory.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Starts an embedded Kafka broker (KRaft) and the service, creates three models (bp, align-ada,",
                "align-zero) on one stream, streams MNIST through Kafka, shows live progress and a results table,",
                "then keeps serving HTTP until Ctrl-C (--exit: stop at the end).",
                "MNIST comes from --data; when that file is missing it is fetched as by 'datasets mnist', and when",
                "that fails (no network) generated data is used instead, with a note."})
public final class DemoCommand implements Callable<Integer> {

    static final Path DEFAULT_DATA = Path.of("data", "mnist-train.csv");
    static final String STREAM = "mnist";
    /** Give up when no model has learned anything for this long: something is broken, say so. */
    private static final Duration STALL = Duration.ofSeconds(120);

    @Option(names = "--data", defaultValue = "data/mnist-train.csv",
            description = "dataset to stream (CSV label,x_1..x_n or JSON Lines); data/mnist-train.csv is fetched if missing"
                    + " (default ${DEFAULT-VALUE})")
    Path data;

    @Option(names = "--samples", defaultValue = "0", description = "stream at most this many samples; 0 = all (8,000 for MNIST)")
    int samples;

    @Option(names = "--layers", defaultValue = "784,256,256,10",
            description = "layer sizes; the input and output sizes follow the data (default ${DEFAULT-VALUE})")
    String layers;

    @Option(names = "--lr", defaultValue = "0.2", description = "learning rate; 0.2 was best for every Align rule in the MNIST sweep (default ${DEFAULT-VALUE})")
    float lr;

    @Option(names = "--input-scale", description = "input scale (default 3 for MNIST, whose pixels have mean square"
            + " about 0.11 (SPEC section 1); 1 for generated data)")
    Float inputScale;

    @Option(names = "--target-offset", defaultValue = "-0.1", description = "classification target offset (default ${DEFAULT-VALUE})")
    float targetOffset;

    @Option(names = "--http-port", defaultValue = "8080", description = "HTTP port; a free one if taken (default ${DEFAULT-VALUE})")
    int httpPort;

    @Option(names = "--exit", description = "stop when the data has been learned instead of serving on")
    boolean exit;

    @Option(names = "--label-delay", defaultValue = "0", paramLabel = "N",
            description = {"send each sample without its label and the label N samples later (delayed labels:",
                    "predicted at once, learned when the label comes); 0 = labels with the samples (default)"})
    int labelDelay;

    @Option(names = "--synthetic", description = "use generated data instead of MNIST (no network needed)")
    boolean synthetic;

    private volatile boolean stopRequested;
    private final CountDownLatch stop = new CountDownLatch(1);

    /** The samples to stream and where they came from. */
    private record Dataset(List<Sample> samples, String description, boolean generated) {
    }

    @Override
    public Integer call() throws Exception {
        if (samples < 0) {
            throw new IllegalArgumentException("--samples must be >= 0, got " + samples);
        }
        Dataset dataset = load();
        List<Sample> stream = dataset.samples();
        if (stream.isEmpty()) {
            throw new IllegalArgumentException("no samples in " + data);
        }
        int[] sizes = sizes(stream);
        float scale = inputScale != null ? inputScale : dataset.generated() ? 1f : 3f;
        Path work = Files.createTempDirectory("alignstream-demo");
        CountDownLatch cleanedUp = new CountDownLatch(1);
        // Ctrl-C: ask the demo to stop and give it time to close the service and the broker
        Thread hook = new Thread(() -> {
            stopRequested = true;
            stop.countDown();
            try {
                cleanedUp.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            run(dataset, sizes, scale, work);
            return 0;
        } catch (Exception e) {
            if (stopRequested) {
                System.err.println("stopped");
                return 130;
            }
            throw e;
        } finally {
            deleteRecursively(work);
            cleanedUp.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is exiting; the hook is already running
            }
        }
    }

    private void run(Dataset dataset, int[] sizes, float scale, Path work) throws Exception {
        List<Sample> stream = dataset.samples();
        System.err.println("data: " + dataset.description());
        System.err.println("starting an embedded Kafka broker (KRaft) ...");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(0, work.resolve("kafka"))) {
            System.err.println("broker ready at " + broker.bootstrapServers() + "; starting the service ...");
            ServiceConfig config = ServiceConfig.defaults(broker.bootstrapServers(), work.resolve("state"))
                    .withInstanceId("demo-1").withPartitions(1);
            try (AlignstreamServer server = AlignstreamServer.start(config, portOrFree(httpPort), null, 10,
                    Duration.ofSeconds(90))) {
                String url = "http://127.0.0.1:" + server.httpPort();
                List<ModelSpec> specs = new ArrayList<>();
                for (RuleName r : List.of(RuleName.BP, RuleName.ALIGN_ADA, RuleName.ALIGN_ZERO)) {
                    specs.add(new ModelSpec(r.id(), STREAM, new ModelConfig(sizes, Activation.RELU, r, lr, 1, 7L, targetOffset,
                            scale, true), false));
                }
                for (ModelSpec s : specs) {
                    ModelsCommand.send(KafkaClientOptions.of(broker.bootstrapServers()), config.topics().models(), s.id(),
                            s.toJson());
                }
                awaitDeclared(server, specs.size());
                System.err.printf(Locale.ROOT, "models %s (layers %s, lr %s, input scale %s) on stream '%s'; HTTP on %s%n",
                        String.join(", ", specs.stream().map(ModelSpec::id).toList()), specs.get(0).config().layersString(),
                        lr, scale, STREAM, url);
                System.err.printf(Locale.ROOT, "streaming %d samples into %s ...%n", stream.size(), config.topics().samples());
                Map<String, Double> finishedAt = follow(server, specs, broker.bootstrapServers(), config.topics().samples(),
                        stream);
                server.metrics().refreshAlignment(server.service().registry());
                printTable(server, specs, finishedAt);
                System.out.println("HTTP: " + url + "/models, " + url + "/models/{id}, " + url + "/models/{id}/export, "
                        + url + "/metrics");
                System.out.flush();
                if (!exit && !stopRequested) {
                    System.err.println("serving until Ctrl-C (--exit to stop after the table)");
                    stop.await();
                }
                System.err.println("shutting down ...");
            }
        }
    }

    /**
     * Produces the samples on a background thread and follows the models until each has learned
     * them all, printing progress about once a second. Returns, per model, the seconds it took.
     */
    private Map<String, Double> follow(AlignstreamServer server, List<ModelSpec> specs, String bootstrap, String topic,
                                       List<Sample> stream) throws Exception {
        long start = System.nanoTime();
        AtomicReference<Exception> failed = new AtomicReference<>();
        Thread producer = new Thread(() -> {
            try {
                List<byte[]> records = LabelDelay.interleave(stream, labelDelay, "demo-").stream()
                        .map(e -> e instanceof Sample x ? SampleJson.toJson(x) : SampleJson.toJson((LabelRecord) e))
                        .toList();
                ProduceCommand.sendRecords(KafkaClientOptions.of(bootstrap), topic, STREAM, records, 0,
                        new ProgressBar("", System.err, false));
            } catch (Exception e) {
                failed.set(e);
            }
        }, "demo-producer");
        producer.setDaemon(true);
        producer.start();
        boolean tty = System.console() != null;
        Map<String, Double> finishedAt = new LinkedHashMap<>();
        long lastPrint = 0;
        long lastProgress = System.nanoTime();
        long lastDone = -1;
        while (finishedAt.size() < specs.size()) {
            if (stop.await(100, TimeUnit.MILLISECONDS)) {
                throw new InterruptedException("stopped");
            }
            if (failed.get() != null) {
                throw new IOException("sending samples to Kafka failed: " + failed.get().getMessage(), failed.get());
            }
            long now = System.nanoTime();
            double secs = (now - start) / 1e9;
            long done = Long.MAX_VALUE;
            StringBuilder line = new StringBuilder();
            for (ModelSpec s : specs) {
                long seen = samplesSeen(server, s.id());
                done = Math.min(done, seen);
                if (seen >= stream.size()) {
                    finishedAt.putIfAbsent(s.id(), secs);
                }
                line.append(String.format(Locale.ROOT, "  %s %d acc %s", s.id(), seen,
                        format(server.metrics().accuracy(s.id(), 1000))));
            }
            if (done != lastDone) {
                lastDone = done;
                lastProgress = now;
            } else if (now - lastProgress > STALL.toNanos()) {
                throw new IOException("no model learned anything for " + STALL.toSeconds() + " s (" + line.toString().strip()
                        + "); see the service log above");
            }
            if (now - lastPrint >= 1_000_000_000L || finishedAt.size() == specs.size()) {
                lastPrint = now;
                String msg = String.format(Locale.ROOT, "%6.1f s %6.0f samples/s%s", secs, done / secs, line);
                System.err.print(tty ? "\r" + msg + "   " : msg + "\n");
                System.err.flush();
            }
        }
        if (tty) {
            System.err.println();
        }
        return finishedAt;
    }

    private static long samplesSeen(AlignstreamServer server, String id) {
        ModelStatus st = server.service().registry().status(id);
        return st == null ? 0 : st.samplesSeen();
    }

    private int[] sizes(List<Sample> stream) {
        int[] sizes = ModelConfig.parseLayers(layers);
        int inputs = stream.get(0).features().length;
        int classes = stream.stream().filter(s -> s.label() != null).mapToInt(Sample::label).max().orElse(-1) + 1;
        if (classes == 0) {
            throw new IllegalArgumentException(data + ": the demo needs labelled classification samples");
        }
        sizes[0] = inputs;
        sizes[sizes.length - 1] = Math.max(sizes[sizes.length - 1], classes);
        return sizes;
    }

    private Dataset load() throws Exception {
        if (!synthetic) {
            if (!Files.exists(data) && data.getFileName().toString().equals(DEFAULT_DATA.getFileName().toString())) {
                System.err.println(data + " is missing; fetching MNIST into " + data.toAbsolutePath().getParent()
                        + " (as 'datasets mnist' does) ...");
                try {
                    MnistDataset.prepare(data.toAbsolutePath().getParent(), MnistDataset.defaultCache(), System.err::println);
                } catch (IOException | RuntimeException e) {
                    System.err.println("note: MNIST could not be fetched (" + e.getMessage() + ").");
                    System.err.println("note: using GENERATED data instead (a random teacher network's labels on Gaussian"
                            + " inputs); the numbers below are not MNIST's. Run 'datasets mnist' when online.");
                    synthetic = true;
                }
            }
            if (!synthetic) {
                if (!Files.exists(data)) {
                    throw new IOException("dataset " + data + " does not exist");
                }
                List<Sample> all = SampleFileReader.read(data, -1, -1);
                return new Dataset(limit(all), all.size() + " samples from " + data + (limit(all).size() < all.size()
                        ? ", streaming the first " + limit(all).size() : ""), false);
            }
        }
        int n = samples > 0 ? samples : MnistDataset.TRAIN;
        return new Dataset(SyntheticDataset.teacher(n, MnistDataset.PIXELS, 10, 1L),
                n + " generated samples (784 inputs, 10 classes)", true);
    }

    private List<Sample> limit(List<Sample> all) {
        return samples > 0 && samples < all.size() ? all.subList(0, samples) : all;
    }

    private static void awaitDeclared(AlignstreamServer server, int n) throws IOException, InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (server.service().registry().models().size() < n) {
            if (System.nanoTime() > end) {
                throw new IOException("the service did not see the demo's " + n + " models within 30 s");
            }
            Thread.sleep(100);
        }
    }

    private static void printTable(AlignstreamServer server, List<ModelSpec> specs, Map<String, Double> finishedAt) {
        System.out.println();
        System.out.printf(Locale.ROOT, "%-11s %8s %12s %10s %10s %8s  %s%n", "model", "samples", "prequential", "last 1000",
                "samples/s", "step ms", "alignment score per layer");
        for (ModelSpec s : specs) {
            long seen = samplesSeen(server, s.id());
            double[] a = server.metrics().alignment(s.id());
            StringBuilder al = new StringBuilder();
            for (int l = 1; l < a.length; l++) {
                al.append(l == 1 ? "" : " ").append(format(a[l]));
            }
            double secs = finishedAt.getOrDefault(s.id(), Double.NaN);
            System.out.printf(Locale.ROOT, "%-11s %8d %12s %10s %10.0f %8.3f  %s%n", s.id(), seen,
                    format(server.metrics().accuracy(s.id(), 0)), format(server.metrics().accuracy(s.id(), 1000)),
                    seen / secs, server.metrics().meanStepSeconds(s.id()) * 1e3, al);
        }
        System.out.println("prequential: accuracy over the whole stream, each sample predicted before it was learned;"
                + " samples/s: through Kafka, end to end; step ms: predict + learn on the stream thread");
    }

    private static String format(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "n/a";
    }

    private static int portOrFree(int port) {
        if (port == 0) {
            return 0;
        }
        try (ServerSocket s = new ServerSocket(port)) {
            return port;
        } catch (IOException e) {
            System.err.println("port " + port + " is taken; using a free one");
            return 0;
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("note: could not remove " + dir + ": " + e.getMessage());
        }
    }
}
