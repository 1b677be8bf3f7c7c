package dev.alignstream.stream;

import dev.alignstream.core.Prediction;
import dev.alignstream.data.BadRecordException;
import dev.alignstream.data.BadRecordReason;
import dev.alignstream.data.DataEvent;
import dev.alignstream.data.LabelRecord;
import dev.alignstream.data.TimedEvent;
import dev.alignstream.delayed.LabelWait;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SampleJson;
import dev.alignstream.data.SampleValidator;
import java.time.Duration;
import java.util.ArrayList;
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
    static final String PENDING_STORE = "alignstream-pending";
    static final String PREDICTIONS = "predictions";
    static final String DEAD_LETTERS = "dead-letters";
    static final int DEAD_LETTER_MAX_VALUE = DeadLetters.MAX_VALUE;
    /** Interval of the punctuation that emits the outputs of records whose steps ran ahead. */
    static final long FLUSH_MILLIS = 50;

    /**
     * Largest sample record accepted: under the broker's default 1 MB message limit with room for
     * the dead-letter headers, so an oversize record can still be dead-lettered with its bytes.
     */
    static final int MAX_SAMPLE_BYTES = 900 * 1024;

    private final ModelRegistry registry;
    private final MemoryBudget budget;
    private final int snapshotEvery;
    private final LabelWait labelWait;
    private final int modelThreads;
    private PendingStore pending;
    private final ConcurrentLinkedQueue<Runnable> requests = new ConcurrentLinkedQueue<>();
    private ProcessorContext<String, byte[]> context;
    private TaskModels models;
    private ModelReconciler reconciler;
    private DeadLetters deadLetters;
    private long reconciledVersion = -1;
    private final TaskModels.Output output = new TaskModels.Output() {
        @Override
        public void prediction(ModelSpec spec, DataEvent sample, Prediction p, long offset, long version, boolean waits,
                               long nanos, long timestamp) {
            forward(spec, PredictionJson.encode(spec, sample, p, offset, version, waits), sample, p, nanos, timestamp);
        }

        @Override
        public void outcome(ModelSpec spec, Sample sample, Prediction scored, long offset, long servedVersion,
                            long delayMillis, long nanos, long timestamp) {
            forward(spec, PredictionJson.encodeOutcome(spec, sample, scored, offset, servedVersion, delayMillis), sample,
                    scored, nanos, timestamp);
        }
    };

    LearningProcessor(ModelRegistry registry, MemoryBudget budget, int snapshotEvery, LabelWait labelWait) {
        this(registry, budget, snapshotEvery, labelWait, 1);
    }

    /** @param modelThreads threads a record's models may learn on, this one included (see {@link TaskModels}) */
    LearningProcessor(ModelRegistry registry, MemoryBudget budget, int snapshotEvery, LabelWait labelWait,
                      int modelThreads) {
        this.modelThreads = modelThreads;
        this.registry = registry;
        this.budget = budget;
        this.snapshotEvery = snapshotEvery;
        this.labelWait = labelWait;
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
                new SnapshotStore(context.getStateStore(SNAPSHOT_STORE)), snapshotEvery, modelThreads);
        reconciler = new ModelReconciler(models, registry);
        deadLetters = new DeadLetters(context, DEAD_LETTERS, registry.listeners());
        pending = new PendingStore(context.getStateStore(PENDING_STORE), labelWait,
                (stream, time) -> registry.listeners().forEach(l -> l.onExpired(stream)));
        DeclaredModels.View declared = registry.declarations().view();
        models.restore(declared);
        reconciler.reconcile(declared);
        reconciledVersion = declared.version();
        context.schedule(Duration.ofMillis(200), PunctuationType.WALL_CLOCK_TIME, t -> {
            drainRequests();
            reconcileIfChanged();
        });
        // outputs of records whose steps ran ahead (and those a crashed task owed) wait at most this
        // long once records stop arriving
        context.schedule(Duration.ofMillis(FLUSH_MILLIS), PunctuationType.WALL_CLOCK_TIME, t -> models.drain(output));
    }

    private DeclaredModels.View reconcileIfChanged() {
        DeclaredModels.View declared = registry.declarations().view();
        if (declared.version() != reconciledVersion) {
            models.drain(output);
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
        TimedEvent event;
        try {
            if (value != null && value.length > MAX_SAMPLE_BYTES) {
                throw new BadRecordException(BadRecordReason.OVERSIZE, "record of " + value.length + " bytes exceeds "
                        + MAX_SAMPLE_BYTES);
            }
            event = SampleJson.parseRecord(value);
        } catch (BadRecordException e) {
            deadLetters.write(record, e.reason(), e.getMessage());
            return;
        }
        // record time: the record's own "timestamp" when it has one (as in a file), else Kafka's
        long time = event.time() != TimedEvent.UNKNOWN ? event.time() : record.timestamp();
        TreeMap<String, TaskModels.Live> live = models.modelsOf(stream, declared, ofStream);
        if (live == null || live.isEmpty()) {
            deadLetters.write(record, BadRecordReason.NO_MODEL, "no model of stream '" + stream
                    + "' learns on this instance (each is refused; see GET /models)");
            return;
        }
        long offset = context.recordMetadata().map(RecordMetadata::offset).orElse(-1L);
        long timestamp = record.timestamp();
        BadRecordException unusable;
        if (event.event() instanceof LabelRecord label) {
            unusable = complete(stream, live, label, time, offset, timestamp);
        } else if (!(event.event() instanceof Sample)) {
            // a sequence (RNN models): learned whole, or predicted when it has no targets
            unusable = models.learn(stream, live, event.event(), offset, timestamp, output, null);
        } else {
            Sample sample = (Sample) event.event();
            unusable = !sample.isLabelled() && sample.id() != null
                    ? serve(stream, live, sample, time, offset, timestamp)
                    : models.learn(stream, live, sample, offset, timestamp, output, null);
        }
        if (unusable != null) {
            deadLetters.write(record, unusable.reason(), unusable.getMessage()
                    + (live.size() > 1 && isSizeReason(unusable.reason()) ? " (no model of the stream can use it)" : ""));
        }
    }

    private static boolean isSizeReason(BadRecordReason r) {
        return r == BadRecordReason.WRONG_WIDTH || r == BadRecordReason.LABEL_OUT_OF_RANGE
                || r == BadRecordReason.TARGET_WIDTH || r == BadRecordReason.OVERSIZE;
    }

    /**
     * A sample with an id and no label (SPEC section 8, delayed labels): every model that can use
     * it predicts it now (the served prediction) and it waits in the pending store for its label.
     * Nothing is learned and nothing is journaled until the label comes.
     */
    private BadRecordException serve(String stream, TreeMap<String, TaskModels.Live> live, Sample sample, long time,
                                     long offset, long timestamp) {
        if (pending.advanceAndContains(stream, time, sample.id())) {
            return new BadRecordException(BadRecordReason.DUPLICATE_ID, "a sample with id '" + sample.id()
                    + "' already waits for its label on stream '" + stream + "'");
        }
        List<PendingStore.Served> served = new ArrayList<>(live.size());
        BadRecordException unusable = models.serve(live, sample, offset, timestamp, output, served);
        if (unusable == null) {
            pending.add(stream, time, sample, served);
            reportPending(stream);
        }
        return unusable;
    }

    /**
     * A label record: the sample it completes is learned by every model of the stream now, as if
     * it had arrived with its label at this moment (it is journaled here, so a replay sees it
     * here), and each model's outcome scores the prediction it served. A label no model of the
     * stream could learn is refused before it is matched, so its sample keeps waiting.
     */
    private BadRecordException complete(String stream, TreeMap<String, TaskModels.Live> live, LabelRecord label,
                                        long time, long offset, long timestamp) {
        BadRecordException unusable = null;
        for (TaskModels.Live lm : live.values()) {
            try {
                SampleValidator.checkLabel(label.label(), label.target(), lm.model().config().outputSize());
                unusable = null;
                break;
            } catch (BadRecordException e) {
                unusable = unusable == null ? e : unusable;
            }
        }
        if (unusable != null) {
            return unusable;
        }
        PendingStore.Match m = pending.take(stream, label.id(), time);
        if (m instanceof PendingStore.Duplicate) {
            return new BadRecordException(BadRecordReason.DUPLICATE_LABEL, "the sample with id '" + label.id()
                    + "' on stream '" + stream + "' was already learned");
        }
        if (!(m instanceof PendingStore.Completed c)) {
            return new BadRecordException(BadRecordReason.UNMATCHED_LABEL, "no sample with id '" + label.id()
                    + "' waits for a label on stream '" + stream + "' (never seen, or expired)");
        }
        reportPending(stream);
        long delay = time - c.pending().time();
        for (LearningListener l : registry.listeners()) {
            l.onLabelDelay(stream, delay);
        }
        return models.learn(stream, live, label.complete(c.pending().sample().features()), offset, timestamp, output,
                new TaskModels.Completion(c.pending(), delay));
    }

    private void reportPending(String stream) {
        int size = pending.size(stream);
        for (LearningListener l : registry.listeners()) {
            l.onPending(stream, size);
        }
    }

    private void forward(ModelSpec spec, byte[] value, DataEvent sample, Prediction p, long nanos, long timestamp) {
        context.forward(new Record<>(spec.id(), value, timestamp), PREDICTIONS);
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
        if (requests.isEmpty()) {
            return;
        }
        models.drain(output); // a request reads or changes a model: every step of the task is done first
        Runnable r;
        while ((r = requests.poll()) != null) {
            r.run();
        }
    }

    @Override
    public <T> CompletableFuture<T> submit(String modelId, Function<ServedModel, T> task) {
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
