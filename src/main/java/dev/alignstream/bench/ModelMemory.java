package dev.alignstream.bench;

import dev.alignstream.core.Learner;
import dev.alignstream.core.Model;
import dev.alignstream.core.Parameters;

/**
 * The memory one built model holds, counted from the arrays it actually keeps (float data only, no
 * object headers): live parameters, the frozen copy (with any feedback matrices), the alignment
 * accumulators, the pending mini-batch and the learner's step buffers. {@link #weightSized()}
 * says how many weight-sized matrix sets that is — the working set each learning step streams.
 *
 * @param live      live weights and biases
 * @param frozen    frozen initial copy and feedback matrices (shared by models of equal seed and sizes)
 * @param alignment alignment accumulators {@code P} (0 when not tracked)
 * @param buffers   pending mini-batch and step buffers
 */
public record ModelMemory(long live, long frozen, long alignment, long buffers) {

    /** Counts the arrays of {@code model} and of the {@code learner} that trains it. */
    public static ModelMemory of(Model model, Learner learner) {
        Parameters p = model.live();
        long live = 0;
        for (int l = 1; l <= p.depth(); l++) {
            live += p.weightT(l).bytes() + 4L * p.bias(l).length;
        }
        long alignment = model.alignment() == null ? 0 : model.alignment().bytes();
        long buffers = model.pending().features().bytes() + model.pending().targets().bytes() + learner.workspaceBytes();
        return new ModelMemory(live, model.frozen().bytes(), alignment, buffers);
    }

    public long total() {
        return live + frozen + alignment + buffers;
    }

    /** Total bytes in units of the live parameters: how many weight-sized copies the model holds. */
    public double weightSized() {
        return (double) total() / live;
    }
}
