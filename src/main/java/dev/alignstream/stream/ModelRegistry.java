package dev.alignstream.stream;

import dev.alignstream.core.AlignmentGauges;
import dev.alignstream.core.Model;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The instance-wide directory of live models, shared by the stream threads (which own the
 * models) and the HTTP and metrics threads (which only ask). Questions that need a model's
 * parameters are queued to the owning stream thread and answered with a future, so a reader
 * never sees a half-applied update.
 */
public final class ModelRegistry {

    /** How an owning processor runs a request on its stream thread. */
    interface Owner {
        <T> CompletableFuture<T> submit(String modelId, Function<ServedModel, T> task);
    }

    private final Map<String, Owner> owners = new ConcurrentHashMap<>();
    /** Live models' statuses, built when asked: the owner publishes counters, not a record per sample. */
    private final Map<String, Supplier<ModelStatus>> status = new ConcurrentHashMap<>();
    private final Map<String, ModelStatus> refused = new ConcurrentHashMap<>();
    private final DeclaredModels declared = new DeclaredModels();
    private final List<LearningListener> listeners = new CopyOnWriteArrayList<>();

    public void addListener(LearningListener l) {
        listeners.add(l);
    }

    List<LearningListener> listeners() {
        return listeners;
    }

    void own(String modelId, Owner owner, ModelStatus s) {
        own(modelId, owner, () -> s);
    }

    /** Registers a live model whose status {@code s} yields on demand (from any thread). */
    void own(String modelId, Owner owner, Supplier<ModelStatus> s) {
        owners.put(modelId, owner);
        status.put(modelId, s);
    }

    void release(String modelId, Owner owner) {
        if (owners.remove(modelId, owner)) {
            status.remove(modelId);
        }
    }

    /** The declarations of the models topic, kept by the global-store updater. */
    public DeclaredModels declarations() {
        return declared;
    }

    /** Shows {@code spec} as refused here, for {@code reason}, until {@link #clearRefusal}. */
    void refuse(ModelSpec spec, String reason) {
        refused.put(spec.id(), ModelStatus.of(spec, "refused", reason));
    }

    void clearRefusal(String modelId) {
        refused.remove(modelId);
    }

    /**
     * Every model this deployment knows: live ones here, refused ones (state {@code refused} and
     * a {@code reason}: unfit for its stream, over the memory budget, or a declaration that
     * cannot be read), and declared ones not (yet) live here.
     */
    public List<ModelStatus> models() {
        DeclaredModels.View v = declared.view();
        List<ModelStatus> out = new ArrayList<>();
        for (Supplier<ModelStatus> live : status.values()) {
            ModelStatus s = live.get();
            DeclaredModels.Declaration d = v.get(s.id());
            out.add(d == null || d.refusedChange() == null ? s : s.withReason(d.refusedChange()));
        }
        for (ModelStatus s : refused.values()) {
            if (!status.containsKey(s.id()) && v.get(s.id()) != null) {
                out.add(s);
            }
        }
        for (DeclaredModels.Declaration d : v.all().values()) {
            String id = d.spec().id();
            if (!status.containsKey(id) && !refused.containsKey(id)) {
                out.add(ModelStatus.of(d.spec(), "waiting: no sample of its stream has reached this instance",
                        d.refusedChange()));
            }
        }
        for (Map.Entry<String, String> e : v.invalid().entrySet()) {
            out.add(new ModelStatus(e.getKey(), null, null, null, null, 0f, 0, 0, 0, false, "refused",
                    "declaration cannot be read: " + e.getValue(), 0));
        }
        out.sort(Comparator.comparing(ModelStatus::id));
        return out;
    }

    public ModelStatus status(String modelId) {
        Supplier<ModelStatus> s = status.get(modelId);
        if (s != null) {
            return s.get();
        }
        return models().stream().filter(m -> m.id().equals(modelId)).findFirst().orElse(null);
    }

    /** Whether a model's parameters live on this instance. */
    public boolean isLocal(String modelId) {
        return owners.containsKey(modelId);
    }

    /**
     * Runs {@code task} on the model's stream thread with the MLP's core model; fails if the
     * model does not live here, or with an {@link IllegalArgumentException} if it is an RNN.
     */
    public <T> CompletableFuture<T> withModel(String modelId, Function<Model, T> task) {
        return withServed(modelId, m -> {
            if (m instanceof MlpServedModel mlp) {
                return task.apply(mlp.model());
            }
            throw new IllegalArgumentException("model '" + modelId + "' is an RNN model (arch rnn)");
        });
    }

    /**
     * An RNN model's outputs for {@code sequence} (checked to fit it), from the live model on its
     * stream thread, without learning: the prediction's {@code output} is row-major
     * {@code T x n_out}; with targets it carries the sequence's loss.
     */
    public CompletableFuture<dev.alignstream.core.Prediction> predictSequence(String modelId,
                                                                             dev.alignstream.data.SequenceSample sequence) {
        return withServed(modelId, m -> {
            if (!(m instanceof RnnServedModel)) {
                throw new IllegalArgumentException("model '" + modelId + "' is not an RNN model");
            }
            dev.alignstream.data.BadRecordException bad = m.fits(sequence);
            if (bad != null) {
                throw new IllegalArgumentException(bad.reason().id() + ": " + bad.getMessage());
            }
            return m.evaluate(sequence);
        });
    }

    /** Runs {@code task} on the model's stream thread; fails if the model does not live here. */
    <T> CompletableFuture<T> withServed(String modelId, Function<ServedModel, T> task) {
        Owner o = owners.get(modelId);
        if (o == null) {
            return CompletableFuture.failedFuture(new UnknownModelException(modelId));
        }
        return o.submit(modelId, task);
    }

    /** The model file (SPEC section 6), taken consistently between two samples. */
    public CompletableFuture<byte[]> export(String modelId) {
        return withServed(modelId, ServedModel::exportBytes);
    }

    /**
     * The model's alignment figures, computed on the calling thread from a copy taken between two
     * samples (the score reads every accumulator: too long for the stream thread).
     *
     * @throws UnknownModelException (as the cause of the {@link java.util.concurrent.ExecutionException})
     *         when the model does not live here
     */
    public AlignmentGauges alignmentGauges(String modelId, Duration timeout)
            throws java.util.concurrent.ExecutionException, InterruptedException, java.util.concurrent.TimeoutException {
        ServedModel copy = withServed(modelId, ServedModel::copy).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return copy.alignmentGauges();
    }

    /** Registers a model answered on the caller's thread; for tests of the HTTP layer without Kafka. */
    public void ownForTest(String id, String stream, Model model) {
        ServedModel served = new MlpServedModel(model);
        Owner direct = new Owner() {
            @Override
            public <T> CompletableFuture<T> submit(String modelId, Function<ServedModel, T> task) {
                return CompletableFuture.completedFuture(task.apply(served));
            }
        };
        own(id, direct, new ModelStatus(id, stream, "mlp", model.config().rule().id(), model.config().layersString(),
                model.config().learningRate(), model.config().batchSize(), model.samplesSeen(), model.rejectedSteps(),
                model.paused(), "live", dev.alignstream.core.ModelFootprint.bytes(model.config())));
    }

    /** No model of that id lives on this instance. */
    public static final class UnknownModelException extends RuntimeException {
        public UnknownModelException(String id) {
            super("model '" + id + "' does not live on this instance");
        }
    }
}
