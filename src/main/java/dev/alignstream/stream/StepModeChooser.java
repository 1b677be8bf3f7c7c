package dev.alignstream.stream;

/**
 * Chooses, for one stream, whether a record's model steps run in parallel ({@link StepLanes}) or
 * one after another, by measuring both: parallel steps pay only when another core is free to
 * take them, which depends on the machine's load at the time, not only on the step's cost.
 * It starts parallel; in every period of {@link #PERIOD} records, the last {@link #WINDOW} run
 * the other way, and the faster (by the median time per record, with a 10% margin against
 * noise) is kept for the next period.
 *
 * <p>What is measured is a record's whole cycle, from the start of its steps to the start of the
 * next record's ({@link #cycle}): with models running ahead of each other ({@link TaskModels#learn})
 * a record's steps end after the call that started them, so only the rate at which records pass
 * compares the two ways. A cycle longer than {@link #MAX_CYCLE_NANOS} is the stream waiting for
 * records, not their cost, and is not counted.
 *
 * <p>The choice changes only how long a record takes, never what it computes: the models and
 * the outputs are bit-identical either way.
 */
final class StepModeChooser {

    static final int PERIOD = 2048;
    static final int WINDOW = 64;
    /** Longest cycle counted: beyond it the stream thread was idle, waiting for records. */
    static final long MAX_CYCLE_NANOS = 1_000_000;

    private boolean parallel = true;
    /** The chosen way's last {@link #WINDOW} cycles (a ring), and how many were measured since it was chosen. */
    private final long[] chosen = new long[WINDOW];
    private int chosenCount;
    /** This period's trial cycles. */
    private final long[] trial = new long[WINDOW];
    private int trialCount;
    private long records;
    /** When the previous record's steps started, or -1. */
    private long lastStart = -1;

    /** Whether the next record's steps run in parallel. */
    boolean parallelNext() {
        return trial() != parallel;
    }

    private boolean trial() {
        return records % PERIOD >= PERIOD - WINDOW;
    }

    /**
     * Called when a record's steps start, before {@link #parallelNext}: the time since the
     * previous call is the previous record's cycle, reported with {@link #took}.
     *
     * @return a sentence naming the new way and both medians when this call switched ways, else null
     */
    String cycle(long now) {
        String switched = null;
        if (lastStart >= 0) {
            long c = now - lastStart;
            switched = took(c <= MAX_CYCLE_NANOS ? c : -1);
        }
        lastStart = now;
        return switched;
    }

    /**
     * Reports the cost of the last record (run the way {@link #parallelNext} said), or -1 when it
     * could not be measured.
     *
     * @return a sentence naming the new way and both medians when this record's report switched
     *         ways, else null
     */
    String took(long nanos) {
        String switched = null;
        if (nanos >= 0) {
            if (trial()) {
                trial[trialCount++] = nanos;
            } else {
                chosen[chosenCount++ % WINDOW] = nanos;
            }
        }
        records++;
        if (records % PERIOD == 0) {
            // medians, not means: a commit (the producer's flush, milliseconds) inside a window of 64
            // records of a few hundred microseconds would otherwise decide
            long trialMedian = trialCount >= WINDOW / 2 ? median(trial, trialCount) : -1;
            long chosenMedian = chosenCount >= WINDOW / 2 ? median(chosen, Math.min(chosenCount, WINDOW)) : -1;
            if (trialMedian >= 0 && chosenMedian >= 0 && trialMedian < 0.9 * chosenMedian) {
                parallel = !parallel;
                switched = String.format(java.util.Locale.ROOT, "model steps now run %s: %.0f us per record that way"
                        + " against %.0f the other (medians of the last %d records each way)",
                        parallel ? "in parallel" : "one after another", trialMedian / 1e3, chosenMedian / 1e3, WINDOW);
                System.arraycopy(trial, 0, chosen, 0, trialCount);
                chosenCount = trialCount;
            }
            trialCount = 0;
        }
        return switched;
    }

    private static long median(long[] values, int n) {
        long[] sorted = java.util.Arrays.copyOf(values, n);
        java.util.Arrays.sort(sorted);
        return sorted[n / 2];
    }

    /** Whether the steps currently run in parallel (outside trials). */
    boolean parallel() {
        return parallel;
    }
}
