package dev.alignstream.data;

import java.nio.charset.StandardCharsets;

/**
 * The float32 value of a JSON number read straight from UTF-8 bytes, with the same bits as
 * {@link Float#parseFloat} of its text (correct rounding, round half to even), without a
 * {@code String} per number.
 *
 * <p>Why this is exact: a number {@code -?d+(.d+)?([eE][+-]?d+)?} is {@code m * 10^e} with an
 * integer significand {@code m}. When {@code m < 2^53} and {@code |e| <= 22}, both {@code m} and
 * {@code 10^|e|} are exact doubles, so one IEEE multiplication or division gives {@code x}
 * rounded once to double, {@code d = round53(x)}. Rounding {@code d} again to float gives
 * {@code round24(x)} unless {@code d} lies exactly halfway between two floats: every float and
 * every float midpoint is a double, so rounding to double never moves {@code x} across a float
 * midpoint, only possibly onto one. Hence: if {@code d} is not a float midpoint and is in the
 * normal float range, {@code (float) d} is the correctly rounded float. Every other number
 * (more than 15-16 digits, large exponents, a double midpoint, subnormal or overflowing
 * results) goes through {@link Float#parseFloat} itself.
 */
final class JsonFloat {

    /** 10^0 .. 10^22, each exact in double. */
    private static final double[] POW10 = new double[23];

    static {
        double p = 1;
        for (int i = 0; i < POW10.length; i++) {
            POW10[i] = p;
            p *= 10;
        }
    }

    /** Significands up to this are exact in double (2^53). */
    private static final long MAX_EXACT = 1L << 53;
    /** The 29 low bits of a double's fraction that rounding to float drops; a midpoint has only the top one set. */
    private static final long DROPPED_BITS = (1L << 29) - 1;
    private static final long HALF = 1L << 28;
    /** The smallest positive normal float: below it the float grid no longer lines up with the double's bits. */
    private static final double MIN_NORMAL = Float.MIN_NORMAL;

    /** Marks "not a JSON number at this position" (a {@code NaN} payload never produced by parsing). */
    static final long NOT_A_NUMBER = -1L;

    private JsonFloat() {
    }

    /**
     * Reads one JSON number starting at {@code b[pos]} (strict JSON grammar: optional minus, no
     * leading zeros, digits after a point and in an exponent) and returns
     * {@code (end << 32) | floatBits}, where {@code end} is the index just after the number; or
     * {@link #NOT_A_NUMBER} when the bytes there are not a JSON number. The caller decides what
     * follows the number (a comma, a bracket, whitespace).
     */
    static long parse(byte[] b, int pos, int limit) {
        int i = pos;
        boolean negative = false;
        if (i < limit && b[i] == '-') {
            negative = true;
            i++;
        }
        if (i >= limit) {
            return NOT_A_NUMBER;
        }
        long m = 0;
        int digits = 0; // significant digits accumulated in m (leading zeros not counted)
        int dropped = 0; // integer digits not accumulated (m would overflow): the exponent grows
        boolean exact = true; // false once a non-zero digit could not be accumulated
        int c = b[i];
        if (c == '0') {
            i++;
        } else if (c >= '1' && c <= '9') {
            while (i < limit && (c = b[i]) >= '0' && c <= '9') {
                if (digits < 18) {
                    m = m * 10 + (c - '0');
                    digits++;
                } else {
                    dropped++;
                    exact &= c == '0';
                }
                i++;
            }
        } else {
            return NOT_A_NUMBER;
        }
        int exp = dropped;
        if (i < limit && b[i] == '.') {
            i++;
            int start = i;
            while (i < limit && (c = b[i]) >= '0' && c <= '9') {
                if (digits < 18) {
                    m = m * 10 + (c - '0');
                    exp--;
                    if (m != 0) {
                        digits++;
                    }
                } else {
                    exact &= c == '0';
                }
                i++;
            }
            if (i == start) {
                return NOT_A_NUMBER;
            }
        }
        if (i < limit && (b[i] == 'e' || b[i] == 'E')) {
            i++;
            boolean negExp = false;
            if (i < limit && (b[i] == '+' || b[i] == '-')) {
                negExp = b[i] == '-';
                i++;
            }
            int start = i;
            int e = 0;
            while (i < limit && (c = b[i]) >= '0' && c <= '9') {
                if (e < 100_000) {
                    e = e * 10 + (c - '0');
                }
                i++;
            }
            if (i == start) {
                return NOT_A_NUMBER;
            }
            exp += negExp ? -e : e;
        }
        float v = exact ? fast(m, exp) : Float.NaN;
        if (Float.isNaN(v)) {
            v = Float.parseFloat(new String(b, pos, i - pos, StandardCharsets.ISO_8859_1));
        } else if (negative) {
            v = -v;
        }
        return ((long) i << 32) | (Float.floatToRawIntBits(v) & 0xFFFF_FFFFL);
    }

    /** {@code m * 10^exp} as a correctly rounded float (non-negative), or NaN when that is not certain here. */
    private static float fast(long m, int exp) {
        if (m == 0) {
            return 0f;
        }
        if (m >= MAX_EXACT || exp < -22 || exp > 22) {
            return Float.NaN;
        }
        double d = exp < 0 ? m / POW10[-exp] : m * POW10[exp];
        if (d < MIN_NORMAL || d > Float.MAX_VALUE) {
            return Float.NaN;
        }
        if ((Double.doubleToRawLongBits(d) & DROPPED_BITS) == HALF) {
            return Float.NaN;
        }
        return (float) d;
    }

    /** The float of {@code text} by {@link #parse}, for tests; throws when it is not one whole JSON number. */
    static float parse(String text) {
        byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
        long r = parse(b, 0, b.length);
        if (r == NOT_A_NUMBER || (int) (r >>> 32) != b.length) {
            throw new NumberFormatException("not a JSON number: " + text);
        }
        return Float.intBitsToFloat((int) r);
    }
}
