package dev.alignstream.metrics;

import dev.alignstream.core.AlignmentGauges;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.alignstream.core.Prediction;
import dev.alignstream.data.BadRecordReason;
import dev.alignstream.data.DataEvent;
import dev.alignstream.data.Sample;
import dev.alignstream.stream.LearningListener;
import dev.alignstream.stream.ModelRegistry;
import dev.alignstream.stream.ModelSpec;
import dev.alignstream.stream.ModelStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The service's Micrometer meters, served in Prometheus format at {@code /metrics}: per-model
 * learning meters ({@link ModelMeters}), dead letters by reason, records in and out, Kafka
 * Streams client metrics and JVM/process metrics. Listens to the stream threads through
 * {@link LearningListener}; the alignment gauges, which cost a matrix product per layer, are
 * recomputed periodically on a background thread from consistent model copies.
 */
public final class LearningMetrics implements LearningListener, AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, ModelMeters> models = new ConcurrentHashMap<>();
    private final Map<String, Counter> deadLetters = new ConcurrentHashMap<>();
    private final Map<String, StreamMeters> streams = new ConcurrentHashMap<>();
    /** Label delay buckets: 100 ms to one day in 1-3-10 steps, 15 series per stream. */
    static final Duration[] LABEL_DELAY_BUCKETS = {Duration.ofMillis(100), Duration.ofMillis(300), Duration.ofSeconds(1),
        Duration.ofSeconds(3), Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(3),
        Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofHours(3), Duration.ofHours(10),
        Duration.ofDays(1)};
    private final Map<String, Counter> samplesRefused = new ConcurrentHashMap<>();
    private final Map<String, Counter> modelsRefused = new ConcurrentHashMap<>();
    private final Counter recordsIn;
    private final Counter recordsOut;
    private final ScheduledExecutorService background;
    private final ModelRegistry modelRegistry;
    private KafkaStreamsMetrics streamsMetrics;

    /**
     * @param modelRegistry      where consistent model copies come from
     * @param alignmentPeriodSec how often the alignment gauges are recomputed (0: never)
     */
    public LearningMetrics(ModelRegistry modelRegistry, int alignmentPeriodSec) {
        this.modelRegistry = modelRegistry;
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        recordsIn = Counter.builder("alignstream.records.in").description("records read from the samples topic")
                .register(registry);
        recordsOut = Counter.builder("alignstream.records.out").description("prediction and dead-letter records written")
                .register(registry);
        // every known reason from the start at 0: the first dead letter then shows in rate(), and
        // a healthy service visibly has none
        for (BadRecordReason r : BadRecordReason.values()) {
            deadLetterCounter(r.id());
        }
        for (String kind : new String[] {"unfit", "memory"}) {
            onModelRefused0(kind);
        }
        background = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "alignstream-alignment-gauges");
            t.setDaemon(true);
            return t;
        });
        if (alignmentPeriodSec > 0) {
            background.scheduleWithFixedDelay(() -> refreshAlignment(modelRegistry), alignmentPeriodSec,
                    alignmentPeriodSec, TimeUnit.SECONDS);
        }
    }

    /** Adds the Kafka Streams client metrics (consumer lag, commit rates, ...). */
    public void bind(KafkaStreams streams) {
        streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }

    /** Sets one model's alignment gauges from figures computed off the stream thread. */
    public void refresh(String modelId, AlignmentGauges gauges) {
        ModelMeters m = models.get(modelId);
        if (m != null) {
            m.refresh(gauges);
        }
    }

    /** Recomputes every local model's alignment gauges now. */
    public void refreshAlignment(ModelRegistry modelRegistry) {
        for (String id : models.keySet()) {
            if (!modelRegistry.isLocal(id)) {
                continue;
            }
            try {
                refresh(id, modelRegistry.alignmentGauges(id, java.time.Duration.ofSeconds(60)));
            } catch (Exception ignored) {
                // the model moved or is busy; the gauges keep their last values
            }
        }
    }


    @Override
    public void onModelAdded(ModelSpec spec) {
        streamMeters(spec.stream());
        ModelMeters m = models.computeIfAbsent(spec.id(), id -> new ModelMeters(registry, spec));
        // a model restored here after a restart or rebalance shows its real count before its next sample
        ModelStatus status = modelRegistry.status(spec.id());
        if (status != null) {
            m.seedSamplesSeen(status.samplesSeen());
        }
    }

    @Override
    public void onModelRemoved(String modelId) {
        ModelMeters m = models.remove(modelId);
        if (m != null) {
            m.remove();
        }
    }

    @Override
    public void onPrediction(ModelSpec spec, DataEvent sample, Prediction prediction, long stepNanos) {
        ModelMeters m = models.computeIfAbsent(spec.id(), id -> new ModelMeters(registry, spec));
        m.record(prediction, sample instanceof Sample s && s.label() != null, stepNanos);
        recordsOut.increment();
    }

    @Override
    public void onSampleRefused(ModelSpec spec, String reason) {
        // reasons are BadRecordReason ids and models are bounded by the declarations: bounded series
        samplesRefused.computeIfAbsent(spec.id() + "|" + reason, k -> Counter.builder("alignstream.model.samples.refused")
                .description("samples a model could not use while other models of its stream learned them, by reason")
                .tags("model", spec.id(), "stream", spec.stream(), "reason", reason).register(registry)).increment();
    }

    @Override
    public void onModelRefused(ModelSpec spec, String kind, String reason) {
        onModelRefused0(kind);
        modelsRefused.get(kind).increment();
    }

    @Override
    public void onDeadLetter(String reason) {
        deadLetterCounter(reason).increment();
        recordsOut.increment();
    }

    private void onModelRefused0(String kind) {
        modelsRefused.computeIfAbsent(kind, k -> Counter.builder("alignstream.models.refused")
                .description("models refused on this instance: unfit for their stream, or over the memory budget")
                .tag("kind", k).register(registry));
    }

    private Counter deadLetterCounter(String reason) {
        // reasons come from BadRecordReason ids, a closed set, so the label stays bounded
        return deadLetters.computeIfAbsent(reason, r -> Counter.builder("alignstream.dead.letters")
                .description("records sent to the dead-letter topic, by reason").tag("reason", r).register(registry));
    }

    @Override
    public void onPending(String stream, int waiting) {
        streamMeters(stream).pending.set(waiting);
    }

    @Override
    public void onExpired(String stream) {
        streamMeters(stream).expired.increment();
    }

    @Override
    public void onLabelDelay(String stream, long delayMillis) {
        streamMeters(stream).labelDelay.record(Duration.ofMillis(Math.max(0, delayMillis)));
    }

    /** Delayed-label meters of one stream (streams with a model only, so the tag stays bounded). */
    private record StreamMeters(AtomicInteger pending, Counter expired, Timer labelDelay) {
    }

    private StreamMeters streamMeters(String stream) {
        return streams.computeIfAbsent(stream, s -> {
            AtomicInteger pending = new AtomicInteger();
            Gauge.builder("alignstream.pending.samples", pending, AtomicInteger::get)
                    .description("samples served and waiting for their delayed label").tag("stream", s).register(registry);
            Counter expired = Counter.builder("alignstream.expired.samples")
                    .description("samples that expired before their delayed label came").tag("stream", s).register(registry);
            Timer delay = Timer.builder("alignstream.label.delay")
                    .description("record time from a sample to its delayed label").tag("stream", s)
                    .serviceLevelObjectives(LABEL_DELAY_BUCKETS).register(registry);
            return new StreamMeters(pending, expired, delay);
        });
    }

    @Override
    public void onRecordIn() {
        recordsIn.increment();
    }

    /** Prequential windows and alignment scores of a model, for {@code GET /models/{id}}. */
    public ObjectNode details(String modelId) {
        ModelMeters m = models.get(modelId);
        if (m == null) {
            return null;
        }
        ObjectNode o = JSON.createObjectNode();
        putNumber(o, "prequential_accuracy_100", m.window(100).accuracy());
        putNumber(o, "prequential_accuracy_1000", m.window(1000).accuracy());
        putNumber(o, "prequential_loss_100", m.window(100).loss());
        putNumber(o, "prequential_loss_1000", m.window(1000).loss());
        putNumber(o, "prequential_accuracy_total", m.totalAccuracy());
        if (m.alignmentComputed()) {
            ObjectNode a = o.putObject("alignment");
            for (int l = 1; l <= m.layers(); l++) {
                ObjectNode layer = a.putObject(m.layerName(l));
                putNumber(layer, "score", m.score(l));
                putNumber(layer, "baseline", m.baseline(l));
                putNumber(layer, "weight_change_norm", m.changeNorm(l));
            }
        }
        return o;
    }

    /** Prequential accuracy of a model over the last {@code window} (100 or 1000) samples, or 0 for all. */
    public double accuracy(String modelId, int window) {
        ModelMeters m = models.get(modelId);
        if (m == null) {
            return Double.NaN;
        }
        return window == 0 ? m.totalAccuracy() : m.window(window).accuracy();
    }

    /** Mean time one predict-and-learn call of a model takes on its stream thread, in seconds (NaN if unknown). */
    public double meanStepSeconds(String modelId) {
        ModelMeters m = models.get(modelId);
        return m == null ? Double.NaN : m.meanStepSeconds();
    }

    /** The last computed alignment score of each layer (index 0 unused; NaN until computed). */
    public double[] alignment(String modelId) {
        ModelMeters m = models.get(modelId);
        if (m == null) {
            return new double[0];
        }
        double[] out = new double[m.layers() + 1];
        for (int l = 1; l < out.length; l++) {
            out[l] = m.score(l);
        }
        return out;
    }

    private static void putNumber(ObjectNode o, String k, double v) {
        if (Double.isFinite(v)) {
            o.put(k, v);
        } else {
            o.putNull(k);
        }
    }

    @Override
    public void close() {
        background.shutdownNow();
        if (streamsMetrics != null) {
            streamsMetrics.close();
        }
        registry.close();
    }
}
