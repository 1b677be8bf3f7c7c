package dev.alignstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.alignstream.core.AlignmentTracker;
import dev.alignstream.core.Model;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.rnn.RnnAlignmentTracker;
import dev.alignstream.rnn.RnnConfig;
import dev.alignstream.rnn.RnnMatrix;
import dev.alignstream.rnn.RnnModel;

/** The parts of the JSON reports that {@code train} and {@code evaluate} share. */
final class Reports {

    private Reports() {
    }

    static ObjectNode base(ObjectMapper json, ModelConfig c, Model m) {
        ObjectNode o = json.createObjectNode();
        o.put("rule", c.rule().id());
        o.put("layers", c.layersString());
        o.put("activation", c.activation().id());
        o.put("learning_rate", c.learningRate());
        o.put("batch_size", c.batchSize());
        o.put("seed", c.seed());
        o.put("target_offset", c.targetOffset());
        o.put("input_scale", c.inputScale());
        o.put("samples_seen", m.samplesSeen());
        return o;
    }

    /** Per-layer alignment score, its permutation baseline and the weight change norm. */
    static void addAlignment(ObjectNode o, Model m) {
        AlignmentTracker t = m.alignment();
        if (t == null || m.samplesSeen() == 0) {
            return;
        }
        ArrayNode layers = o.putArray("alignment");
        for (int l = 1; l <= m.config().depth(); l++) {
            ObjectNode x = layers.addObject();
            x.put("layer", l);
            x.put("score", t.score(l, m.live(), m.frozen().initial()));
            x.put("baseline", t.baselineScore(l, m.live(), m.frozen().initial(), 1L));
            x.put("change_norm", AlignmentTracker.changeNorm(l, m.live(), m.frozen().initial()));
        }
    }

    /** The shared keys for an RNN: those of {@link #base(ObjectMapper, ModelConfig, Model)} plus {@code arch} and {@code max_steps}. */
    static ObjectNode base(ObjectMapper json, RnnConfig c, RnnModel m) {
        ObjectNode o = json.createObjectNode();
        o.put("arch", "rnn");
        o.put("rule", c.rule().id());
        o.put("layers", c.base().layersString());
        o.put("activation", c.base().activation().id());
        o.put("learning_rate", c.base().learningRate());
        o.put("batch_size", c.base().batchSize());
        o.put("seed", c.base().seed());
        o.put("input_scale", c.base().inputScale());
        o.put("max_steps", c.maxSteps());
        o.put("samples_seen", m.samplesSeen());
        return o;
    }

    /** Per-matrix alignment score ({@code w_ih}, {@code w_hh}, {@code w_ho}), its permutation baseline and the change norm. */
    static void addAlignment(ObjectNode o, RnnModel m) {
        RnnAlignmentTracker t = m.alignment();
        if (t == null || m.samplesSeen() == 0) {
            return;
        }
        ArrayNode matrices = o.putArray("alignment");
        for (RnnMatrix x : RnnMatrix.values()) {
            ObjectNode a = matrices.addObject();
            a.put("matrix", x.weightName());
            a.put("score", t.score(x, m.live(), m.frozen().initial()));
            a.put("baseline", t.baselineScore(x, m.live(), m.frozen().initial(), 1L));
            a.put("change_norm", RnnAlignmentTracker.changeNorm(x, m.live(), m.frozen().initial()));
        }
    }
}
