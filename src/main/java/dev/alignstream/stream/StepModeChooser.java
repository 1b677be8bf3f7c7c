package dev.alignstream.stream;

/**
 * Chooses, for one stream, whether a record's model steps run in parallel ({@link StepLanes}) or
 * one after another, by measuring both: parallel steps pay only when another core is free to
 * take them, which depends on the machine's load at the time, not only on the step's cost.
 * It starts parallel; in every period of {@link #PERIOD} records, the last {@link #WINDOW} run
 * the other way, and the faster (by their mean time per record, with a 10% margin against
 * noise) is kept for the next period.
 *
 * <p>The choice changes only how long a record takes, never what it computes: the models and
 * the outputs are bit-identical either way.
 */
final class StepModeChooser {

    static final int PERIOD = 2048;
    static final int WINDOW = 64;

    private boolean parallel = true;
    /** Moving mean of the chosen way's nanoseconds per record; NaN until measured. */
    private double chosenMean = Double.NaN;
    private long trialNanos;
    private long records;

    /** Whether the next record's steps run in parallel. */
    boolean parallelNext() {
        return trial() != parallel;
    }

    private boolean trial() {
        return records % PERIOD >= PERIOD - WINDOW;
    }

    /** Reports the time of the record's steps, run the way {@link #parallelNext} said. */
    void took(long nanos) {
        if (trial()) {
            trialNanos += nanos;
        } else {
            chosenMean = Double.isNaN(chosenMean) ? nanos : chosenMean + (nanos - chosenMean) / 256.0;
        }
        records++;
        if (records % PERIOD == 0) {
            double trialMean = trialNanos / (double) WINDOW;
            if (!Double.isNaN(chosenMean) && trialMean < 0.9 * chosenMean) {
                parallel = !parallel;
                chosenMean = trialMean;
            }
            trialNanos = 0;
        }
    }

    /** Whether the steps currently run in parallel (outside trials). */
    boolean parallel() {
        return parallel;
    }
}
