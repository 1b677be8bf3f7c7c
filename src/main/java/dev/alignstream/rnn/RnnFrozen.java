package dev.alignstream.rnn;

import dev.alignstream.core.RowMatrix;

/**
 * The frozen copy {@code theta0} of an RNN's initial parameters, never modified. The Align rules
 * run BPTT through it; because it never changes, {@code W0_hh} and {@code W0_ho} are also kept
 * untransposed (one row per receiving neuron), so {@code W0^T c} is a vectorized combination of
 * rows ({@link dev.alignstream.core.Kernels#combineRows}) rather than a dot product per neuron.
 */
public final class RnnFrozen {

    private final RnnParameters initial;
    private final RowMatrix recurrentRows;
    private final RowMatrix readoutRows;

    public RnnFrozen(RnnParameters initial, RnnConfig c) {
        this.initial = initial;
        this.recurrentRows = RowMatrix.fromRowMajor(initial.weight(RnnMatrix.RECURRENT), c.hidden(), c.hidden());
        this.readoutRows = RowMatrix.fromRowMajor(initial.weight(RnnMatrix.READOUT), c.outputSize(), c.hidden());
    }

    /** The frozen copy drawn from the config's seed. */
    public static RnnFrozen fromSeed(RnnConfig c) {
        return new RnnFrozen(RnnParameters.initial(c), c);
    }

    /** The initial parameters. Callers must not modify them. */
    public RnnParameters initial() {
        return initial;
    }

    /** {@code W0_hh}, {@code n x n}, row {@code i} = the weights into hidden neuron {@code i}. */
    public RowMatrix recurrentRows() {
        return recurrentRows;
    }

    /** {@code W0_ho}, {@code n_out x n}, row {@code k} = the weights into output {@code k}. */
    public RowMatrix readoutRows() {
        return readoutRows;
    }
}
