package dev.alignstream.stream;

import dev.alignstream.data.BadRecordReason;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a task's models in line with the declarations after they changed: deletes models no
 * longer declared, resets models declared again under a new generation, journals and applies
 * run-time changes (learning rate, pause), reports each refused re-declaration once, and retries
 * models waiting for memory. New models are not joined here but at the next sample of their
 * stream ({@link TaskModels#modelsOf}), at the journal head either way.
 *
 * <p><b>Contract for exactly-once:</b> {@link #reconcile} runs on the task's stream thread
 * between two records (or in a punctuation), so everything it changes — deleted snapshots,
 * journaled run-time changes — is committed in the transaction of the next commit, atomically
 * with the outputs and offsets around it. It MUST change a model only through a journal entry
 * (run-time change) or by discarding it entirely (delete, new generation): a live model is never
 * altered in a way a replay of its snapshot and journal would not reproduce.
 */
final class ModelReconciler {

    private static final Logger LOG = LoggerFactory.getLogger(ModelReconciler.class);

    private final TaskModels models;
    private final ModelRegistry registry;

    ModelReconciler(TaskModels models, ModelRegistry registry) {
        this.models = models;
        this.registry = registry;
    }

    void reconcile(DeclaredModels.View declared) {
        for (TaskModels.Live lm : models.live()) {
            DeclaredModels.Declaration d = declared.get(lm.spec.id());
            if (d == null) {
                models.delete(lm);
                LOG.info("model {} deleted", lm.spec.id());
                continue;
            }
            if (d.generation() != lm.generation) {
                models.delete(lm);
                LOG.info("model {} declared again (generation {} -> {}): its state is discarded and it starts from its"
                        + " seed at the next sample of stream {}", lm.spec.id(), lm.generation, d.generation(),
                        d.spec().stream());
                continue;
            }
            if (d.refusedChange() != null) {
                if (!d.refusedChange().equals(lm.reportedRefusal)) {
                    lm.reportedRefusal = d.refusedChange();
                    registry.listeners().forEach(l -> l.onDeadLetter(BadRecordReason.BAD_CONFIG.id()));
                }
            } else {
                lm.reportedRefusal = null;
            }
            ModelSpec next = d.spec();
            if (Float.floatToIntBits(next.config().learningRate())
                    != Float.floatToIntBits(lm.model().config().learningRate()) || next.paused() != lm.model().paused()) {
                models.applyRuntimeChange(lm, next);
            }
        }
        for (Map.Entry<String, Long> e : models.notLive().entrySet()) {
            DeclaredModels.Declaration d = declared.get(e.getKey());
            if (d == null || d.generation() != e.getValue()) {
                models.forget(e.getKey());
            }
        }
        models.retryOverBudget(declared);
    }
}
