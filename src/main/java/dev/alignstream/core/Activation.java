package dev.alignstream.core;

import java.util.Locale;

/**
 * The hidden-layer nonlinearity {@code phi} of SPEC section 1. Each constant applies itself
 * element-wise in place and writes its derivative evaluated at the pre-activation; the
 * derivative of relu at 0 is 0 by the contract.
 */
public enum Activation {
    RELU {
        @Override public float apply(float h) { return h > 0f ? h : 0f; }
        @Override public float derivative(float h) { return h > 0f ? 1f : 0f; }
    },
    TANH {
        @Override public float apply(float h) { return (float) Math.tanh(h); }
        @Override public float derivative(float h) {
            float t = (float) Math.tanh(h);
            return 1f - t * t;
        }
    },
    IDENTITY {
        @Override public float apply(float h) { return h; }
        @Override public float derivative(float h) { return 1f; }
    };

    public abstract float apply(float h);

    public abstract float derivative(float h);

    /** The lower-case name used on the command line, in configs and in model files. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Activation parse(String s) {
        for (Activation a : values()) {
            if (a.id().equals(s.trim().toLowerCase(Locale.ROOT))) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown activation '" + s + "' (expected relu, tanh or identity)");
    }
}
