package dev.alignstream.data;

/** Checks that a parsed sample fits a model's input and output sizes (SPEC section 8). */
public final class SampleValidator {

    private SampleValidator() {
    }

    /** @throws BadRecordException with the reason the sample does not fit */
    public static void check(Sample s, int inputSize, int outputSize) {
        if (s.features().length != inputSize) {
            throw new BadRecordException(BadRecordReason.WRONG_WIDTH,
                    "expected " + inputSize + " features, found " + s.features().length);
        }
        for (int i = 0; i < s.features().length; i++) {
            if (!Float.isFinite(s.features()[i])) {
                throw new BadRecordException(BadRecordReason.NON_FINITE, "feature " + i + " is " + s.features()[i]);
            }
        }
        checkLabel(s.label(), s.target(), outputSize);
    }

    /** Checks a label or target (of a sample or of a delayed label record) against the output size. */
    public static void checkLabel(Integer label, float[] target, int outputSize) {
        if (label != null && (label < 0 || label >= outputSize)) {
            throw new BadRecordException(BadRecordReason.LABEL_OUT_OF_RANGE,
                    "label " + label + " outside 0.." + (outputSize - 1));
        }
        if (target != null) {
            if (target.length != outputSize) {
                throw new BadRecordException(BadRecordReason.TARGET_WIDTH,
                        "expected a target of " + outputSize + " values, found " + target.length);
            }
            for (int i = 0; i < target.length; i++) {
                if (!Float.isFinite(target[i])) {
                    throw new BadRecordException(BadRecordReason.NON_FINITE, "target " + i + " is " + target[i]);
                }
            }
        }
    }

    /**
     * Checks that a parsed sequence fits an RNN: {@code n_in} values per step, targets of
     * {@code n_out} values per step, at most {@code maxSteps} steps.
     *
     * @throws BadRecordException with the reason the sequence does not fit
     */
    public static void checkSequence(SequenceSample s, int inputSize, int outputSize, int maxSteps) {
        if (s.steps() > maxSteps) {
            throw new BadRecordException(BadRecordReason.OVERSIZE,
                    "sequence of " + s.steps() + " steps exceeds the limit of " + maxSteps);
        }
        if (s.inputWidth() != inputSize) {
            throw new BadRecordException(BadRecordReason.WRONG_WIDTH,
                    "expected " + inputSize + " values per step, found " + s.inputWidth());
        }
        if (s.targets() != null && s.targetWidth() != outputSize) {
            throw new BadRecordException(BadRecordReason.TARGET_WIDTH,
                    "expected targets of " + outputSize + " values per step, found " + s.targetWidth());
        }
    }
}
