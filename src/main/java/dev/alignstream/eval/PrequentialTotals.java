package dev.alignstream.eval;

import dev.alignstream.core.Prediction;

/**
 * Prequential accuracy and loss over everything seen so far: the figures offline {@code train}
 * reports for a whole pass over a dataset. Loss is summed in double precision in sample order.
 */
public final class PrequentialTotals {

    private long labelled;
    private long classified;
    private long correct;
    private double lossSum;

    public void add(Prediction p, boolean isClassification) {
        if (!p.labelled()) {
            return;
        }
        labelled++;
        lossSum += p.loss();
        if (isClassification) {
            classified++;
            if (p.correct()) {
                correct++;
            }
        }
    }

    public long labelled() {
        return labelled;
    }

    /** Fraction correct among classification samples, NaN when there were none. */
    public double accuracy() {
        return classified == 0 ? Double.NaN : (double) correct / classified;
    }

    /** Mean loss, NaN when nothing was labelled. */
    public double loss() {
        return labelled == 0 ? Double.NaN : lossSum / labelled;
    }
}
