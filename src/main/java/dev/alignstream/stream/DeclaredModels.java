package dev.alignstream.stream;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the models topic declares, parsed once per models-topic record and indexed by stream, so
 * a sample costs one hash lookup to find its models (or to learn that none consume its stream)
 * instead of a parse of every declaration.
 *
 * <p>Written only by the global-store updater ({@link #apply}), in models-topic order, on the
 * global thread (also while the global store is restored, which replays the topic through the
 * updater); read by every stream thread and the HTTP threads through {@link #view()}, an
 * immutable snapshot whose {@link View#version()} changes whenever anything changed. A reader
 * compares versions to know, at the cost of one volatile read, whether to reconcile.
 *
 * <p><b>Generation.</b> Each accepted declaration has a generation: the {@code generation} field
 * of its JSON when present, else the models-topic offset of the record that created the id. A
 * re-declaration that changes only run-time settings (learning rate, pause) keeps the
 * generation; a record naming another generation, or any declaration after a delete, starts a
 * new one, and a new generation means a fresh model from its seed (a delete is a reset). A
 * re-declaration that changes fixed settings under the same generation is refused: the accepted
 * declaration stays and carries the refusal's reason. {@code models create} writes the current
 * generation into re-declarations, so log compaction (which drops the creating record) cannot
 * change a model's generation; a hand-written re-declaration without one keeps its generation
 * only while the creating record is still in the topic.
 */
public final class DeclaredModels {

    private static final Logger LOG = LoggerFactory.getLogger(DeclaredModels.class);

    /**
     * An accepted declaration.
     *
     * @param refusedChange why the latest re-declaration of this id was refused, or null
     */
    public record Declaration(ModelSpec spec, long generation, String refusedChange) {
    }

    /** An immutable snapshot of the declarations. */
    public static final class View {
        private final long version;
        private final Map<String, Declaration> byId;
        private final Map<String, List<Declaration>> byStream;
        private final Map<String, String> invalid;

        View(long version, Map<String, Declaration> byId, Map<String, String> invalid) {
            this.version = version;
            this.byId = Collections.unmodifiableMap(byId);
            this.invalid = Collections.unmodifiableMap(invalid);
            Map<String, List<Declaration>> s = new HashMap<>();
            for (Declaration d : new TreeMap<>(byId).values()) {
                s.computeIfAbsent(d.spec().stream(), k -> new ArrayList<>()).add(d);
            }
            s.replaceAll((k, v) -> List.copyOf(v));
            this.byStream = Collections.unmodifiableMap(s);
        }

        public long version() {
            return version;
        }

        /** The accepted declaration of {@code id}, or null. */
        public Declaration get(String id) {
            return byId.get(id);
        }

        /** The declarations of a stream's models in id order, or null when no model consumes it. */
        public List<Declaration> ofStream(String stream) {
            return byStream.get(stream);
        }

        public Map<String, Declaration> all() {
            return byId;
        }

        /** Ids whose only declaration could not be read, with the reason. */
        public Map<String, String> invalid() {
            return invalid;
        }
    }

    private volatile View view = new View(0, Map.of(), Map.of());

    public View view() {
        return view;
    }

    /**
     * Applies one models-topic record: {@code value} null is a delete. Never throws for bad
     * input: an unreadable declaration is recorded with its reason (and logged once).
     */
    public synchronized void apply(String id, byte[] value, long offset) {
        if (id == null) {
            return;
        }
        View v = view;
        Map<String, Declaration> byId = new HashMap<>(v.byId);
        Map<String, String> invalid = new HashMap<>(v.invalid);
        if (value == null) {
            byId.remove(id);
            invalid.remove(id);
        } else {
            ModelSpec.Declared d;
            String problem = null;
            try {
                d = ModelSpec.parseDeclaration(value);
                if (!d.spec().id().equals(id)) {
                    problem = "the record key '" + id + "' differs from the config's id '" + d.spec().id() + "'";
                }
            } catch (IllegalArgumentException e) {
                d = null;
                problem = e.getMessage();
            }
            Declaration old = byId.get(id);
            if (problem != null) {
                LOG.warn("models topic: declaration of '{}' refused: {}", id, problem);
                if (old != null) {
                    byId.put(id, new Declaration(old.spec(), old.generation(), problem));
                } else if (id.length() <= ModelSpec.MAX_ID) {
                    invalid.put(id, problem);
                }
            } else if (old != null && (d.generation() == null || d.generation() == old.generation())) {
                if (old.spec().isCompatibleChange(d.spec())) {
                    byId.put(id, new Declaration(d.spec(), old.generation(), null));
                } else {
                    String reason = "re-declaration refused: stream, sizes, rule and other fixed settings of an existing"
                            + " model cannot change; delete it and create it again (keeping " + old.spec().config()
                            + " on stream " + old.spec().stream() + ")";
                    LOG.warn("model {}: {}", id, reason);
                    byId.put(id, new Declaration(old.spec(), old.generation(), reason));
                }
            } else {
                byId.put(id, new Declaration(d.spec(), d.generation() != null ? d.generation() : offset, null));
                invalid.remove(id);
            }
        }
        view = new View(v.version + 1, byId, invalid);
    }
}
