package dev.alignstream.data;

import java.util.Arrays;

/**
 * Reads the common shape of a sample record, an object whose members are among
 * {@code "features"} (an array of numbers), {@code "label"} (a non-negative integer),
 * {@code "target"} (an array of numbers), {@code "id"} (a plain ASCII string) and
 * {@code "timestamp"} (an integer), each at most once, straight from the bytes: no token
 * objects, no {@code String} per number ({@link JsonFloat}). It parsed 784 features in about a
 * third of the time of Jackson's streaming parser with its fast float parser.
 *
 * <p>Contract: {@link #tryParse} returns either null, or exactly what
 * {@link SampleJson#parseTimed} returns for the same bytes. It returns null for anything it does
 * not handle or anything wrong (other members, escapes, duplicate members, non-finite numbers,
 * a label record, bad JSON), and the caller then parses the record with Jackson, which gives
 * the reasons and messages of every refusal. So this class never refuses a record itself.
 */
final class SampleJsonFastPath {

    /**
     * Longer numbers are left to Jackson, which refuses numbers past its configured
     * {@code maxNumberLength} (64): well below it, so both agree whatever Jackson counts.
     */
    private static final int MAX_NUMBER_CHARS = 48;

    private SampleJsonFastPath() {
    }

    /** Parse position; one instance per call (the scan's state, no allocation per number). */
    private static final class Cursor {
        final byte[] b;
        int i;

        Cursor(byte[] b) {
            this.b = b;
        }

        /** Skips JSON whitespace; returns the next byte or -1 at the end. */
        int peek() {
            byte[] b = this.b;
            int i = this.i;
            while (i < b.length) {
                byte c = b[i];
                if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                    this.i = i;
                    return c;
                }
                i++;
            }
            this.i = i;
            return -1;
        }

