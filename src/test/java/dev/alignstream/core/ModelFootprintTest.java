package dev.alignstream.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.alignstream.io.ModelFile;
import dev.alignstream.rules.Rules;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * The footprint estimate against the allocations of the classes it mirrors: once summed by hand
 * for a tiny model (every array written out), once measured with the JVM's per-thread allocation
 * counter for a model large enough that object headers do not matter.
 */
class ModelFootprintTest {

    @Test
    void everyTermMatchesTheAllocationsSummedByHand() {
        // layers 3,4,2, batch 2, align-ada, alignment tracked. float[n] = 16 + 4n bytes; a
        // RowMatrix r x c = 16 + 8r (row table) + r float[c].
        ModelConfig c = new ModelConfig(new int[] {3, 4, 2}, Activation.RELU, RuleName.ALIGN_ADA, 0.1f, 2, 1L, 0f, 1f, true);
        ModelFootprint f = ModelFootprint.of(c);
        long wt1 = 16 + 8 * 3 + 3 * (16 + 4 * 4); // WT^1 3x4 = 136
        long wt2 = 16 + 8 * 4 + 4 * (16 + 4 * 2); // WT^2 4x2 = 144
        long params = wt1 + (16 + 4 * 4) + wt2 + (16 + 4 * 2); // + b^1, b^2 = 336
        assertEquals(336, params);
        assertEquals(params, f.live());
        assertEquals(params, f.frozenInitial());
        assertEquals(params, f.guard());
        assertEquals(0, f.feedback(), "align-ada has no feedback matrices");
        // P^1, P^2 and the deferral buffer: 64 rows of a0^0 (3), g^1 (4), a0^1 (4), g^2 (2), 4 x 64 floats, 64 ints
        long deferral = (16 + 8 * 64 + 64 * (16 + 12)) + 2 * (16 + 8 * 64 + 64 * (16 + 16)) + (16 + 8 * 64 + 64 * (16 + 8))
                + (16 + 4 * 256) + (16 + 4 * 64);
        assertEquals(wt1 + wt2 + deferral, f.alignment());
        long b2x3 = 16 + 8 * 2 + 2 * (16 + 12);
        long b2x2 = 16 + 8 * 2 + 2 * (16 + 8);
        long b2x4 = 16 + 8 * 2 + 2 * (16 + 16);
        assertEquals(b2x3 + b2x2, f.pending());
        long scratch = 16 + 8 * 4 + 4 * (16 + 8); // widest (4) x batch (2)
        long lanes = 4 * (16 + 4 * 2);
        long nonzero = 16 + 4 * 4;
        long dots = 16 + 4 * 4;
        // gathered coefficients: 4 x 64 per slot, two slots (two rows left over); rows: 257 per slot
        long vectorScratch = (16 + 4 * 512) + (16 + 4 * 514) + scratch; // + the transposed result, 4 x 2
        // a0, target; layer 1: h, h0, a, a0, signal, alignSignal; layer 2 (output): h, h0, signal, alignSignal
        assertEquals(b2x3 + b2x2 + scratch + lanes + nonzero + dots + vectorScratch + 6 * b2x4 + 4 * b2x2, f.workspace());
        // tensors of the export form: live and frozen (12+4+8+2 each), alignment 12+8, pending 2x3 + 2x2
        long fileFloats = 2 * 26 + 20 + 10;
        assertEquals(3 * 4 * fileFloats, f.serialization());
        assertEquals(3 * 336 + 280 + deferral + 168 + 1336 + 32 + vectorScratch + 984, f.bytes()); // no second frozen layout
    }

    @Test
    void atBatchOneTheWorkspaceAlsoCountsTheSpareLiveActivities() {
        // layers 3,4,2, batch 1, bp, untracked: no vector scratch, no transposed result
        ModelConfig c = new ModelConfig(new int[] {3, 4, 2}, Activation.RELU, RuleName.BP, 0.1f, 1, 1L, 0f, 1f, false);
        long b1x3 = 16 + 8 + (16 + 12);
        long b1x2 = 16 + 8 + (16 + 8);
        long b1x4 = 16 + 8 + (16 + 16);
        long scratch = 16 + 8 * 4 + 4 * (16 + 4); // widest (4) x batch (1)
        long lanes = 4 * (16 + 4);
        long nonzero = 16 + 4 * 4;
        long dots = 16 + 4 * 4;
        long vectorScratch = (16 + 0) + (16 + 0);
        long spare = b1x3 + 2 * b1x4 + b1x2; // a^0; layer 1: h, a; the output: h (= a)
        assertEquals(b1x3 + b1x2 + scratch + lanes + nonzero + dots + vectorScratch + 6 * b1x4 + 4 * b1x2 + spare,
                ModelFootprint.of(c).workspace());
    }

    @Test
    void feedbackMatricesAreCountedForFaAndDfa() {
        ModelConfig fa = new ModelConfig(new int[] {5, 6, 7, 3}, Activation.RELU, RuleName.FA, 0.1f, 1, 1L, 0f, 1f, false);
        // B^2 and B^3, kept with one row per upper neuron: 7 rows of 6, 3 rows of 7
        assertEquals((16 + 8 * 7 + 7 * (16 + 4 * 6)) + (16 + 8 * 3 + 3 * (16 + 4 * 7)), ModelFootprint.of(fa).feedback());
        ModelConfig dfa = fa.withRule(RuleName.DFA);
        // D^1 transposed: 6 rows of 3; D^2 transposed: 7 rows of 3
        assertEquals((16 + 8 * 6 + 6 * (16 + 4 * 3)) + (16 + 8 * 7 + 7 * (16 + 4 * 3)), ModelFootprint.of(dfa).feedback());
        assertEquals(0, ModelFootprint.of(fa).alignment(), "alignment not tracked");
    }

    @Test
    void theEstimateCoversWhatBuildingLearningAndSerializingAModelAllocates() {
        ModelConfig c = new ModelConfig(new int[] {200, 300, 100}, Activation.RELU, RuleName.FA, 0.1f, 16,
                System.nanoTime(), 0f, 1f, true); // a fresh seed: the shared frozen copy is built, not reused
        // warm up: class loading and static initializers allocate too, once per JVM
        ModelConfig warm = c.withSeed(c.seed() + 1).withBatchSize(1);
        ModelFile.toBytes(new Learner(Model.create(warm), Rules.of(warm.rule())).model());
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = mx.getCurrentThreadAllocatedBytes();
        Model m = Model.create(c);
        Learner l = new Learner(m, Rules.of(c.rule()));
        byte[] file = ModelFile.toBytes(m);
        long measured = mx.getCurrentThreadAllocatedBytes() - before;
        long estimate = ModelFootprint.bytes(c);
        // the guard copy is lazy and the chunk copies happen elsewhere, so the estimate is above
        // what was measured, but not wildly: it is a budget, not a guess
        assertTrue(estimate >= measured, "estimate " + estimate + " below measured " + measured);
        assertTrue(estimate <= 3 * measured, "estimate " + estimate + " more than 3x measured " + measured);
        assertTrue(file.length > 0 && l.model() == m);
    }

    @Test
    void aHugeBatchOfWideLayersIsGigabytes() {
        ModelConfig c = new ModelConfig(new int[] {65536, 1, 65536}, Activation.RELU, RuleName.BP, 0.1f, 4096, 1L, 0f,
                1f, true);
        assertTrue(ModelFootprint.bytes(c) > 4L << 30, "about 9 GB of batch buffers");
    }
}
