package dev.alignstream.stream;

import dev.alignstream.core.Prediction;
import dev.alignstream.data.BadRecordException;
import dev.alignstream.data.BadRecordReason;
import dev.alignstream.data.DataEvent;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SequenceSample;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models of one stream task: restored from their snapshots and the stream journals, joined
 * when declared, fed every journaled record they can use, snapshotted, and the journals
 * truncated behind them. Lives on the task's stream thread only. MLPs (feature samples) and RNNs
 * (sequence records) are handled alike through {@link ServedModel}; a stream's records are of one
 * kind, and a model of the other kind refuses them and is judged unfit like any model whose
 * declaration does not fit its stream.
 *
 * <p><b>Contract for exactly-once</b> (in the manner of Kafka's {@code StateStore}): the
 * changelogged journal and snapshot stores, committed atomically with the input offsets and the
 * outputs, are the only truth; memory is a cache of them.
 * <ul>
 *   <li>Every input that changes a model MUST be in its stream's journal before the model
 *       sees it: a sample at least one model of the stream can use is journaled once, then
 *       given to every model (each decides, deterministically from the sample and its own
 *       config, whether it can use it); a run-time change of a learning rate or pause flag is
 *       journaled for that model's generation.</li>
 *   <li>A model's snapshot at journal position {@code p} MUST equal the model after exactly the
 *       journal entries below {@code p} since it joined; it carries the model's generation and
 *       its fit counters, so replaying the entries from {@code p} reproduces the live model and
 *       its refusals bit for bit. A model joins with a snapshot at the journal head, which
 *       makes its starting point part of the committed state.</li>
 *   <li>Journal entries MAY be deleted only below every snapshot of the stream that can still be
 *       restored (live models and models waiting for memory).</li>
 *   <li>{@link #restore} MUST discard a snapshot whose model is no longer declared, or whose
 *       generation differs from the declared one (a delete, or a delete and re-create, that
 *       happened while no instance ran the task): such a model starts from its seed. A snapshot
 *       that cannot be read back (CRC mismatch, unreadable tensors or journal) refuses its model
 *       alone, with the reason, until it is deleted; it never fails the task.</li>
 *   <li>A model is refused as unfit, durably (a marker beside the snapshots), when
 *       {@link #UNFIT_LIMIT} consecutive journaled samples did not fit it and it has never used
 *       one; its snapshot is deleted in the same transaction. A model refused for memory is
 *       refused on this instance only (another may have room) and nothing about it is
 *       committed.</li>
 *   <li>The models of a stream MAY learn on several threads ({@link StepLanes}, when
 *       {@link StepModeChooser} finds it faster), and MAY run ahead of each other by up to
 *       {@link #RUN_AHEAD_RECORDS} records while records arrive back to back: each model's steps
 *       run in journal order, one at a time, and touch only that model; a record's outputs
 *       (predictions, status, snapshots planned after it) are emitted on the stream thread once
 *       its last model is done, records in journal order, models in id order. Models, changelogs
 *       and outputs are therefore identical to one model after another; only when an output is
 *       emitted changes.</li>
 *   <li>A commit MAY fall while records' outputs are not emitted yet. The journal store MUST then
 *       list those records ({@link Journal#owed}, rewritten whenever the list changes, in the same
 *       transactions): a task restoring that state recomputes their outputs bit for bit in its
 *       replay (every model's snapshot is at or before the first of them, since snapshots are
 *       written in journal order) and emits them before any other output, so each is committed
 *       exactly once. Anything that reads or changes a model outside a step (a request, a
 *       re-declaration, a served sample, a label) first waits for every step ({@link #drain}).</li>
 * </ul>
 */
final class TaskModels {

    /**
     * System property that forces a stream's models onto the parallel, run-ahead path whatever
     * their step cost and however records arrive (the crash tests run it in a child JVM; also a
     * way to compare both paths on a real workload).
     */
    static final String FORCE_PARALLEL_PROPERTY = "alignstream.forceParallelSteps";
    private static final boolean FORCE_PARALLEL = Boolean.getBoolean(FORCE_PARALLEL_PROPERTY);

    /**
     * Consecutive samples, learned by other models of the stream, that a model which has never
     * used a sample may refuse before its declaration is judged not to fit its stream.
     */
    static final int UNFIT_LIMIT = 10;

    private static final Logger LOG = LoggerFactory.getLogger(TaskModels.class);

    /** Receives each prediction and outcome of a live (not replayed) step. */
    interface Output {
        /**
         * @param version samples seen by the model when it predicted (before learning)
         * @param waits   the sample was served and waits for a delayed label (nothing learned)
         * @param stepNanos time the step took, or {@link LearningListener#NOT_TIMED} for a prediction
         *                  owed from before a restore (its step ran in the replay, untimed)
         * @param timestamp the Kafka timestamp of the output record (its input record's)
         */
        void prediction(ModelSpec spec, DataEvent sample, Prediction p, long sourceOffset, long version, boolean waits,
                        long stepNanos, long timestamp);

        /**
         * A delayed label completed a sample: {@code scored} is the served prediction scored against
         * the label, with the step outcome and samples seen after learning.
         *
         * @param servedVersion samples seen when the prediction was served, or -1 when the model
         *                      joined after that (it is then scored by its prediction now)
         */
        void outcome(ModelSpec spec, Sample sample, Prediction scored, long sourceOffset, long servedVersion,
                     long delayMillis, long stepNanos, long timestamp);
    }

    /** The pending sample a labelled sample completes, and how long its label took. */
    record Completion(PendingStore.Pending pending, long delayMillis) {
    }

    /** A model learning in this task. */
    static final class Live {
        ModelSpec spec;
        final long generation;
        final ServedModel model;
        /** Journal position of the last snapshot. */
        long snapshotSeq;
        /** Snapshots are taken at positions where {@code (seq + phase) % snapshotEvery == 0}: staggered per model. */
        final int phase;
        /** Whether the model has ever used a sample; until then {@code unfitRun} counts refusals in a row. */
        boolean fitted;
        int unfitRun;
        /** Why this sample cannot be used by this model (set in the validation pass), else null. */
        BadRecordException refusal;
        /** The last refused re-declaration reported, so each is reported once. */
        String reportedRefusal;
        /** What other threads see of this model; counters published after every step. */
        PublishedStatus published;
        /** Journal position of the latest snapshot planned: taken, or due after a step still running. */
        long plannedSnapshotSeq;
        /** This model's steps, in journal order, when they run on the {@link StepLanes}. */
        final StepLanes.Lane lane = new StepLanes.Lane();
        /** Moving mean of the step time (written by the thread of the step): whether parallel steps pay. */
        volatile double meanStepNanos;

        Live(ModelSpec spec, long generation, ServedModel model, long snapshotSeq, int snapshotEvery, boolean fitted,
             int unfitRun) {
            this.spec = spec;
            this.generation = generation;
            this.model = model;
            this.snapshotSeq = snapshotSeq;
            this.plannedSnapshotSeq = snapshotSeq;
            this.phase = Math.floorMod(spec.id().hashCode(), snapshotEvery);
            this.fitted = fitted;
            this.unfitRun = unfitRun;
        }

        ServedModel model() {
            return model;
        }
    }

    private final ModelRegistry registry;
    private final ModelRegistry.Owner owner;
    private final MemoryBudget budget;
    private final Journal journal;
    private final SnapshotStore snapshots;
    private final int snapshotEvery;
    /** stream id -> model id -> model; TreeMap so a stream's models run in a fixed order. */
    private final Map<String, TreeMap<String, Live>> streams = new HashMap<>();
    private final Map<String, Live> byId = new HashMap<>();
    /** Refused as unfit (committed): model id -> generation. */
    private final Map<String, Long> unfit = new HashMap<>();
    /**
     * Refused because their snapshot (or the journal after it) cannot be read back: model id ->
     * generation. Starting them from their seed would silently lose what they learned, and failing
     * the task would stop every other model of it; they wait, refused, for a delete (or a
     * re-creation, a new generation).
     */
    private final Map<String, Long> unrestorable = new HashMap<>();
    /** Refused for memory on this instance: model id -> declaration; their snapshot, if any, is kept. */
    private final Map<String, DeclaredModels.Declaration> overBudget = new HashMap<>();
    /** Snapshots of models waiting for memory, which pin their stream's journal. */
    private final Map<String, SnapshotStore.Header> pinned = new HashMap<>();
    /** stream -> version of the declarations when its missing models were last joined. */
    private final Map<String, Long> joinedAt = new HashMap<>();
    private final List<Live> refusedNow = new ArrayList<>();
    /** Threads (the stream thread's included) a record's model steps may run on; 1: one after another. */
    private final int modelThreads;
    /** Started when a stream first has two models worth running in parallel. */
    private StepLanes lanes;
    /** Journaled records whose outputs are not emitted yet, in journal order (see {@link #learn}). */
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
    /** When {@link #learn} last returned: records arriving back to back may run ahead. */
    private long lastLearnEnd = Long.MIN_VALUE / 2;
    /** Records owed outputs by the task that ran before this one (read at restore), in journal order. */
    private final List<OwedRecord> owed = new ArrayList<>();
    /** Whether the store holds a list of records owed outputs ({@link Journal#owed}). */
    private boolean owedStored;
    /** Per stream: whether its records' steps run in parallel now (measured, see the class). */
    private final Map<String, StepModeChooser> stepModes = new HashMap<>();

    /**
     * A record's steps run in parallel only when at least two of its models take at least this
     * long per step (moving mean): a hand-off between threads costs microseconds, which only a
     * step of tens of microseconds repays. Tests set it to 0 to force the parallel path.
     */
    static volatile long parallelMinStepNanos = FORCE_PARALLEL ? 0 : 20_000;

    TaskModels(ModelRegistry registry, ModelRegistry.Owner owner, MemoryBudget budget, Journal journal,
               SnapshotStore snapshots, int snapshotEvery) {
        this(registry, owner, budget, journal, snapshots, snapshotEvery, 1);
    }

    TaskModels(ModelRegistry registry, ModelRegistry.Owner owner, MemoryBudget budget, Journal journal,
               SnapshotStore snapshots, int snapshotEvery, int modelThreads) {
        this.modelThreads = Math.max(1, modelThreads);
        this.registry = registry;
        this.owner = owner;
        this.budget = budget;
        this.journal = journal;
        this.snapshots = snapshots;
        this.snapshotEvery = snapshotEvery;
    }

    Live get(String modelId) {
        return byId.get(modelId);
    }

    Collection<Live> live() {
        return new ArrayList<>(byId.values());
    }

    /** Rebuilds the task's models from their snapshots and journals, honouring deletes and re-creations. */
    void restore(DeclaredModels.View declared) {
        readOwed();
        for (SnapshotStore.Refusal r : snapshots.refusals()) {
            DeclaredModels.Declaration d = declared.get(r.modelId());
            if (d == null || d.generation() != r.generation()) {
                snapshots.deleteRefusal(r.modelId());
            } else {
                unfit.put(r.modelId(), r.generation());
                registry.refuse(d.spec(), r.reason());
            }
        }
        for (SnapshotStore.Header h : snapshots.headers()) {
            DeclaredModels.Declaration d = declared.get(h.modelId());
            String discard = d == null ? "it is no longer declared"
                    : h.generation() != null && h.generation() != d.generation()
                    ? "it was deleted and declared again (generation " + h.generation() + " -> " + d.generation() + ")"
                    : !d.spec().stream().equals(h.stream()) ? "its stream changed"
                    : unfit.containsKey(h.modelId()) ? "it was refused" : null;
            if (discard != null) {
                snapshots.delete(h.modelId());
                LOG.info("model {}: snapshot discarded at restore: {}; a declared model starts from its seed",
                        h.modelId(), discard);
                continue;
            }
            String refusal = budget.reserve(h.modelId(), d.spec().footprintBytes());
            if (refusal != null) {
                pinned.put(h.modelId(), h);
                refuseForMemory(d, refusal);
                continue;
            }
            try {
                restoreOne(h, d);
            } catch (RuntimeException e) {
                refuseUnrestorable(d, e);
            }
        }
    }

    private void refuseUnrestorable(DeclaredModels.Declaration d, RuntimeException cause) {
        String id = d.spec().id();
        budget.release(id);
        unrestorable.put(id, d.generation());
        String reason = "refused: its snapshot cannot be restored (" + cause.getMessage() + "); the other models of"
                + " its stream go on. Delete the model and declare it again to start it from its seed";
        LOG.error("model {} {}", id, reason, cause);
        registry.refuse(d.spec(), reason);
        registry.listeners().forEach(l -> l.onModelRefused(d.spec(), "unrestorable", reason));
    }

    private void restoreOne(SnapshotStore.Header h, DeclaredModels.Declaration d) {
        long t0 = System.nanoTime();
        ServedModel m = ServedModel.fromSnapshot(snapshots.read(h));
        long t1 = System.nanoTime();
        ModelSpec spec = m.spec(h.modelId(), h.stream());
        Live lm = new Live(spec, d.generation(), m, h.journalSeq(), snapshotEvery, h.fitted(), h.unfitRun());
        long[] replayed = {0};
        journal.replay(h.stream(), h.journalSeq(), (seq, e) -> {
            long version = lm.model.samplesSeen();
            Prediction p = replay(lm, e);
            OwedRecord o = p == null ? null : owedAt.get(h.stream() + "|" + seq);
            if (o != null) {
                o.learned(lm.spec.id(), e, p, version);
            }
            replayed[0]++;
        });
        add(lm);
        long t2 = System.nanoTime();
        LOG.info("restored model {} (stream {}, generation {}) from its snapshot at journal position {} and {} journal"
                + " entries; samples seen {} (snapshot {} bytes read in {} ms, replay {} ms)", h.modelId(), h.stream(),
                d.generation(), h.journalSeq(), replayed[0], m.samplesSeen(), h.bytes(), (t1 - t0) / 1_000_000,
                (t2 - t1) / 1_000_000);
        if (!refusedNow.isEmpty()) {
            refuseUnfitNow();
        }
    }

    /** Applies one journal entry to a model being restored; returns its prediction when it stepped on a record. */
    private Prediction replay(Live lm, JournalEntry e) {
        if (!byId.containsKey(lm.spec.id()) && lm.unfitRun >= UNFIT_LIMIT) {
            return null;
        }
        if (e.isRecord()) {
            DataEvent s = e.decodeRecord();
            lm.refusal = lm.model.fits(s);
            if (lm.refusal == null) {
                Prediction p = lm.model.observe(s);
                lm.fitted = true;
                lm.unfitRun = 0;
                return p;
            }
            countRefusal(lm, false);
        } else if (e.appliesTo(lm.spec.id(), lm.generation)) {
            lm.model().setLearningRate(e.learningRate());
            lm.model().setPaused(e.paused());
        }
        return null;
    }

    /**
     * A record whose outputs the task that ran before this one had not emitted when its state was
     * last committed (its steps were running ahead): the models restored here recompute them in
     * their replay, bit for bit, and {@link #emitOwed} emits them before anything else.
     */
    private static final class OwedRecord {
        final String stream;
        final long seq;
        final long timestamp;
        DataEvent sample;
        long sourceOffset;
        /** Model id (in id order) -> its prediction and samples seen before it. */
        final TreeMap<String, Prediction> predictions = new TreeMap<>();
        final Map<String, Long> versions = new HashMap<>();

        OwedRecord(String stream, long seq, long timestamp) {
            this.stream = stream;
            this.seq = seq;
            this.timestamp = timestamp;
        }

        void learned(String modelId, JournalEntry e, Prediction p, long version) {
            if (sample == null) {
                sample = e.decodeRecord();
                sourceOffset = e.sourceOffset();
            }
            predictions.put(modelId, p);
            versions.put(modelId, version);
        }
    }

    /** {@link #owed} by stream and journal position, while models are restored. */
    private final Map<String, OwedRecord> owedAt = new HashMap<>();

    private void readOwed() {
        byte[] stored = journal.owed();
        owedStored = stored != null;
        if (stored == null) {
            return;
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(stored))) {
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                OwedRecord o = new OwedRecord(in.readUTF(), in.readLong(), in.readLong());
                owed.add(o);
                owedAt.put(o.stream + "|" + o.seq, o);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        LOG.info("{} records' outputs were not emitted before the last commit: emitted once their models are restored",
                owed.size());
    }

    /**
     * Emits the outputs the previous task owed ({@link OwedRecord}), once, before any other output,
     * and takes them off the committed list in the same transaction (a call that then returns
     * early, such as a record no model can use, must not leave them listed to be emitted again).
     */
    private void emitOwed(Output out) {
        if (owed.isEmpty()) {
            return;
        }
        for (OwedRecord o : owed) {
            for (Map.Entry<String, Prediction> e : o.predictions.entrySet()) {
                Live lm = byId.get(e.getKey());
                if (lm != null) {
                    out.prediction(lm.spec, o.sample, e.getValue(), o.sourceOffset, o.versions.get(e.getKey()), false,
                            LearningListener.NOT_TIMED, o.timestamp);
                }
            }
        }
        owed.clear();
        owedAt.clear();
        recordOwed();
    }

    /**
     * Keeps the committed list of records whose outputs are not emitted yet equal to the records
     * in flight: a commit may come after any call, and the task restoring that state must know
     * which outputs to emit (those of earlier records are in the same transaction). Called after
     * {@link #emitOwed}, so the previous task's owed records are never among them.
     */
    private void recordOwed() {
        if (inFlight.isEmpty()) {
            if (owedStored) {
                journal.deleteOwed();
                owedStored = false;
            }
            return;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream d = new DataOutputStream(bytes)) {
            d.writeInt(inFlight.size());
            for (InFlight r : inFlight) {
                d.writeUTF(r.stream);
                d.writeLong(r.seq);
                d.writeLong(r.timestamp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        journal.putOwed(bytes.toByteArray());
        owedStored = true;
    }

    /**
     * The models of {@code stream} here, after joining every declared one not yet here (at most
     * once per change of the declarations): null when none consumes the stream.
     */
    TreeMap<String, Live> modelsOf(String stream, DeclaredModels.View declared, List<DeclaredModels.Declaration> ofStream) {
        Long at = joinedAt.get(stream);
        if (at == null || at != declared.version()) {
            for (DeclaredModels.Declaration d : ofStream) {
                String id = d.spec().id();
                if (!byId.containsKey(id) && !overBudget.containsKey(id) && !pinned.containsKey(id)
                        && !Long.valueOf(d.generation()).equals(unfit.get(id))
                        && !Long.valueOf(d.generation()).equals(unrestorable.get(id))) {
                    join(d);
                }
            }
            joinedAt.put(stream, declared.version());
        }
        return streams.get(stream);
    }

    /**
     * A new model starts from its seed at the current journal head, if the memory budget has
     * room for it; its snapshot there makes the join point part of the committed state.
     */
    void join(DeclaredModels.Declaration d) {
        ModelSpec spec = d.spec();
        String refusal = budget.reserve(spec.id(), spec.footprintBytes());
        if (refusal != null) {
            refuseForMemory(d, refusal);
            return;
        }
        overBudget.remove(spec.id());
        if (unfit.remove(spec.id()) != null) {
            snapshots.deleteRefusal(spec.id()); // a refusal of an older generation
        }
        registry.clearRefusal(spec.id());
        long head = journal.head(spec.stream());
        Live lm = new Live(spec, d.generation(), ServedModel.create(spec), head, snapshotEvery, false, 0);
        snapshot(lm, head);
        add(lm);
        LOG.info("model {} ({}, generation {}) joined stream {} at journal position {}", spec.id(), spec.describe(),
                d.generation(), spec.stream(), head);
    }

    private void refuseForMemory(DeclaredModels.Declaration d, String reason) {
        if (overBudget.put(d.spec().id(), d) == null) {
            LOG.warn("model {} refused: {}", d.spec().id(), reason);
            registry.refuse(d.spec(), reason);
            registry.listeners().forEach(l -> l.onModelRefused(d.spec(), "memory", reason));
        }
    }

    /** Tries again to admit models waiting for memory (after a model left, or a declaration changed). */
    void retryOverBudget(DeclaredModels.View declared) {
        for (DeclaredModels.Declaration waiting : new ArrayList<>(overBudget.values())) {
            String id = waiting.spec().id();
            DeclaredModels.Declaration d = declared.get(id);
            if (d == null || d.generation() != waiting.generation()) {
                forget(id);
                continue;
            }
            SnapshotStore.Header h = pinned.get(id);
            if (h != null) {
                if (budget.reserve(id, d.spec().footprintBytes()) == null) {
                    pinned.remove(id);
                    overBudget.remove(id);
                    registry.clearRefusal(id);
                    restoreOne(h, d);
                }
            } else if (joinedAt.containsKey(d.spec().stream())) {
                overBudget.remove(id);
                join(d);
            }
        }
    }

    /**
     * Largest journal entry: a changelog record must stay under the broker's default 1 MB message
     * limit, or every transaction carrying it would abort. A feature sample is bounded by its
     * model's widths; a sequence by its length, so a long one is refused here as {@code oversize}.
     */
    static final int MAX_JOURNAL_ENTRY_BYTES = 900 * 1024;

    /**
     * Learns one record of {@code stream} (a {@link Sample} or a {@link SequenceSample}) with every
     * model of {@code models} that can use it. When its models' steps run in parallel and records
     * are arriving back to back, the steps may still be running when this returns: the record's
     * outputs are then emitted by a later call (in journal order), by {@link #drain}, or, after a
     * crash, by the task that restores it (see the class comment).
     *
     * @param timestamp the Kafka timestamp of the record's outputs
     * @return null when at least one model used the record (it is journaled, and each model
     *         that could not use it counted it against itself), else the first model's reason,
     *         and nothing was changed
     */
    BadRecordException learn(String stream, TreeMap<String, Live> models, DataEvent sample, long sourceOffset,
                             long timestamp, Output out, Completion completes) {
        long entered = System.nanoTime();
        emitOwed(out);
        BadRecordException first = null;
        int usable = 0;
        int costly = 0;
        for (Live lm : models.values()) {
            lm.refusal = lm.model.fits(sample);
            if (lm.refusal == null) {
                usable++;
                costly += lm.meanStepNanos >= parallelMinStepNanos ? 1 : 0;
            } else if (first == null) {
                first = lm.refusal;
            }
        }
        if (usable == 0) {
            return first;
        }
        byte[] entry;
        if (sample instanceof SequenceSample q) {
            long size = JournalEntry.sequenceSize(q);
            if (size > MAX_JOURNAL_ENTRY_BYTES) {
                return new BadRecordException(BadRecordReason.OVERSIZE, "a sequence of " + q.steps() + " steps takes "
                        + size + " bytes in the journal, more than " + MAX_JOURNAL_ENTRY_BYTES
                        + " (a changelog record must stay under 1 MB): send shorter sequences");
            }
            entry = JournalEntry.encodeSequence(sourceOffset, q);
        } else {
            entry = JournalEntry.encodeSample(sourceOffset, (Sample) sample);
        }
        long seq = journal.head(stream);
        journal.append(stream, seq, entry);
        StepModeChooser mode = modelThreads > 1 && costly >= 2
                ? stepModes.computeIfAbsent(stream, s -> new StepModeChooser()) : null;
        if (mode != null) {
            String switched = mode.cycle(entered);
            if (switched != null) {
                LOG.info("stream {}: {}", stream, switched);
            }
        }
        boolean parallel = mode != null && (mode.parallelNext() || FORCE_PARALLEL);
        if (!parallel && !inFlight.isEmpty()) {
            drain(out); // a step run here must not overtake its model's steps still on the lanes
        }
        InFlight r = plan(stream, seq, models, sample, sourceOffset, timestamp, completes);
        inFlight.add(r);
        if (parallel) {
            if (lanes == null) {
                lanes = new StepLanes(modelThreads, "alignstream-model-steps");
            }
            for (int i = 0; i < r.models.length; i++) {
                final int slot = i;
                lanes.submit(r.models[i].lane, () -> r.run(slot));
            }
            PARALLEL_RECORDS.incrementAndGet();
            boolean ahead = completes == null && entered - lastLearnEnd < runAheadGapNanos;
            lanes.backlog(ahead);
            if (ahead) {
                collect(out);
                while (inFlight.size() > RUN_AHEAD_RECORDS) {
                    InFlight oldest = inFlight.peekFirst();
                    lanes.helpUntil(oldest::done);
                    collect(out);
                }
            } else {
                lanes.helpUntil(this::allDone);
                collect(out);
            }
        } else {
            for (int i = 0; i < r.models.length; i++) {
                r.run(i);
            }
            collect(out);
        }
        recordOwed();
        lastLearnEnd = System.nanoTime();
        return null;
    }

    /**
     * Records may run ahead only while they arrive back to back (a backlog): when the stream thread
     * was idle for longer than this before a record, the record is finished before {@link #learn}
     * returns, so a lone record's outputs are never held back. Tests set it to force either way.
     */
    static volatile long runAheadGapNanos = FORCE_PARALLEL ? Long.MAX_VALUE : 1_000_000;

    /** Records whose steps may still run when {@link #learn} returns (the oldest is waited for beyond that). */
    static final int RUN_AHEAD_RECORDS = 16;

    /** Records whose model steps ran in parallel (all tasks of the JVM), for tests and diagnostics. */
    static final java.util.concurrent.atomic.AtomicLong PARALLEL_RECORDS = new java.util.concurrent.atomic.AtomicLong();

    /**
     * The record's work for each model, decided on the stream thread from what it knows now:
     * which models step on it (each counted fitted, the others' refusals counted and the unfit
     * ones refused) and which take a snapshot right after it (at the staggered positions, planned
     * ahead of the steps, since a model running ahead is no longer at this position later).
     */
    private InFlight plan(String stream, long seq, TreeMap<String, Live> models, DataEvent sample, long sourceOffset,
                          long timestamp, Completion completes) {
        for (Live lm : models.values()) {
            if (lm.refusal != null) {
                countRefusal(lm, true);
            } else {
                lm.fitted = true;
                lm.unfitRun = 0;
            }
        }
        if (!refusedNow.isEmpty()) {
            refuseUnfitNow();
        }
        List<Live> work = new ArrayList<>(models.size());
        boolean[] due = new boolean[models.size()];
        for (Live lm : models.values()) {
            boolean snapshot = (seq + 1 + lm.phase) % snapshotEvery == 0
                    || seq + 1 - lm.plannedSnapshotSeq >= 2L * snapshotEvery;
            if (snapshot) {
                lm.plannedSnapshotSeq = seq + 1;
            }
            if (lm.refusal == null || snapshot) {
                due[work.size()] = snapshot;
                work.add(lm);
            }
        }
        return new InFlight(stream, seq, sample, sourceOffset, timestamp, completes, work, due);
    }

    private boolean allDone() {
        for (InFlight r : inFlight) {
            if (!r.done()) {
                return false;
            }
        }
        return true;
    }

    /** Emits the finished records at the front of the queue, in journal order. */
    private void collect(Output out) {
        while (!inFlight.isEmpty() && inFlight.peekFirst().done()) {
            finish(inFlight.pollFirst(), out);
        }
    }

    /**
     * Waits for every model step of the task and emits every record's outputs: afterwards each
     * model is at its journal's head and may be read or changed. Called before anything else
     * touches a model (a request, a re-declaration, a served sample, a label) and periodically,
     * so held-back outputs are never late by more than the punctuation interval.
     */
    void drain(Output out) {
        emitOwed(out);
        if (!inFlight.isEmpty()) {
            if (lanes != null) {
                lanes.helpUntil(this::allDone);
            }
            collect(out);
        }
        recordOwed();
    }

    /**
     * What one record does to its models after their steps: a prediction (or an outcome) per
     * model that used it, in model id order, its published counters, and the snapshots planned
     * after it; then the journal is truncated behind every snapshot.
     */
    private void finish(InFlight r, Output out) {
        for (Throwable t : r.failures) {
            if (t instanceof RuntimeException e) {
                throw e;
            }
            if (t instanceof Error e) {
                throw e;
            }
            if (t != null) {
                throw new IllegalStateException(t);
            }
        }
        for (int i = 0; i < r.models.length; i++) {
            Live lm = r.models[i];
            Prediction p = r.predictions[i];
            if (p != null) {
                if (p.step() == Prediction.StepOutcome.REJECTED) {
                    LOG.warn("model {}: update rejected at journal position {}: {}", lm.spec.id(), r.seq,
                            p.rejectReason());
                }
                lm.published.counters(r.seen[i], r.rejected[i]);
                if (r.completes == null) {
                    out.prediction(lm.spec, r.sample, p, r.sourceOffset, r.versions[i], false, r.nanos[i], r.timestamp);
                } else {
                    PendingStore.Served served = r.completes.pending().servedBy(lm.spec.id());
                    out.outcome(lm.spec, (Sample) r.sample, r.scored[i], r.sourceOffset,
                            served == null ? -1 : served.version(), r.completes.delayMillis(), r.nanos[i], r.timestamp);
                }
            }
        }
        for (int i = 0; i < r.models.length; i++) {
            byte[] bytes = r.snapshotBytes[i];
            if (bytes != null && byId.get(r.models[i].spec.id()) == r.models[i]) {
                Live lm = r.models[i];
                snapshots.put(lm.spec.id(), lm.spec.stream(), lm.generation, r.seq + 1, r.fitted[i], r.unfitRun[i], bytes);
                lm.snapshotSeq = r.seq + 1;
            }
        }
        truncate(r.stream);
    }

    /**
     * Serves a sample that waits for a delayed label: every model that can use it predicts it,
     * and its answer is added to {@code served}. Nothing is learned or journaled, and a model
     * that cannot use it is not counted towards being unfit (only journaled samples count, so
     * that a replay counts the same).
     *
     * @return null when at least one model served it, else the first model's reason
     */
    BadRecordException serve(TreeMap<String, Live> models, Sample sample, long sourceOffset, long timestamp, Output out,
                             List<PendingStore.Served> served) {
        drain(out);
        BadRecordException first = null;
        for (Live lm : models.values()) {
            BadRecordException refusal = lm.model.fits(sample);
            if (refusal != null) {
                first = first == null ? refusal : first;
                continue;
            }
            long start = System.nanoTime();
            long version = lm.model().samplesSeen();
            Prediction p = lm.model.evaluate(sample);
            long nanos = System.nanoTime() - start;
            served.add(new PendingStore.Served(lm.spec.id(), version, p.output()));
            out.prediction(lm.spec, sample, p, sourceOffset, version, true, nanos, timestamp);
        }
        return served.isEmpty() ? first : null;
    }

    private void countRefusal(Live lm, boolean live) {
        if (live) {
            String reason = lm.refusal.reason().id();
            registry.listeners().forEach(l -> l.onSampleRefused(lm.spec, reason));
        }
        if (!lm.fitted && ++lm.unfitRun >= UNFIT_LIMIT) {
            refusedNow.add(lm);
        }
    }

    private void refuseUnfitNow() {
        for (Live lm : refusedNow) {
            String reason = "refused: its declaration does not fit its stream: the first " + UNFIT_LIMIT
                    + " samples of stream " + lm.spec.stream() + " that other models learned did not fit it (last: "
                    + lm.refusal.getMessage() + ")";
            remove(lm);
            snapshots.delete(lm.spec.id());
            snapshots.putRefusal(lm.spec.id(), lm.generation, reason);
            unfit.put(lm.spec.id(), lm.generation);
            registry.refuse(lm.spec, reason);
            registry.listeners().forEach(l -> l.onModelRefused(lm.spec, "unfit", reason));
            LOG.warn("model {} {}", lm.spec.id(), reason);
        }
        refusedNow.clear();
    }

    /** Journals and applies a run-time change (learning rate, pause) of a live model. */
    void applyRuntimeChange(Live lm, ModelSpec next) {
        long seq = journal.head(lm.spec.stream());
        journal.append(lm.spec.stream(), seq, JournalEntry.config(lm.spec.id(), lm.generation,
                next.config().learningRate(), next.paused()));
        lm.model().setLearningRate(next.config().learningRate());
        lm.model().setPaused(next.paused());
        lm.spec = next;
        lm.published.set(status(lm));
        LOG.info("model {}: learning rate {} paused {} from journal position {}", lm.spec.id(),
                next.config().learningRate(), next.paused(), seq);
    }

    /** Removes a live model and its state (deleted, or replaced by a new generation). */
    void delete(Live lm) {
        remove(lm);
        snapshots.delete(lm.spec.id());
    }

    /** Forgets a model that is not live here (refused or waiting) and its committed traces. */
    void forget(String modelId) {
        if (unfit.remove(modelId) != null) {
            snapshots.deleteRefusal(modelId);
        }
        if (unrestorable.remove(modelId) != null) {
            snapshots.delete(modelId);
        }
        overBudget.remove(modelId);
        if (pinned.remove(modelId) != null) {
            snapshots.delete(modelId);
        }
        registry.clearRefusal(modelId);
    }

    /** Ids of models refused or waiting here, with the generation they were refused at. */
    Map<String, Long> notLive() {
        Map<String, Long> out = new HashMap<>(unfit);
        out.putAll(unrestorable);
        overBudget.forEach((id, d) -> out.put(id, d.generation()));
        return out;
    }

    private void snapshot(Live lm, long seq) {
        snapshots.put(lm.spec.id(), lm.spec.stream(), lm.generation, seq, lm.fitted, lm.unfitRun,
                lm.model.snapshotBytes());
        lm.snapshotSeq = seq;
        lm.plannedSnapshotSeq = seq;
    }

    /** Drops journal entries every restorable snapshot of the stream is past. */
    private void truncate(String stream) {
        TreeMap<String, Live> models = streams.get(stream);
        long min = Long.MAX_VALUE;
        if (models != null) {
            for (Live lm : models.values()) {
                min = Math.min(min, lm.snapshotSeq);
            }
        }
        for (SnapshotStore.Header h : pinned.values()) {
            if (h.stream().equals(stream)) {
                min = Math.min(min, h.journalSeq());
            }
        }
        if (min != Long.MAX_VALUE) {
            journal.truncateBelow(stream, min);
        }
    }

    private void add(Live lm) {
        streams.computeIfAbsent(lm.spec.stream(), s -> new TreeMap<>()).put(lm.spec.id(), lm);
        byId.put(lm.spec.id(), lm);
        registry.clearRefusal(lm.spec.id());
        lm.published = new PublishedStatus(status(lm));
        registry.own(lm.spec.id(), owner, lm.published);
        registry.listeners().forEach(l -> l.onModelAdded(lm.spec));
    }

    private void remove(Live lm) {
        TreeMap<String, Live> models = streams.get(lm.spec.stream());
        if (models != null) {
            models.remove(lm.spec.id());
            if (models.isEmpty()) {
                streams.remove(lm.spec.stream());
            }
        }
        byId.remove(lm.spec.id());
        budget.release(lm.spec.id());
        registry.release(lm.spec.id(), owner);
        registry.listeners().forEach(l -> l.onModelRemoved(lm.spec.id()));
    }

    static ModelStatus status(Live lm) {
        ServedModel m = lm.model;
        return new ModelStatus(lm.spec.id(), lm.spec.stream(), m.arch().id(), m.config().rule().id(),
                m.config().layersString(), m.config().learningRate(), m.config().batchSize(), m.samplesSeen(),
                m.rejectedSteps(), m.paused(), "live", lm.spec.footprintBytes());
    }

    /** Releases everything this task holds on the instance (its memory, its registry entries); state stays committed. */
    void close() {
        if (lanes != null) {
            // steps still queued are dropped: their records' outputs are owed in the committed
            // state, and the task that restores it emits them
            lanes.close();
            lanes = null;
        }
        inFlight.clear();
        for (Live lm : new ArrayList<>(byId.values())) {
            budget.release(lm.spec.id());
            registry.release(lm.spec.id(), owner);
        }
        for (String id : overBudget.keySet()) {
            registry.clearRefusal(id);
        }
        for (String id : unfit.keySet()) {
            registry.clearRefusal(id);
        }
        for (String id : unrestorable.keySet()) {
            registry.clearRefusal(id);
        }
        byId.clear();
        streams.clear();
    }
}
