package dev.alignstream.rnn;

/**
 * The three weight matrices of an Elman RNN (SPEC section 3), each with the bias that belongs to
 * its output and the names and shapes of SPEC section 6. The alignment score is reported per
 * matrix.
 */
public enum RnnMatrix {
    /** {@code W_ih}, {@code [n, n_in]}; its bias is {@code b_h}. */
    INPUT("w_ih", "b_h"),
    /** {@code W_hh}, {@code [n, n]}; shares {@code b_h} with {@link #INPUT}, so has no bias of its own. */
    RECURRENT("w_hh", null),
    /** {@code W_ho}, {@code [n_out, n]}; its bias is {@code b_o}. */
    READOUT("w_ho", "b_o");

    private final String weightName;
    private final String biasName;

    RnnMatrix(String weightName, String biasName) {
        this.weightName = weightName;
        this.biasName = biasName;
    }

    /** {@code w_ih}, {@code w_hh} or {@code w_ho}. */
    public String weightName() {
        return weightName;
    }

    /** {@code b_h}, {@code b_o}, or null for the recurrent matrix. */
    public String biasName() {
        return biasName;
    }

    /** Rows of the contract's (untransposed) matrix: its output width. */
    public int rows(RnnConfig c) {
        return this == READOUT ? c.outputSize() : c.hidden();
    }

    /** Columns of the contract's matrix: its input width, whose square root scales the product. */
    public int cols(RnnConfig c) {
        return switch (this) {
            case INPUT -> c.inputSize();
            case RECURRENT, READOUT -> c.hidden();
        };
    }
}
