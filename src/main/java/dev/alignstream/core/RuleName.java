package dev.alignstream.core;

import java.util.Locale;

/**
 * The learning rules of SPEC section 2, by the name users type ({@code align-ada}, ...).
 * The enum only names a rule; the mathematics lives in {@code dev.alignstream.rules}.
 */
public enum RuleName {
    BP("bp"),
    ALIGN_ZERO("align-zero"),
    ALIGN_ADA("align-ada"),
    FA("fa"),
    DFA("dfa"),
    READOUT("readout");

    private final String id;

    RuleName(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static RuleName parse(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        for (RuleName r : values()) {
            if (r.id.equals(t)) {
                return r;
            }
        }
        throw new IllegalArgumentException(
                "unknown rule '" + s + "' (expected bp, align-zero, align-ada, fa, dfa or readout)");
    }

    @Override
    public String toString() {
        return id;
    }
}
