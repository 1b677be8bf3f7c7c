package dev.alignstream.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.ejml.data.FMatrixRMaj;
import org.junit.jupiter.api.Test;

/**
 * The alignment score of SPEC section 5 on cases with a known answer, worked out by hand:
 * {@code score = <dW^T dW, P^T P>_F / (||dW^T dW||_F ||P^T P||_F)}. Both of the score's branches
 * (Grams on the output side when {@code n_out <= n_in}, on the input side otherwise) are covered.
 */
class AlignmentScoreTest {

    /** {@code dW} (n_out x n_in, the contract's layout) to the tracker's transposed {@code n_in x n_out}. */
    private static FMatrixRMaj transposed(float[][] w) {
        FMatrixRMaj t = new FMatrixRMaj(w[0].length, w.length);
        for (int i = 0; i < w.length; i++) {
            for (int j = 0; j < w[0].length; j++) {
                t.set(j, i, w[i][j]);
            }
        }
        return t;
    }

    private static double score(float[][] dW, float[][] p) {
        return AlignmentTracker.score(transposed(dW), transposed(p));
    }

    @Test
    void changeProportionalToPredictionScoresOneWhateverTheSign() {
        float[][] p = {{1, -2, 0.5f}, {0, 3, 1}};
        float[][] twice = {{2, -4, 1}, {0, 6, 2}};
        float[][] negative = {{-0.5f, 1, -0.25f}, {0, -1.5f, -0.5f}};
        assertEquals(1.0, score(twice, p), 1e-6);
        assertEquals(1.0, score(negative, p), 1e-6);
        // n_out > n_in: the other branch
        float[][] tall = {{1, 2}, {-1, 0}, {3, 1}};
        float[][] tall3 = {{3, 6}, {-3, 0}, {9, 3}};
        assertEquals(1.0, score(tall3, tall), 1e-6);
    }

    @Test
    void changeInInputDirectionsOrthogonalToPredictionScoresZero() {
        // dW uses input 1 only, P input 2 only: dW P^T = 0
        assertEquals(0.0, score(new float[][] {{1, 0}}, new float[][] {{0, 1}}), 0.0);
        // n_out = 3 > n_in = 2: dW^T dW = [[14,0],[0,0]], P^T P = [[0,0],[0,18]], inner product 0
        assertEquals(0.0, score(new float[][] {{1, 0}, {2, 0}, {3, 0}}, new float[][] {{0, 1}, {0, 4}, {0, -1}}), 0.0);
    }

    @Test
    void handComputedTwoByTwo() {
        // dW = [[1,1],[0,0]], P = [[1,0],[0,0]]: dW^T dW = [[1,1],[1,1]] (norm 2), P^T P = [[1,0],[0,0]] (norm 1),
        // inner product 1, so the score is 1 / (2 * 1) = 0.5
        assertEquals(0.5, score(new float[][] {{1, 1}, {0, 0}}, new float[][] {{1, 0}, {0, 0}}), 1e-7);
        // the same with a third, silent output unit (input-side branch): still 0.5
        assertEquals(0.5, score(new float[][] {{1, 1}, {0, 0}, {0, 0}}, new float[][] {{1, 0}, {0, 0}, {0, 0}}), 1e-7);
        // dW = [[1,0],[0,2]], P = I: dW^T dW = diag(1,4), inner 5, norms sqrt(17) and sqrt(2)
        assertEquals(5 / Math.sqrt(34), score(new float[][] {{1, 0}, {0, 2}}, new float[][] {{1, 0}, {0, 1}}), 1e-7);
    }

    @Test
    void publicScoreUsesChangeSinceInitialization() {
        // one 2 -> 2 layer; live = W0 + [[1,1],[0,0]], P = [[1,0],[0,0]]: the hand-computed 0.5
        Model m = Model.create(ModelConfig.of(RuleName.BP, 0.1f, 2, 2));
        Parameters w0 = m.frozen().initial();
        RowMatrix live = m.live().weightT(1);
        RowMatrix init = w0.weightT(1);
        // weightT is n_in x n_out: entry (j, i) holds W_ij
        live.row(0)[0] = init.get(0, 0) + 1;
        live.row(1)[0] = init.get(1, 0) + 1;
        m.alignment().predictedT(1).row(0)[0] = 1;
        double s = m.alignment().score(1, m.live(), w0);
        assertEquals(0.5, s, 1e-6);
        assertTrue(Double.isNaN(m.alignment().score(1, w0.copy(), w0)), "no change yet: the score is undefined (NaN)");
    }
}
