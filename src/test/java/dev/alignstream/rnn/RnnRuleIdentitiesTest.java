package dev.alignstream.rnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.alignstream.core.Activation;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import dev.alignstream.data.SequenceSample;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The consequences of SPEC section 3 that single out particular rules. */
class RnnRuleIdentitiesTest {

    private static RnnLearner learner(RuleName rule, Activation phi, float lr) {
        return new RnnLearner(RnnModel.create(RnnTestData.config(rule, phi, lr, 1, 3, 16, 2)));
    }

    /**
     * On a model's first sequence the live and frozen parameters are equal, so:
     * <ul>
     * <li>{@code h_t == h0_t} and {@code s_t == s0_t} for every step (same code, same bits);
     * <li>the frozen signal equals BPTT's: {@code d_t = (W0_ho^T e_t + W0_hh^T c_{t+1})/sqrt(n)} is
     *     {@code dL/ds_t} and {@code c_t = phi'(h0_t) d_t} is BPTT's {@code delta_t = dL/dh_t};
     * <li>align-ada's live signal {@code phi'(h_t) * d_t} equals {@code c_t}, and its inputs
     *     {@code s_{t-1}, s_t} equal align-zero's {@code s0_{t-1}, s0_t}.
     * </ul>
     * Hence align-zero and align-ada give <em>bit-identical</em> updates (the learner computes
     * {@code c_t} once and both products see the same bits), and both equal {@code bp}'s update
     * up to float32 rounding only: {@code bp} reads the live weights backward with dot products
     * ({@link dev.alignstream.core.Kernels#backwardTransposed}), the Align rules combine the
     * frozen rows ({@link dev.alignstream.core.Kernels#combineRows}), which sum in another order.
     */
    @Test
    void onTheFirstSequenceBpAlignZeroAndAlignAdaGiveTheSameUpdate() {
        for (Activation phi : Activation.values()) {
            SequenceSample s = RnnTestData.sequences(1, 3, 2, 12, 12, 9L).get(0);
            RnnLearner bp = learner(RuleName.BP, phi, 0.1f);
            RnnLearner zero = learner(RuleName.ALIGN_ZERO, phi, 0.1f);
            RnnLearner ada = learner(RuleName.ALIGN_ADA, phi, 0.1f);
            bp.observe(s);
            zero.observe(s);
            ada.observe(s);
            assertTrue(zero.model().live().bitEquals(ada.model().live()), phi + ": align-zero == align-ada bit for bit");
            assertFalse(zero.model().live().bitEquals(zero.model().frozen().initial()), "the update is not empty");
            ReferenceRnn b = new ReferenceRnn(bp.model());
            ReferenceRnn z = new ReferenceRnn(zero.model());
            ReferenceRnn init = new ReferenceRnn(RnnModel.create(zero.model().config()));
            for (RnnMatrix m : RnnMatrix.values()) {
                double[] ub = minus(b.live.weight(m), init.live.weight(m));
                double[] uz = minus(z.live.weight(m), init.live.weight(m));
                RnnRuleContract.assertClose(ub, uz, phi + " update of " + m.weightName());
            }
            RnnRuleContract.assertClose(minus(b.live.bh, init.live.bh), minus(z.live.bh, init.live.bh), phi + " b_h");
            RnnRuleContract.assertClose(minus(b.live.bo, init.live.bo), minus(z.live.bo, init.live.bo), phi + " b_o");
        }
    }

