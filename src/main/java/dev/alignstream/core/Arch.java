package dev.alignstream.core;

import java.util.Locale;
import java.util.Map;

/**
 * A model's architecture (SPEC sections 3 and 6): a feed-forward network ({@code mlp}, layers
 * {@code n_0,...,n_L}) or an Elman recurrent network ({@code rnn}, layers {@code n_in,n,n_out}).
 * A model file or config without an {@code arch} entry is an {@code mlp}.
 */
public enum Arch {
    MLP,
    RNN;

    /** The metadata and config key. */
    public static final String KEY = "arch";

    /** The lower-case name used on the command line, in configs and in model files. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Arch parse(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        for (Arch a : values()) {
            if (a.id().equals(t)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown arch '" + s + "' (expected mlp or rnn)");
    }

    /** The arch a model file's metadata declares; {@code mlp} when absent. */
    public static Arch of(Map<String, String> metadata) {
        String a = metadata.get(KEY);
        return a == null ? MLP : parse(a);
    }
}
