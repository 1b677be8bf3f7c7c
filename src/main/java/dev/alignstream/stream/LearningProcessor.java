package dev.alignstream.stream;

import dev.alignstream.core.Learner;
import dev.alignstream.core.Model;
import dev.alignstream.core.Prediction;
import dev.alignstream.data.BadRecordException;
import dev.alignstream.data.BadRecordReason;
import dev.alignstream.data.LabelRecord;
import dev.alignstream.data.TimedEvent;
import dev.alignstream.delayed.LabelWait;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SampleJson;
import dev.alignstream.data.SampleValidator;
import dev.alignstream.io.ModelFile;
import dev.alignstream.rules.Rules;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-task learning processor: for every sample of a stream it predicts and learns with
 * every model subscribed to that stream (test-then-train), emits one prediction per model, and
 * sends unusable records to the dead-letter topic.
 *
 * <p>Exactly-once without writing multi-megabyte models on every sample: each accepted sample
 * (and each run-time change of a learning rate or pause flag) is appended to the stream's
 * {@link Journal}, and each model is written as a {@link SnapshotStore snapshot} every
 * {@code snapshotEvery} samples. Both are changelogged stores, so Kafka Streams commits them
 * atomically with the input offsets and the outputs. After a crash or a move to another
 * instance, {@link #init} rebuilds every model from its snapshot and replays the journal after
 * it; learning is deterministic, so the result is bit-identical to never having stopped.
 */
final class LearningProcessor implements Processor<String, byte[], String, byte[]>, ModelRegistry.Owner {

    static final String JOURNAL_STORE = "alignstream-journal";
    static final String SNAPSHOT_STORE = "alignstream-snapshots";
    static final String MODELS_STORE = "alignstream-models";
    static final String PENDING_STORE = "alignstream-pending";
    static final String PREDICTIONS = "predictions";
    static final String DEAD_LETTERS = "dead-letters";

    /**
     * Dead-letter values above this are truncated (headers {@code original.size} and
     * {@code truncated} say so): with key and headers the record stays under the producer's
     * 1,048,576-byte request limit. A larger record (possible when the samples topic allows big
     * messages) would fail the send, abort the transaction and be read again forever.
     */
    static final int DEAD_LETTER_MAX_VALUE = 1_000_000;

    private static final Logger LOG = LoggerFactory.getLogger(LearningProcessor.class);
    /**
     * Largest sample record accepted: under the broker's default 1 MB message limit with room for
     * the dead-letter headers, so an oversize record can still be dead-lettered with its bytes.
     */
    static final int MAX_SAMPLE_BYTES = 900 * 1024;

    /** A live model of this task. */
    private static final class Runtime {
        ModelSpec spec;
        final Learner learner;
        long snapshotSeq;
        /** The last declaration refused for this model, so each refusal is reported once. */
        ModelSpec refused;

        Runtime(ModelSpec spec, Learner learner, long snapshotSeq) {
            this.spec = spec;
            this.learner = learner;
            this.snapshotSeq = snapshotSeq;
        }

        Model model() {
            return learner.model();
        }
    }

    private final ModelRegistry registry;
    private final int snapshotEvery;
    private final LabelWait labelWait;
    private PendingStore pending;
    private final ConcurrentLinkedQueue<Runnable> requests = new ConcurrentLinkedQueue<>();
    /** stream id -> model id -> runtime; TreeMap so models of a stream run in a fixed order. */
    private final Map<String, TreeMap<String, Runtime>> streams = new HashMap<>();
    private final Map<String, Runtime> byId = new HashMap<>();
    private ProcessorContext<String, byte[]> context;
    private Journal journal;
    private SnapshotStore snapshots;
    private KeyValueStore<String, ?> modelsStore;
    private Map<String, ModelSpec> specs = Map.of();
    private long lastRefresh;
    private String sourceTopic;

    LearningProcessor(ModelRegistry registry, int snapshotEvery, LabelWait labelWait) {
        this.registry = registry;
        this.snapshotEvery = snapshotEvery;
        this.labelWait = labelWait;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        // Kafka Streams re-initializes the same processor after a corrupted task is revived:
        // whatever was in memory may be ahead of the committed state, so start from the stores
        streams.clear();
        byId.clear();
        requests.clear();
        journal = new Journal(context.getStateStore(JOURNAL_STORE));
        snapshots = new SnapshotStore(context.getStateStore(SNAPSHOT_STORE));
        modelsStore = context.getStateStore(MODELS_STORE);
        pending = new PendingStore(context.getStateStore(PENDING_STORE), labelWait,
                (stream, time) -> registry.listeners().forEach(l -> l.onExpired(stream)));
        refreshSpecs();
        restore();
        context.schedule(Duration.ofMillis(200), PunctuationType.WALL_CLOCK_TIME, t -> {
            drainRequests();
            if (System.nanoTime() - lastRefresh > 1_000_000_000L) {
                applySpecChanges();
            }
        });
    }

    /** Rebuilds every model whose snapshot is in this task's store, replaying its stream's journal. */
    private void restore() {
        for (SnapshotStore.Header h : snapshots.headers()) {
            long t0 = System.nanoTime();
            Model m = ModelFile.fromBytes(snapshots.read(h));
            long t1 = System.nanoTime();
            ModelSpec declared = specs.get(h.modelId());
            ModelSpec spec = new ModelSpec(h.modelId(), h.stream(), m.config(), m.paused());
            Runtime rt = new Runtime(spec, new Learner(m, Rules.of(m.config().rule())), h.journalSeq());
            long[] replayed = {0};
            journal.replay(h.stream(), h.journalSeq(), (seq, e) -> {
                replay(rt, e);
                replayed[0]++;
            });
            add(rt);
            long t2 = System.nanoTime();
            LOG.info("restored model {} (stream {}) from its snapshot at journal position {} and {} journal entries;"
                    + " samples seen {} (snapshot {} bytes read in {} ms, replay {} ms)", h.modelId(), h.stream(),
                    h.journalSeq(), replayed[0], m.samplesSeen(), h.bytes(), (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
            if (declared == null) {
                LOG.info("model {} is no longer declared; it will be removed", h.modelId());
            }
        }
    }

    private void replay(Runtime rt, JournalEntry e) {
        if (e.kind() == JournalEntry.Kind.SAMPLE) {
            rt.learner.observe(e.decodeSample());
        } else if (e.modelId().equals(rt.spec.id())) {
            rt.model().setLearningRate(e.learningRate());
            rt.model().setPaused(e.paused());
        }
    }

    private void add(Runtime rt) {
        streams.computeIfAbsent(rt.spec.stream(), s -> new TreeMap<>()).put(rt.spec.id(), rt);
        byId.put(rt.spec.id(), rt);
        registry.own(rt.spec.id(), this, status(rt));
        registry.listeners().forEach(l -> l.onModelAdded(rt.spec));
    }

    private void remove(Runtime rt) {
        TreeMap<String, Runtime> models = streams.get(rt.spec.stream());
        if (models != null) {
            models.remove(rt.spec.id());
        }
        byId.remove(rt.spec.id());
        registry.release(rt.spec.id(), this);
        registry.listeners().forEach(l -> l.onModelRemoved(rt.spec.id()));
    }

    private static ModelStatus status(Runtime rt) {
        Model m = rt.model();
        return new ModelStatus(rt.spec.id(), rt.spec.stream(), m.config().rule().id(), m.config().layersString(),
                m.config().learningRate(), m.config().batchSize(), m.samplesSeen(), m.rejectedSteps(), m.paused(), "live");
    }

    @Override
    public void process(Record<String, byte[]> record) {
        registry.listeners().forEach(LearningListener::onRecordIn);
        drainRequests();
        if (System.nanoTime() - lastRefresh > 1_000_000_000L) {
            applySpecChanges();
        }
        String stream = record.key();
        byte[] value = record.value();
        if (stream == null || !stream.matches("[A-Za-z0-9._:-]{1,128}")) {
            deadLetter(record, BadRecordReason.MALFORMED_JSON, "the record key must be a stream id");
            return;
        }
        TimedEvent event;
        try {
            if (value != null && value.length > MAX_SAMPLE_BYTES) {
                throw new BadRecordException(BadRecordReason.OVERSIZE, "record of " + value.length + " bytes exceeds "
                        + MAX_SAMPLE_BYTES);
            }
            event = SampleJson.parseTimed(value);
        } catch (BadRecordException e) {
            deadLetter(record, e.reason(), e.getMessage());
            return;
        }
        // record time: the record's own "timestamp" when it has one (as in a file), else Kafka's
        long time = event.time() != TimedEvent.UNKNOWN ? event.time() : record.timestamp();
        if (event.event() instanceof LabelRecord label) {
            complete(record, stream, label, time);
            return;
        }
        Sample sample = (Sample) event.event();
        TreeMap<String, Runtime> models = streams.get(stream);
        if (models == null || models.isEmpty()) {
            models = join(stream);
        }
        if (models.isEmpty()) {
            deadLetter(record, BadRecordReason.NO_MODEL, "no model consumes stream '" + stream + "'");
            return;
        }
        try {
            for (Runtime rt : models.values()) {
                SampleValidator.check(sample, rt.model().config().inputSize(), rt.model().config().outputSize());
            }
        } catch (BadRecordException e) {
            deadLetter(record, e.reason(), e.getMessage());
            return;
        }
        long offset = context.recordMetadata().map(RecordMetadata::offset).orElse(-1L);
        if (!sample.isLabelled() && sample.id() != null) {
            serve(record, stream, sample, models, time, offset);
            return;
        }
        learn(record, stream, sample, models, offset, null, time);
    }

    /**
     * A sample with an id and no label: every model predicts it now (the served prediction) and it
     * waits in the pending store for its label. Nothing is learned and nothing is journaled.
     */
    private void serve(Record<String, byte[]> record, String stream, Sample sample, TreeMap<String, Runtime> models,
                       long time, long offset) {
        if (pending.advanceAndContains(stream, time, sample.id())) {
            deadLetter(record, BadRecordReason.DUPLICATE_ID, "a sample with id '" + sample.id()
                    + "' already waits for its label on stream '" + stream + "'");
            return;
        }
        List<PendingStore.Served> served = new ArrayList<>(models.size());
        for (Runtime rt : models.values()) {
            long start = System.nanoTime();
            long version = rt.model().samplesSeen();
            Prediction p = rt.learner.evaluate(sample);
            long nanos = System.nanoTime() - start;
            served.add(new PendingStore.Served(rt.spec.id(), version, p.output()));
            context.forward(new Record<>(rt.spec.id(), PredictionJson.encode(rt.spec, sample, p, offset, version, true),
                    record.timestamp()), PREDICTIONS);
            for (LearningListener l : registry.listeners()) {
                l.onPrediction(rt.spec, sample, p, nanos);
            }
        }
        pending.add(stream, time, sample, served);
        int size = pending.size(stream);
        registry.listeners().forEach(l -> l.onPending(stream, size));
    }

    /**
     * A label record: the sample it completes is learned by every model of the stream now, as
     * if it had arrived with its label at this moment (it is journaled here, so a replay sees it
     * here), and each model's outcome scores the prediction it served.
     */
    private void complete(Record<String, byte[]> record, String stream, LabelRecord label, long time) {
        TreeMap<String, Runtime> models = streams.get(stream);
        if (models == null || models.isEmpty()) {
            models = join(stream);
        }
        try {
            for (Runtime rt : models.values()) {
                SampleValidator.checkLabel(label.label(), label.target(), rt.model().config().outputSize());
            }
        } catch (BadRecordException e) {
            deadLetter(record, e.reason(), e.getMessage());
            return;
        }
        PendingStore.Match m = pending.take(stream, label.id(), time);
        if (m instanceof PendingStore.Duplicate) {
            deadLetter(record, BadRecordReason.DUPLICATE_LABEL, "the sample with id '" + label.id()
                    + "' on stream '" + stream + "' was already learned");
            return;
        }
        if (!(m instanceof PendingStore.Completed c)) {
            deadLetter(record, BadRecordReason.UNMATCHED_LABEL, "no sample with id '" + label.id()
                    + "' waits for a label on stream '" + stream + "' (never seen, or expired)");
            return;
        }
        int size = pending.size(stream);
        registry.listeners().forEach(l -> l.onPending(stream, size));
        if (models.isEmpty()) {
            return;
        }
        long delay = time - c.pending().time();
        registry.listeners().forEach(l -> l.onLabelDelay(stream, delay));
        long offset = context.recordMetadata().map(RecordMetadata::offset).orElse(-1L);
        learn(record, stream, label.complete(c.pending().sample().features()), models, offset, c.pending(), time);
    }

    /**
     * Journals a labelled sample and lets every model of the stream learn it. With
     * {@code completes} set, the sample completes a delayed label and each record is an outcome
     * scoring that model's served prediction.
     */
    private void learn(Record<String, byte[]> record, String stream, Sample sample, TreeMap<String, Runtime> models,
                       long offset, PendingStore.Pending completes, long time) {
        long seq = journal.head(stream);
        journal.append(stream, seq, JournalEntry.sample(offset, sample));
        for (Runtime rt : models.values()) {
            long start = System.nanoTime();
            long version = rt.model().samplesSeen();
            Prediction p = rt.learner.observe(sample);
            long nanos = System.nanoTime() - start;
            byte[] out;
            if (completes == null) {
                out = PredictionJson.encode(rt.spec, sample, p, offset, version, false);
            } else {
                PendingStore.Served served = completes.servedBy(rt.spec.id());
                if (served != null) {
                    p = rt.learner.scoreServed(served.output(), sample, p);
                    version = served.version();
                }
                long delay = time - completes.time();
                out = PredictionJson.encodeOutcome(rt.spec, sample, p, offset, served == null ? -1 : version, delay);
            }
            context.forward(new Record<>(rt.spec.id(), out, record.timestamp()), PREDICTIONS);
            if (p.step() == Prediction.StepOutcome.REJECTED) {
                LOG.warn("model {}: update rejected at journal position {}: {}", rt.spec.id(), seq, p.rejectReason());
            }
            registry.update(status(rt));
            for (LearningListener l : registry.listeners()) {
                l.onPrediction(rt.spec, sample, p, nanos);
            }
            if (seq + 1 - rt.snapshotSeq >= snapshotEvery) {
                snapshot(rt, seq + 1);
            }
        }
        truncate(stream);
    }

    /** Models declared for {@code stream} that join now, each with a snapshot at the journal head. */
    private TreeMap<String, Runtime> join(String stream) {
        refreshSpecs();
        TreeMap<String, Runtime> models = streams.computeIfAbsent(stream, s -> new TreeMap<>());
        for (ModelSpec spec : specs.values()) {
            if (spec.stream().equals(stream) && !byId.containsKey(spec.id())) {
                joinOne(spec);
            }
        }
        return models;
    }

    /**
     * A new model starts from its seed at the current journal head; its snapshot there makes the
     * join point part of the committed state, so a replay knows where the model began.
     */
    private void joinOne(ModelSpec spec) {
        long head = journal.head(spec.stream());
        Model m = Model.create(spec.config());
        m.setPaused(spec.paused());
        Runtime rt = new Runtime(spec, new Learner(m, Rules.of(spec.config().rule())), head);
        snapshot(rt, head);
        add(rt);
        LOG.info("model {} ({} {}) joined stream {} at journal position {}", spec.id(), spec.config().rule().id(),
                spec.config().layersString(), spec.stream(), head);
    }

    private void snapshot(Runtime rt, long seq) {
        snapshots.put(rt.spec.id(), rt.spec.stream(), seq, ModelFile.toSnapshotBytes(rt.model()));
        rt.snapshotSeq = seq;
    }

    /** Drops journal entries every model of the stream has in its snapshot. */
    private void truncate(String stream) {
        TreeMap<String, Runtime> models = streams.get(stream);
        long min = Long.MAX_VALUE;
        for (Runtime rt : models.values()) {
            min = Math.min(min, rt.snapshotSeq);
        }
        if (min != Long.MAX_VALUE) {
            journal.truncateBelow(stream, min);
        }
    }

    private void refreshSpecs() {
        Map<String, ModelSpec> next = new HashMap<>();
        try (KeyValueIterator<String, ?> it = modelsStore.all()) {
            while (it.hasNext()) {
                KeyValue<String, ?> kv = it.next();
                Object v = kv.value;
                if (v instanceof org.apache.kafka.streams.state.ValueAndTimestamp<?> vt) {
                    v = vt.value();
                }
                if (!(v instanceof byte[] bytes)) {
                    continue;
                }
                try {
                    ModelSpec s = ModelSpec.parse(bytes);
                    if (!s.id().equals(kv.key)) {
                        LOG.warn("models topic: key '{}' does not match the config's id '{}'; ignored", kv.key, s.id());
                        continue;
                    }
                    next.put(s.id(), s);
                } catch (IllegalArgumentException e) {
                    LOG.warn("models topic: config for '{}' ignored: {}", kv.key, e.getMessage());
                }
            }
        }
        specs = next;
        registry.declared(next);
        lastRefresh = System.nanoTime();
    }

    /** Applies deletions and run-time changes (learning rate, pause) of declared models to live ones. */
    private void applySpecChanges() {
        refreshSpecs();
        for (Runtime rt : new ArrayList<>(byId.values())) {
            ModelSpec next = specs.get(rt.spec.id());
            if (next == null) {
                snapshots.delete(rt.spec.id());
                remove(rt);
                LOG.info("model {} deleted", rt.spec.id());
                continue;
            }
            if (!rt.spec.isCompatibleChange(next)) {
                if (!next.equals(rt.refused)) {
                    rt.refused = next;
                    LOG.warn("model {}: changing stream, sizes, rule or other fixed settings of an existing model is refused;"
                            + " delete it and create a new one (keeping {}, refused {})", rt.spec.id(), rt.spec.config(),
                            next.config());
                    registry.listeners().forEach(l -> l.onDeadLetter(BadRecordReason.BAD_CONFIG.id()));
                }
                continue;
            }
            rt.refused = null;
            Model m = rt.model();
            if (Float.floatToIntBits(next.config().learningRate()) != Float.floatToIntBits(m.config().learningRate())
                    || next.paused() != m.paused()) {
                long seq = journal.head(rt.spec.stream());
                journal.append(rt.spec.stream(), seq, JournalEntry.config(rt.spec.id(), next.config().learningRate(),
                        next.paused()));
                m.setLearningRate(next.config().learningRate());
                m.setPaused(next.paused());
                rt.spec = next;
                registry.update(status(rt));
                LOG.info("model {}: learning rate {} paused {} from journal position {}", rt.spec.id(),
                        next.config().learningRate(), next.paused(), seq);
            }
        }
        for (ModelSpec spec : specs.values()) {
            if (!byId.containsKey(spec.id()) && streams.containsKey(spec.stream())) {
                joinOne(spec);
            }
        }
    }

    private void deadLetter(Record<String, byte[]> record, BadRecordReason reason, String message) {
        RecordHeaders h = new RecordHeaders();
        h.add("reason", reason.id().getBytes(StandardCharsets.UTF_8));
        h.add("message", message.getBytes(StandardCharsets.UTF_8));
        context.recordMetadata().ifPresent(m -> {
            h.add("source.topic", m.topic().getBytes(StandardCharsets.UTF_8));
            h.add("source.partition", Integer.toString(m.partition()).getBytes(StandardCharsets.UTF_8));
            h.add("source.offset", Long.toString(m.offset()).getBytes(StandardCharsets.UTF_8));
        });
        byte[] value = record.value();
        if (value != null && value.length > DEAD_LETTER_MAX_VALUE) {
            // the original would exceed the producer's request limit and abort the transaction
            // with every record in it, again and again: keep its head and say so
            h.add("original.size", Integer.toString(value.length).getBytes(StandardCharsets.UTF_8));
            h.add("truncated", "true".getBytes(StandardCharsets.UTF_8));
            value = java.util.Arrays.copyOf(value, DEAD_LETTER_MAX_VALUE);
        }
        String key = record.key();
        if (key != null && key.length() > ModelSpec.MAX_ID) {
            key = key.substring(0, ModelSpec.MAX_ID);
        }
        context.forward(new Record<>(key, value, record.timestamp(), h), DEAD_LETTERS);
        registry.listeners().forEach(l -> l.onDeadLetter(reason.id()));
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
            Runtime rt = byId.get(modelId);
            if (rt == null) {
                f.completeExceptionally(new ModelRegistry.UnknownModelException(modelId));
                return;
            }
            try {
                f.complete(task.apply(rt.model()));
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    @Override
    public void close() {
        for (Runtime rt : new ArrayList<>(byId.values())) {
            registry.release(rt.spec.id(), this);
        }
        Runnable r;
        while ((r = requests.poll()) != null) {
            r.run();
        }
    }
}
