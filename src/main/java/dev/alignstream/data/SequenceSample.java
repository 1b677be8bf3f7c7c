package dev.alignstream.data;

/**
 * One sequence record (SPEC section 8), {@code {"sequence": [[...], ...], "targets": [[...], ...]}}
 * with an optional {@code "id"}: {@code steps} input vectors of equal width and, when labelled, one
 * target vector per step. Values are stored flat, row-major, one row per time step, so a long
 * sequence costs two arrays rather than one per step. A sequence without targets is
 * "predict only".
 *
 * @param id          optional user id of the sequence, or null
 * @param steps       number of time steps {@code T >= 1}
 * @param inputWidth  width of every input vector {@code x_t}
 * @param inputs      {@code x_1..x_T}, row-major {@code T x inputWidth}
 * @param targetWidth width of every target vector (0 when unlabelled)
 * @param targets     {@code target_1..target_T}, row-major {@code T x targetWidth}, or null
 */
public record SequenceSample(String id, int steps, int inputWidth, float[] inputs, int targetWidth, float[] targets)
        implements DataEvent {

    public SequenceSample {
        if (steps < 1 || inputs == null || inputs.length != steps * inputWidth) {
            throw new IllegalArgumentException("a sequence needs steps >= 1 and steps x width inputs");
        }
        if (targets != null && targets.length != steps * targetWidth) {
            throw new IllegalArgumentException("targets must hold steps x target width values");
        }
    }

    /** A labelled sequence from per-step rows (convenient for tests and generators). */
    public static SequenceSample of(float[][] sequence, float[][] targets) {
        return new SequenceSample(null, sequence.length, sequence[0].length, flatten(sequence),
                targets == null ? 0 : targets[0].length, targets == null ? null : flatten(targets));
    }

    private static float[] flatten(float[][] rows) {
        int w = rows[0].length;
        float[] out = new float[rows.length * w];
        for (int t = 0; t < rows.length; t++) {
            if (rows[t].length != w) {
                throw new IllegalArgumentException("step " + t + " has " + rows[t].length + " values, not " + w);
            }
            System.arraycopy(rows[t], 0, out, t * w, w);
        }
        return out;
    }

    public boolean isLabelled() {
        return targets != null;
    }

    /** Value {@code j} of input step {@code t} (0-based). */
    public float input(int t, int j) {
        return inputs[t * inputWidth + j];
    }

    /** Value {@code j} of target step {@code t} (0-based). */
    public float target(int t, int j) {
        return targets[t * targetWidth + j];
    }
}
