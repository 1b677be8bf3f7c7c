package dev.alignstream.stream;

import dev.alignstream.core.Model;
import dev.alignstream.core.Prediction;
import dev.alignstream.data.BadRecordException;
import dev.alignstream.data.BadRecordReason;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SampleJson;
import java.time.Duration;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * The Kafka adapter of one stream task: for each sample record it finds the stream's models
 * ({@link DeclaredModels}), has them learn it ({@link TaskModels}), forwards one prediction per
 * model that used it, and dead-letters what no model can use ({@link DeadLetters}); when the
 * declarations changed it reconciles first ({@link ModelReconciler}). It also runs the HTTP
 * threads' requests for a model between two records, so no reader sees half a step.
 *
 * <p>Exactly-once without writing multi-megabyte models on every sample: each used sample (and
 * each run-time change) is appended to its stream's {@link Journal}, and each model is written
 * as a {@link SnapshotStore snapshot} every {@code snapshotEvery} journal positions (staggered
 * across a stream's models). Both are changelogged stores that Kafka Streams commits atomically
 * with the input offsets and the outputs. After a crash or a move, {@link #init} rebuilds every
 * model from its snapshot and the journal after it; learning is deterministic, so the result is
 * bit-identical to never having stopped. The contracts are on {@link TaskModels},
 * {@link ModelReconciler} and {@link DeadLetters}.
 */
final class LearningProcessor implements Processor<String, byte[], String, byte[]>, ModelRegistry.Owner {

    static final String JOURNAL_STORE = "alignstream-journal";
    static final String SNAPSHOT_STORE = "alignstream-snapshots";
    static final String MODELS_STORE = "alignstream-models";
    static final String PREDICTIONS = "predictions";
    static final String DEAD_LETTERS = "dead-letters";
    static final int DEAD_LETTER_MAX_VALUE = DeadLetters.MAX_VALUE;

    /**
     * Largest sample record accepted: under the broker's default 1 MB message limit with room for
     * the dead-letter headers, so an oversize record can still be dead-lettered with its bytes.
     */
    static final int MAX_SAMPLE_BYTES = 900 * 1024;

    private final ModelRegistry registry;
    private final MemoryBudget budget;
    private final int snapshotEvery;
    private final ConcurrentLinkedQueue<Runnable> requests = new ConcurrentLinkedQueue<>();
    private ProcessorContext<String, byte[]> context;
    private TaskModels models;
    private ModelReconciler reconciler;
    private DeadLetters deadLetters;
    private long reconciledVersion = -1;
    private Record<String, byte[]> current;
    private final TaskModels.Output output = this::forwardPrediction;

    LearningProcessor(ModelRegistry registry, MemoryBudget budget, int snapshotEvery) {
        this.registry = registry;
        this.budget = budget;
        this.snapshotEvery = snapshotEvery;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        // Kafka Streams re-initializes the same processor after a corrupted task is revived:
        // whatever was in memory may be ahead of the committed state, so start from the stores
        if (models != null) {
            models.close();
        }
        requests.clear();
        models = new TaskModels(registry, this, budget, new Journal(context.getStateStore(JOURNAL_STORE)),
                new SnapshotStore(context.getStateStore(SNAPSHOT_STORE)), snapshotEvery);
        reconciler = new ModelReconciler(models, registry);
        deadLetters = new DeadLetters(context, DEAD_LETTERS, registry.listeners());
        DeclaredModels.View declared = registry.declarations().view();
        models.restore(declared);
        reconciler.reconcile(declared);
        reconciledVersion = declared.version();
        context.schedule(Duration.ofMillis(200), PunctuationType.WALL_CLOCK_TIME, t -> {
            drainRequests();
            reconcileIfChanged();
        });
    }

    private DeclaredModels.View reconcileIfChanged() {
        DeclaredModels.View declared = registry.declarations().view();
        if (declared.version() != reconciledVersion) {
            reconciler.reconcile(declared);
            reconciledVersion = declared.version();
        }
        return declared;
    }

    @Override
    public void process(Record<String, byte[]> record) {
        for (LearningListener l : registry.listeners()) {
            l.onRecordIn();
        }
        drainRequests();
        DeclaredModels.View declared = reconcileIfChanged();
        String stream = record.key();
        if (!isStreamId(stream)) {
            deadLetters.write(record, BadRecordReason.MALFORMED_JSON, "the record key must be a stream id");
            return;
        }
        // a stream no model consumes costs one lookup and leaves nothing behind
        List<DeclaredModels.Declaration> ofStream = declared.ofStream(stream);
        if (ofStream == null) {
            deadLetters.write(record, BadRecordReason.NO_MODEL, "no model consumes stream '" + stream + "'");
            return;
        }
        byte[] value = record.value();
        Sample sample;
        try {
            if (value != null && value.length > MAX_SAMPLE_BYTES) {
                throw new BadRecordException(BadRecordReason.OVERSIZE, "record of " + value.length + " bytes exceeds "
                        + MAX_SAMPLE_BYTES);
            }
            sample = SampleJson.parse(value);
        } catch (BadRecordException e) {
            deadLetters.write(record, e.reason(), e.getMessage());
            return;
        }
        TreeMap<String, TaskModels.Live> live = models.modelsOf(stream, declared, ofStream);
        if (live == null || live.isEmpty()) {
            deadLetters.write(record, BadRecordReason.NO_MODEL, "no model of stream '" + stream
                    + "' learns on this instance (each is refused; see GET /models)");
            return;
        }
        long offset = context.recordMetadata().map(RecordMetadata::offset).orElse(-1L);
        current = record;
        try {
            BadRecordException unusable = models.learn(stream, live, sample, offset, output);
            if (unusable != null) {
                deadLetters.write(record, unusable.reason(), unusable.getMessage()
                        + (live.size() > 1 ? " (no model of the stream can use it)" : ""));
            }
        } finally {
            current = null;
        }
    }

    private void forwardPrediction(ModelSpec spec, Sample sample, Prediction p, long offset, long nanos) {
        context.forward(new Record<>(spec.id(), PredictionJson.encode(spec, sample, p, offset), current.timestamp()),
                PREDICTIONS);
        for (LearningListener l : registry.listeners()) {
            l.onPrediction(spec, sample, p, nanos);
        }
    }

    /** Whether {@code s} is a stream id ({@code [A-Za-z0-9._:-]{1,128}}), checked without a regex. */
    static boolean isStreamId(String s) {
        if (s == null || s.isEmpty() || s.length() > ModelSpec.MAX_ID) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
                    || c == '_' || c == ':' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private void drainRequests() {
        Runnable r;
        while ((r = requests.poll()) != null) {
            r.run();
        }
    }

    @Override
    public <T> CompletableFuture<T> submit(String modelId, Function<Model, T> task) {
        CompletableFuture<T> f = new CompletableFuture<>();
        requests.add(() -> {
            TaskModels.Live lm = models == null ? null : models.get(modelId);
            if (lm == null) {
                f.completeExceptionally(new ModelRegistry.UnknownModelException(modelId));
                return;
            }
            try {
                f.complete(task.apply(lm.model()));
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    @Override
    public void close() {
        if (models != null) {
            models.close();
        }
        Runnable r;
        while ((r = requests.poll()) != null) {
            r.run();
        }
    }
}