        boolean take(char c) {
            if (peek() == c) {
                i++;
                return true;
            }
            return false;
        }
    }

    /** The sample, or null when the record needs the full parser (see the class comment). */
    static TimedEvent tryParse(byte[] json) {
        Cursor c = new Cursor(json);
        if (!c.take('{')) {
            return null;
        }
        float[] features = null;
        float[] target = null;
        long label = -1;
        String id = null;
        long time = Long.MIN_VALUE;
        boolean seenTime = false;
        if (!c.take('}')) {
            do {
                String key = key(c);
                if (key == null || !c.take(':')) {
                    return null;
                }
                switch (key) {
                    case "features" -> {
                        if (features != null || (features = floats(c)) == null) {
                            return null;
                        }
                    }
                    case "target" -> {
                        if (target != null || (target = floats(c)) == null) {
                            return null;
                        }
                    }
                    case "label" -> {
                        if (label >= 0 || (label = integer(c, Integer.MAX_VALUE)) < 0) {
                            return null;
                        }
                    }
                    case "id" -> {
                        if (id != null || (id = string(c)) == null) {
                            return null;
                        }
                    }
                    case "timestamp" -> {
                        if (seenTime) {
                            return null;
                        }
                        seenTime = true;
                        long sign = 1;
                        if (c.peek() == '-') {
                            sign = -1;
                            c.i++;
                            if (c.i >= json.length || json[c.i] < '0' || json[c.i] > '9') {
                                return null; // JSON allows no space after the minus
                            }
                        }
                        long t = integer(c, Long.MAX_VALUE);
                        if (t < 0) {
                            return null;
                        }
                        time = sign * t;
                    }
                    default -> {
                        return null;
                    }
                }
            } while (c.take(','));
            if (!c.take('}')) {
                return null;
            }
        }
        if (c.peek() != -1 || features == null || (label >= 0 && target != null)) {
            return null;
        }
        return new TimedEvent(new Sample(id, features, label >= 0 ? Integer.valueOf((int) label) : null, target), time);
    }

    /** A member name without escapes; null otherwise. Names of this class's members only, so no allocation. */
    private static String key(Cursor c) {
        int start = quoted(c, false);
        if (start < 0) {
            return null;
        }
        int end = c.i - 1;
        byte[] b = c.b;
        return switch (end - start) {
            case 8 -> equals(b, start, "features") ? "features" : null;
            case 6 -> equals(b, start, "target") ? "target" : null;
            case 5 -> equals(b, start, "label") ? "label" : null;
            case 2 -> equals(b, start, "id") ? "id" : null;
            case 9 -> equals(b, start, "timestamp") ? "timestamp" : null;
            default -> null;
        };
    }

    private static boolean equals(byte[] b, int start, String s) {
        for (int k = 0; k < s.length(); k++) {
            if (b[start + k] != s.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    /** A string of printable ASCII without escapes, at most {@link SampleJson#MAX_ID} long; else null. */
    private static String string(Cursor c) {
        int start = quoted(c, true);
        int end = c.i - 1;
        if (start < 0 || end - start > SampleJson.MAX_ID) {
            return null;
        }
        return new String(c.b, start, end - start, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /**
     * A string without escapes (with {@code printableOnly}, of printable ASCII only) at the cursor:
     * returns the index of its first byte and moves the cursor past its closing quote, so its
     * bytes are {@code [start, c.i - 1)}; -1 if there is no such string here.
     */
    private static int quoted(Cursor c, boolean printableOnly) {
        if (!c.take('"')) {
            return -1;
        }
        byte[] b = c.b;
        int start = c.i;
        int end = start;
        while (end < b.length && b[end] != '"') {
            byte x = b[end];
            if (x == '\\' || (printableOnly && (x < 0x20 || x > 0x7e))) {
                return -1;
            }
            end++;
        }
        if (end == b.length) {
            return -1;
        }
        c.i = end + 1;
        return start;
    }

    /** A non-negative JSON integer (no sign, no fraction, no leading zero) up to {@code max}; else -1. */
    private static long integer(Cursor c, long max) {
        int first = c.peek();
        if (first < '0' || first > '9') {
            return -1;
        }
        byte[] b = c.b;
        int i = c.i;
        long v = 0;
        int start = i;
        while (i < b.length && b[i] >= '0' && b[i] <= '9') {
            if (i - start >= 18) {
                return -1;
            }
            v = v * 10 + (b[i] - '0');
            i++;
        }
        if ((first == '0' && i - start > 1) || v > max) {
            return -1;
        }
        if (i < b.length && (b[i] == '.' || b[i] == 'e' || b[i] == 'E')) {
            return -1;
        }
        c.i = i;
        return v;
    }

    /** An array of finite float32 numbers (at most {@link SampleJson#MAX_VALUES}); else null. */
    private static float[] floats(Cursor c) {
        if (!c.take('[')) {
            return null;
        }
        float[] buf = new float[1024];
        int n = 0;
        if (c.take(']')) {
            return new float[0];
        }
        byte[] b = c.b;
        while (true) {
            c.peek();
            long r = JsonFloat.parse(b, c.i, b.length);
            if (r == JsonFloat.NOT_A_NUMBER) {
                return null;
            }
            float v = Float.intBitsToFloat((int) r);
            int chars = (int) (r >>> 32) - c.i;
            // Jackson reads the integer -0 as an int, 0, which is +0.0f; Float.parseFloat gives -0.0f
            if (!Float.isFinite(v) || chars > MAX_NUMBER_CHARS || (chars == 2 && (int) r == 0x8000_0000)) {
                return null;
            }
            if (n == buf.length) {
                if (n >= SampleJson.MAX_VALUES) {
                    return null;
                }
                buf = Arrays.copyOf(buf, Math.min(SampleJson.MAX_VALUES, n * 2));
            }
            buf[n++] = v;
            c.i = (int) (r >>> 32);
            // the common case, a comma right after the number, without the whitespace scan
            if (c.i < b.length && b[c.i] == ',') {
                c.i++;
                continue;
            }
            int next = c.peek();
            if (next == ',') {
                c.i++;
            } else if (next == ']') {
                c.i++;
                return Arrays.copyOf(buf, n);
            } else {
                return null;
            }
        }
    }
}
