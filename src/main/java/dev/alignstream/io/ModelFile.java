package dev.alignstream.io;

import dev.alignstream.core.Arch;
import dev.alignstream.core.FrozenNetwork;
import dev.alignstream.core.Initializer;
import dev.alignstream.core.Model;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.Parameters;
import dev.alignstream.core.RowMatrix;
import dev.alignstream.core.RuleName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model as a safetensors file (SPEC section 6): live parameters, the frozen initial copy, the
 * feedback matrices, and — beyond the contract's minimum — the alignment accumulators and a
 * pending mini-batch, so that a file is the model's complete state. Like Tribuo's provenance, the
 * metadata carries the full configuration that produced the model, so a file alone is enough to
 * continue training it exactly.
 *
 * <p>Two forms: {@link #toBytes(Model)} writes everything (what users export); the snapshot form
 * {@link #toSnapshotBytes(Model)} leaves out the frozen copy and feedback matrices, which are
 * re-derived from the seed when read, halving the size of the streaming service's state.
 */
public final class ModelFile {

    public static final String FORMAT_VERSION = "1";

    private ModelFile() {
    }

    public static byte[] toBytes(Model m) {
        return Safetensors.write(tensors(m, true), metadata(m));
    }

    /** The model without its frozen copy; valid for models whose frozen copy comes from their seed. */
    public static byte[] toSnapshotBytes(Model m) {
        return Safetensors.write(tensors(m, false), metadata(m));
    }

    public static void write(Path file, Model m) throws IOException {
        Safetensors.write(file, tensors(m, true), metadata(m));
    }

    public static Model read(Path file) throws IOException {
        try {
            return fromContent(Safetensors.read(file));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** Reads either form; a file without {@code frozen.*} tensors gets its frozen copy from its seed. */
    public static Model fromBytes(byte[] bytes) {
        return fromContent(Safetensors.read(bytes));
    }

    private static Map<String, String> metadata(Model m) {
        Map<String, String> meta = new LinkedHashMap<>(m.config().toMetadata());
        meta.put("samples_seen", Long.toString(m.samplesSeen()));
        meta.put("rejected_steps", Long.toString(m.rejectedSteps()));
        meta.put("paused", Boolean.toString(m.paused()));
        meta.put("format_version", FORMAT_VERSION);
        meta.put("producer", "alignstream");
        return meta;
    }

    private static LinkedHashMap<String, Tensor> tensors(Model m, boolean withFrozen) {
        ModelConfig c = m.config();
        int[] n = c.layers();
        int depth = c.depth();
        LinkedHashMap<String, Tensor> t = new LinkedHashMap<>();
        addParameters(t, "layers", m.live(), n);
        if (withFrozen) {
            addParameters(t, "frozen", m.frozen().initial(), n);
            for (int l = 1; l <= depth; l++) {
                float[] fb = m.frozen().feedbackTensor(l);
                if (fb != null) {
                    int cols = c.rule() == RuleName.DFA ? n[depth] : n[l - 1];
                    put(t, "feedback." + (l - 1) + ".weight", new int[] {n[l], cols}, fb);
                }
            }
        }
        if (m.alignment() != null) {
            for (int l = 1; l <= depth; l++) {
                put(t, "alignment." + (l - 1) + ".prediction", new int[] {n[l], n[l - 1]},
                        m.alignment().predictedT(l).toTransposedRowMajor());
            }
        }
        int pending = m.pending().count();
        if (pending > 0) {
            put(t, "pending.features", new int[] {pending, n[0]}, rows(m.pending().features(), pending));
            put(t, "pending.targets", new int[] {pending, n[depth]}, rows(m.pending().targets(), pending));
        }
        return t;
    }

    private static float[] rows(RowMatrix m, int count) {
        float[] out = new float[count * m.numCols()];
        for (int r = 0; r < count; r++) {
            System.arraycopy(m.row(r), 0, out, r * m.numCols(), m.numCols());
        }
        return out;
    }

    private static void addParameters(Map<String, Tensor> t, String prefix, Parameters p, int[] n) {
        for (int l = 1; l < n.length; l++) {
            put(t, prefix + "." + (l - 1) + ".weight", new int[] {n[l], n[l - 1]}, p.weight(l));
            put(t, prefix + "." + (l - 1) + ".bias", new int[] {n[l]}, p.bias(l).clone());
        }
    }

    private static void put(Map<String, Tensor> t, String name, int[] shape, float[] data) {
        t.put(name, new Tensor(name, shape, data));
    }

    /**
     * The tensors and metadata of a model file, checked against the metadata's layer sizes but
     * not yet assembled into a {@link Model}; {@code frozenParameters} and entries of
     * {@code feedback}, {@code alignment} are null where the file has none.
     */
    public record Contents(ModelConfig config, Parameters live, Parameters frozenParameters, float[][] feedback,
                           float[][] alignment, float[] pendingFeatures, float[] pendingTargets, int pendingCount,
                           long samplesSeen, long rejectedSteps, boolean paused) {
    }

    public static Contents readContents(Path file) throws IOException {
        try {
            return contents(Safetensors.read(file));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    private static Contents contents(SafetensorsContent content) {
        Map<String, String> meta = content.metadata();
        Map<String, Tensor> t = content.tensors();
        if (Arch.of(meta) != Arch.MLP) {
            throw new IllegalArgumentException("this is an " + Arch.of(meta).id()
                    + " model file (metadata arch); read it with RnnModelFile");
        }
        ModelConfig c = ModelConfig.fromMetadata(meta);
        int[] n = c.layers();
        int depth = c.depth();
        Parameters live = readParameters(t, "layers", n);
        Parameters frozen = t.containsKey("frozen.0.weight") ? readParameters(t, "frozen", n) : null;
        float[][] feedback = new float[depth][];
        if (c.rule() == RuleName.FA || c.rule() == RuleName.DFA) {
            for (int l = 1; l <= depth; l++) {
                String name = "feedback." + (l - 1) + ".weight";
                if (t.containsKey(name)) {
                    int cols = c.rule() == RuleName.DFA ? n[depth] : n[l - 1];
                    feedback[l - 1] = data(t, name, n[l], cols);
                }
            }
        }
        float[][] alignment = new float[depth][];
        for (int l = 1; l <= depth; l++) {
            String name = "alignment." + (l - 1) + ".prediction";
            if (t.containsKey(name)) {
                alignment[l - 1] = data(t, name, n[l], n[l - 1]);
            }
        }
        float[] pf = null;
        float[] pt = null;
        int count = 0;
        if (t.containsKey("pending.features")) {
            Tensor f = t.get("pending.features");
            if (f.shape().length != 2 || f.shape()[0] > c.batchSize()) {
                throw new IllegalArgumentException("pending.features must be [count <= batch_size, n_0]");
            }
            count = f.shape()[0];
            pf = data(t, "pending.features", count, n[0]);
            pt = data(t, "pending.targets", count, n[depth]);
        }
        return new Contents(c, live, frozen, feedback, alignment, pf, pt, count, parseLong(meta, "samples_seen"),
                parseLong(meta, "rejected_steps"), Boolean.parseBoolean(meta.getOrDefault("paused", "false")));
    }

    public static Model fromContent(SafetensorsContent content) {
        Contents f = contents(content);
        ModelConfig c = f.config();
        FrozenNetwork frozen;
        if (f.frozenParameters() != null) {
            RuleName kind = c.rule() == RuleName.FA || c.rule() == RuleName.DFA ? c.rule() : null;
            if (kind != null) {
                for (int l = 1; l <= c.depth(); l++) {
                    boolean expected = kind == RuleName.FA ? l >= 2 : l < c.depth();
                    if (expected && f.feedback()[l - 1] == null) {
                        throw new IllegalArgumentException("model file lacks tensor 'feedback." + (l - 1) + ".weight'");
                    }
                }
            }
            frozen = new FrozenNetwork(f.frozenParameters(), kind, f.feedback());
        } else {
            frozen = Initializer.frozen(c);
        }
        Model m = new Model(c, f.live(), frozen, 0);
        m.restoreCounters(f.samplesSeen(), f.rejectedSteps());
        m.setPaused(f.paused());
        if (m.alignment() != null) {
            for (int l = 1; l <= c.depth(); l++) {
                if (f.alignment()[l - 1] != null) {
                    m.alignment().predictedT(l).setTransposeOf(f.alignment()[l - 1]);
                }
            }
        }
        if (f.pendingCount() > 0) {
            m.pending().restore(f.pendingFeatures(), f.pendingTargets(), f.pendingCount());
        }
        return m;
    }

    private static long parseLong(Map<String, String> meta, String key) {
        try {
            return Long.parseLong(meta.getOrDefault(key, "0"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("metadata '" + key + "' is not an integer: " + meta.get(key));
        }
    }

    private static Parameters readParameters(Map<String, Tensor> t, String prefix, int[] n) {
        Parameters p = Parameters.zeros(n);
        for (int l = 1; l < n.length; l++) {
            p.setWeight(l, data(t, prefix + "." + (l - 1) + ".weight", n[l], n[l - 1]));
            p.setBias(l, data(t, prefix + "." + (l - 1) + ".bias", n[l]));
        }
        return p;
    }

    private static float[] data(Map<String, Tensor> t, String name, int... shape) {
        Tensor x = t.get(name);
        if (x == null) {
            throw new IllegalArgumentException("model file lacks tensor '" + name + "'");
        }
        if (!java.util.Arrays.equals(x.shape(), shape)) {
            throw new IllegalArgumentException("tensor '" + name + "' has shape " + java.util.Arrays.toString(x.shape())
                    + ", the metadata's layers need " + java.util.Arrays.toString(shape));
        }
        return x.data();
    }
}