    /**
     * align-ada's read-out learns with its exact gradient at every step, not only the first:
     * after several sequences (live and frozen differ), the change of {@code W_ho, b_o} equals
     * {@code -eta} times central finite differences of the live sequence loss.
     */
    @Test
    void alignAdaReadoutAlwaysGetsItsExactGradient() {
        float eta = 0.05f;
        RnnLearner ada = learner(RuleName.ALIGN_ADA, Activation.TANH, eta);
        for (SequenceSample s : RnnTestData.sequences(6, 3, 2, 5, 15, 12L)) {
            ada.observe(s);
        }
        assertFalse(ada.model().live().bitEquals(ada.model().frozen().initial()));
        SequenceSample s = RnnTestData.sequences(1, 3, 2, 10, 10, 13L).get(0);
        ReferenceRnn before = new ReferenceRnn(ada.model());
        ada.observe(s);
        ReferenceRnn after = new ReferenceRnn(ada.model());
        double[][] x = before.inputs(s);
        double[][] t = before.targets(s);
        double eps = 1e-5;
        for (double[][] pair : new double[][][] {{before.live.who, after.live.who}, {before.live.bo, after.live.bo}}) {
            double[] w = pair[0];
            for (int i = 0; i < w.length; i++) {
                double saved = w[i];
                w[i] = saved + eps;
                double up = before.loss(before.live, x, t);
                w[i] = saved - eps;
                double down = before.loss(before.live, x, t);
                w[i] = saved;
                double grad = (up - down) / (2 * eps);
                assertEquals(-eta * grad, pair[1][i] - saved, 1e-5 + 1e-3 * Math.abs(eta * grad), "read-out " + i);
            }
        }
        // ...while its hidden layer does not follow the exact gradient (the frozen signal differs from BPTT's)
        ReferenceRnn.Grad exact = before.gradient(RuleName.BP, x, t, null);
        double maxDiff = 0;
        for (int i = 0; i < exact.whh.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(after.live.whh[i] - before.live.whh[i] + eta * exact.whh[i]));
        }
        assertTrue(maxDiff > 1e-4, "align-ada's recurrent update is not BPTT's after learning: " + maxDiff);
    }

    /** {@code readout} learns only {@code W_ho} and {@code b_o}; the rest stays bit-identical to the initial parameters. */
    @Test
    void readoutChangesOnlyTheReadout() {
        RnnLearner r = learner(RuleName.READOUT, Activation.RELU, 0.05f);
        for (SequenceSample s : RnnTestData.sequences(5, 3, 2, 3, 9, 14L)) {
            r.observe(s);
        }
        RnnParameters live = r.model().live();
        RnnParameters init = r.model().frozen().initial();
        assertTrue(live.weightT(RnnMatrix.INPUT).bitEquals(init.weightT(RnnMatrix.INPUT)));
        assertTrue(live.weightT(RnnMatrix.RECURRENT).bitEquals(init.weightT(RnnMatrix.RECURRENT)));
        assertTrue(java.util.Arrays.equals(live.hiddenBias(), init.hiddenBias()));
        assertFalse(live.weightT(RnnMatrix.READOUT).bitEquals(init.weightT(RnnMatrix.READOUT)));
        assertFalse(java.util.Arrays.equals(live.outputBias(), init.outputBias()));
    }

    /**
     * Under align-zero every weight change is {@code -eta/B} times the accumulated prediction
     * {@code P} (SPEC section 5), so the alignment score of each matrix is 1; the permutation
     * baseline is far below.
     */
    @Test
    void alignZeroAlignmentScoreIsOneForEveryMatrix() {
        RnnLearner zero = learner(RuleName.ALIGN_ZERO, Activation.RELU, 0.02f);
        for (SequenceSample s : RnnTestData.sequences(12, 3, 2, 5, 20, 15L)) {
            zero.observe(s);
        }
        RnnModel m = zero.model();
        for (RnnMatrix x : RnnMatrix.values()) {
            double score = m.alignment().score(x, m.live(), m.frozen().initial());
            assertEquals(1.0, score, 1e-4, x.weightName());
            assertTrue(m.alignment().baselineScore(x, m.live(), m.frozen().initial(), 1L) < 0.99, x.weightName());
        }
    }

    /** The initial parameters are {@code new Random(seed)}'s Gaussians for W_ih, W_hh, W_ho in that order, row-major; biases 0. */
    @Test
    void initialParametersComeFromTheSeed() {
        RnnConfig c = RnnTestData.config(RuleName.BP, Activation.RELU, 0.1f, 1, 2, 3, 2);
        RnnModel m = RnnModel.create(c);
        Random r = new Random(11L);
        for (RnnMatrix x : RnnMatrix.values()) {
            float[] w = m.live().weight(x);
            for (float v : w) {
                assertEquals(Float.floatToIntBits((float) r.nextGaussian()), Float.floatToIntBits(v), x.weightName());
            }
        }
        for (float b : m.live().hiddenBias()) {
            assertEquals(0f, b);
        }
        assertTrue(m.live().bitEquals(RnnModel.create(c).live()));
        assertTrue(m.live().bitEquals(m.frozen().initial()));
        assertFalse(m.live() == m.frozen().initial(), "live is a private copy");
    }

    @Test
    void faDfaAndWrongShapesAreRefusedClearly() {
        for (RuleName r : List.of(RuleName.FA, RuleName.DFA)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> RnnConfig.of(r, 0.1f, 1, 8, 1));
            assertTrue(e.getMessage().contains("not defined for RNNs"), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RnnConfig(ModelConfig.of(RuleName.BP, 0.1f, 1, 8, 8, 1)));
        assertTrue(e.getMessage().contains("n_in,n,n_out"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RnnConfig.of(RuleName.BP, 0.1f, 1, 8, 1).withMaxSteps(0));
    }

    private static double[] minus(double[] a, double[] b) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i] - b[i];
        }
        return d;
    }
}
