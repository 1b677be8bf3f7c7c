package dev.alignstream.io;

import dev.alignstream.core.Arch;
import dev.alignstream.rnn.RnnConfig;
import dev.alignstream.rnn.RnnFrozen;
import dev.alignstream.rnn.RnnMatrix;
import dev.alignstream.rnn.RnnModel;
import dev.alignstream.rnn.RnnParameters;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An RNN model as a safetensors file (SPEC section 6): {@code rnn.w_ih [n, n_in]},
 * {@code rnn.w_hh [n, n]}, {@code rnn.b_h [n]}, {@code rnn.w_ho [n_out, n]}, {@code rnn.b_o [n_out]},
 * the frozen copy under {@code frozen.rnn.*}, metadata {@code arch=rnn} plus the standard keys.
 * Like {@link ModelFile}, a file is the model's complete state: beyond the contract's minimum it
 * holds the alignment accumulators ({@code alignment.rnn.w_*}, shapes of the weights) and a pending
 * mini-batch ({@code pending.rnn.*}: the sums of the pending sequences' gradients;
 * {@code pending.alignment.rnn.w_*}: their alignment increments; metadata {@code pending_sequences}),
 * so reading a file and continuing gives bit-identical results to never having stopped.
 */
public final class RnnModelFile {

    private RnnModelFile() {
    }

    public static byte[] toBytes(RnnModel m) {
        return Safetensors.write(tensors(m, true), metadata(m));
    }

    /** The model without its frozen copy, which is re-derived from the seed when read. */
    public static byte[] toSnapshotBytes(RnnModel m) {
        return Safetensors.write(tensors(m, false), metadata(m));
    }

    public static void write(Path file, RnnModel m) throws IOException {
        Safetensors.write(file, tensors(m, true), metadata(m));
    }

    public static RnnModel read(Path file) throws IOException {
        try {
            return fromContent(Safetensors.read(file));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    public static RnnModel fromBytes(byte[] bytes) {
        return fromContent(Safetensors.read(bytes));
    }

    /** True when the file's metadata declares {@code arch=rnn}. */
    public static boolean isRnn(SafetensorsContent content) {
        return Arch.of(content.metadata()) == Arch.RNN;
    }

    private static Map<String, String> metadata(RnnModel m) {
        Map<String, String> meta = new LinkedHashMap<>(m.config().toMetadata());
        meta.put("samples_seen", Long.toString(m.samplesSeen()));
        meta.put("rejected_steps", Long.toString(m.rejectedSteps()));
        meta.put("paused", Boolean.toString(m.paused()));
        meta.put("pending_sequences", Integer.toString(m.pending().count()));
        meta.put("format_version", ModelFile.FORMAT_VERSION);
        meta.put("producer", "alignstream");
        return meta;
    }

    private static LinkedHashMap<String, Tensor> tensors(RnnModel m, boolean withFrozen) {
        RnnConfig c = m.config();
        LinkedHashMap<String, Tensor> t = new LinkedHashMap<>();
        putParameters(t, "rnn.", m.live(), c, true);
        if (withFrozen) {
            putParameters(t, "frozen.rnn.", m.frozen().initial(), c, true);
        }
        if (m.alignment() != null) {
            for (RnnMatrix x : RnnMatrix.values()) {
                put(t, "alignment.rnn." + x.weightName(), new int[] {x.rows(c), x.cols(c)},
                        m.alignment().predictedT(x).toTransposedRowMajor());
            }
        }
        if (m.pending().count() > 0) {
            putParameters(t, "pending.rnn.", m.pending().gradient(), c, true);
            if (m.pending().prediction() != null) {
                putParameters(t, "pending.alignment.rnn.", m.pending().prediction(), c, false);
            }
        }
        return t;
    }

    private static void putParameters(Map<String, Tensor> t, String prefix, RnnParameters p, RnnConfig c,
                                      boolean withBiases) {
        for (RnnMatrix x : RnnMatrix.values()) {
            put(t, prefix + x.weightName(), new int[] {x.rows(c), x.cols(c)}, p.weight(x));
            if (withBiases && x.biasName() != null) {
                put(t, prefix + x.biasName(), new int[] {x.rows(c)}, p.bias(x).clone());
            }
        }
    }

    private static void put(Map<String, Tensor> t, String name, int[] shape, float[] data) {
        t.put(name, new Tensor(name, shape, data));
    }

    /** Reads either form; a file without {@code frozen.rnn.*} tensors gets its frozen copy from its seed. */
    public static RnnModel fromContent(SafetensorsContent content) {
        Map<String, String> meta = content.metadata();
        Map<String, Tensor> t = content.tensors();
        RnnConfig c = RnnConfig.fromMetadata(meta);
        RnnParameters live = readParameters(t, "rnn.", c, true);
        RnnParameters frozenTensors = frozenParameters(content, c);
        RnnFrozen frozen = frozenTensors != null ? new RnnFrozen(frozenTensors, c) : RnnFrozen.fromSeed(c);
        RnnModel m = new RnnModel(c, live, frozen, 0);
        m.restoreCounters(parseLong(meta, "samples_seen"), parseLong(meta, "rejected_steps"));
        m.setPaused(Boolean.parseBoolean(meta.getOrDefault("paused", "false")));
        if (m.alignment() != null) {
            for (RnnMatrix x : RnnMatrix.values()) {
                String name = "alignment.rnn." + x.weightName();
                if (t.containsKey(name)) {
                    m.alignment().predictedT(x).setTransposeOf(data(t, name, x.rows(c), x.cols(c)));
                }
            }
        }
        long pending = parseLong(meta, "pending_sequences");
        if (pending < 0 || pending >= c.base().batchSize()) {
            throw new IllegalArgumentException("metadata 'pending_sequences' = " + pending + " is outside 0.."
                    + (c.base().batchSize() - 1));
        }
        if (pending > 0) {
            m.pending().gradient().setTo(readParameters(t, "pending.rnn.", c, true));
            if (m.pending().prediction() != null) {
                RnnParameters q = readParameters(t, "pending.alignment.rnn.", c, false);
                for (RnnMatrix x : RnnMatrix.values()) {
                    m.pending().prediction().weightT(x).setTo(q.weightT(x));
                }
            }
            m.pending().restoreCount((int) pending);
        }
        return m;
    }

    /** The file's {@code frozen.rnn.*} parameters, or null when it has none (a snapshot). */
    public static RnnParameters frozenParameters(SafetensorsContent content, RnnConfig c) {
        return content.tensors().containsKey("frozen.rnn.w_ih") ? readParameters(content.tensors(), "frozen.rnn.", c, true)
                : null;
    }

    private static RnnParameters readParameters(Map<String, Tensor> t, String prefix, RnnConfig c, boolean withBiases) {
        RnnParameters p = RnnParameters.zeros(c);
        for (RnnMatrix x : RnnMatrix.values()) {
            p.setWeight(x, data(t, prefix + x.weightName(), x.rows(c), x.cols(c)));
            if (withBiases && x.biasName() != null) {
                p.setBias(x, data(t, prefix + x.biasName(), x.rows(c)));
            }
        }
        return p;
    }

    private static long parseLong(Map<String, String> meta, String key) {
        try {
            return Long.parseLong(meta.getOrDefault(key, "0"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("metadata '" + key + "' is not an integer: " + meta.get(key));
        }
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
