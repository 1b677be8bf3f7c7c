package dev.alignstream.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fast path of sample parsing against its references: {@link JsonFloat} against
 * {@link Float#parseFloat} (the JDK's correctly rounded conversion) on random and edge-case
 * numbers, and {@link SampleJson#parseTimed} against the Jackson-only parser on valid and
 * invalid records: the same sample, or the same refusal (reason and message).
 */
class SampleJsonFastPathTest {

    private static void same(String text) {
        float expected = Float.parseFloat(text);
        float got = JsonFloat.parse(text);
        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(got),
                () -> text + ": expected " + expected + " got " + got);
    }

    @Test
    void edgeCasesMatchFloatParseFloat() {
        String[] cases = {"0", "-0", "0.0", "-0.0", "0e0", "-0E-5", "1", "-1", "0.5", "0.012", "0.992", "1.0",
                "255", "3.4028235e38", "3.4028234e38", "3.4028236e38", "3.4028235677973366e38", "1e38", "1e-38",
                "1.17549435E-38", "1.1754942E-38", "1.4E-45", "1e-45", "7e-46", "7.1e-46", "1e-50", "1e39",
                "0.1", "0.2", "0.3", "0.7", "1e22", "1e23", "1e-22", "1e-23", "123456789012345678901234567890",
                "0.000000000000000000000000000001", "9007199254740993", "9007199254740992.5", "16777217",
                "16777216.5", "33554435", "1.00000005960464477539062500", "1.0000000596046448",
                "1.00000017881393432617187500", "1.0000001788139343", "0.30000001192092896", "2.5e-1",
                "100000000000000000000000", "1E+2", "1e+0", "12345.678e-3", "4.9e-324", "1e-400", "1e400",
                "8.589973e9", "8.589974e9", "1.0000000000000000000000000000001"};
        for (String c : cases) {
            same(c);
        }
    }

    @Test
    void randomNumbersMatchFloatParseFloat() {
        Random r = new Random(11);
        for (int k = 0; k < 300_000; k++) {
            float f = Float.intBitsToFloat(r.nextInt());
            if (!Float.isFinite(f)) {
                continue;
            }
            same(Float.toString(f)); // what the producer writes
            same(Double.toString(f)); // a double's 17 digits of the same value
            same(Double.toString(r.nextDouble() * Math.pow(10, r.nextInt(80) - 40)));
            // short decimals, as in data files: up to 9 digits, small exponents
            long m = (long) (r.nextDouble() * Math.pow(10, 1 + r.nextInt(17)));
            int e = r.nextInt(60) - 30;
            same(m + "e" + e);
            same((r.nextBoolean() ? "-" : "") + "0." + String.format("%03d", r.nextInt(1000)));
        }
    }

    @Test
    void decimalsNearFloatMidpointsMatchFloatParseFloat() {
        // a midpoint between two adjacent floats, then decimals of 8-17 digits around it: the
        // case where rounding first to double and then to float could round twice wrongly
        Random r = new Random(5);
        for (int k = 0; k < 100_000; k++) {
            float lo = Float.intBitsToFloat(r.nextInt(0x7f000000) + 0x00800000);
            BigDecimal a = new BigDecimal(lo);
            BigDecimal mid = a.add(new BigDecimal(Math.nextUp(lo))).divide(BigDecimal.valueOf(2));
            same(mid.toString());
            for (int digits = 8; digits <= 17; digits++) {
                same(mid.round(new MathContext(digits, RoundingMode.HALF_EVEN)).toString());
                same(mid.round(new MathContext(digits, RoundingMode.UP)).toString());
                same(mid.round(new MathContext(digits, RoundingMode.DOWN)).toString());
            }
        }
    }

    @Test
    void refusesWhatIsNotAJsonNumber() {
        for (String s : new String[] {"", "-", "+1", ".5", "1.", "1e", "1e+", "01", "-01", "0x10", "NaN", "Infinity",
                "1..2", "--1", " 1"}) {
            assertThrows(NumberFormatException.class, () -> JsonFloat.parse(s), s);
        }
    }

    private static void agree(String json) {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        Object expected;
        try {
            expected = describe(SampleJson.parseTimedWithJackson(b));
        } catch (BadRecordException e) {
            expected = e.reason() + ": " + e.getMessage();
        }
        Object got;
        try {
            got = describe(SampleJson.parseTimed(b));
        } catch (BadRecordException e) {
            got = e.reason() + ": " + e.getMessage();
        }
        assertEquals(expected, got, json);
    }

    private static String describe(TimedEvent t) {
        if (t.event() instanceof Sample s) {
            StringBuilder b = new StringBuilder("sample id=" + s.id() + " label=" + s.label() + " time=" + t.time());
            b.append(" x=");
            for (float v : s.features()) {
                b.append(Integer.toHexString(Float.floatToRawIntBits(v))).append(',');
            }
            if (s.target() != null) {
                b.append(" t=");
                for (float v : s.target()) {
                    b.append(Integer.toHexString(Float.floatToRawIntBits(v))).append(',');
                }
            }
            return b.toString();
        }
        return String.valueOf(t.event()) + " time=" + t.time();
    }

    @Test
    void recordsParseAsWithJacksonOnly() {
        String[] records = {
            "{\"features\":[0,0.5,1.0,-0.0,1e-3,3.4028235e38],\"label\":3}",
            " {\n\t\"label\" : 7 , \"features\" : [ 1 , 2 ,3 ] , \"id\":\"a-1\", \"timestamp\": 1700000000000 } \r\n",
            "{\"features\":[],\"label\":0}",
            "{\"features\":[1,2]}",
            "{\"features\":[1,2],\"target\":[0.25,-1e5]}",
            "{\"features\":[1,2],\"timestamp\":-5}",
            "{\"features\":[1,2],\"timestamp\":- 5}",
            "{\"features\":[1,2],\"timestamp\":-0}",
            "{\"features\":[1,2],\"label\":2147483647}",
            "{\"features\":[1,2],\"label\":2147483648}",
            "{\"features\":[1,2],\"label\":-1}",
            "{\"features\":[1,2],\"label\":1.0}",
            "{\"features\":[1,2],\"label\":01}",
            "{\"features\":[1,2],\"label\":null}",
            "{\"features\":[1,2],\"label\":1,\"target\":[1]}",
            "{\"features\":[1,2],\"label\":1,\"label\":2}",
            "{\"features\":[1,2],\"features\":[3]}",
            "{\"features\":[1,2],\"other\":{\"a\":[1]},\"label\":1}",
            "{\"features\":[1,2],\"id\":\"x\\\"y\"}",
            "{\"features\":[1,2],\"id\":\"\u00e9t\u00e9\"}",
            "{\"features\":[1,2],\"id\":12}",
            "{\"features\":[1,2],\"id\":\"" + "i".repeat(257) + "\"}",
            "{\"features\":[1,2],\"id\":\"" + "i".repeat(256) + "\"}",
            "{\"feat\\u0075res\":[1,2]}",
            "{\"features\":[1e39]}", "{\"features\":[-1e39]}", "{\"features\":[\"NaN\"]}",
            "{\"features\":[1,]}", "{\"features\":[,1]}", "{\"features\":[1 2]}", "{\"features\":[01]}",
            "{\"features\":[1.]}", "{\"features\":[.5]}", "{\"features\":[+1]}", "{\"features\":[1e]}",
            "{\"features\":[1x]}", "{\"features\":[1]", "{\"features\":[1]}}", "{\"features\":[1]} x",
            "{\"features\":[1],}", "{\"features\" [1]}", "{features:[1]}", "[1,2]", "", "   ", "{}",
            "{\"id\":\"a\",\"label\":1}", "{\"sequence\":[[1]]}", "{\"features\":[[1]]}",
            "{\"features\":[0." + "0".repeat(70) + "1]}", "{\"features\":[1" + "0".repeat(70) + "]}",
            "{\"features\":[1],\"target\":null}", "{\"features\":null}",
        };
        for (String r : records) {
            agree(r);
        }
    }

    @Test
    void randomRecordsParseAsWithJacksonOnly() {
        Random r = new Random(3);
        for (int k = 0; k < 2_000; k++) {
            float[] x = new float[1 + r.nextInt(40)];
            for (int i = 0; i < x.length; i++) {
                x[i] = switch (r.nextInt(3)) {
                    case 0 -> Math.round(r.nextFloat() * 1000) / 1000f;
                    case 1 -> Float.intBitsToFloat(r.nextInt()) % 1e30f;
                    default -> (float) r.nextGaussian();
                };
                if (!Float.isFinite(x[i])) {
                    x[i] = 0;
                }
            }
            Sample s = r.nextBoolean() ? new Sample(r.nextBoolean() ? "s" + k : null, x, r.nextInt(10), null)
                    : new Sample(null, x, null, new float[] {r.nextFloat(), -r.nextFloat()});
            String json = new String(SampleJson.toJson(s), StandardCharsets.UTF_8);
            agree(json);
            assertNotNull(SampleJsonFastPath.tryParse(json.getBytes(StandardCharsets.UTF_8)), json);
            // and one byte changed or removed somewhere: same answer, or the same refusal
            char[] c = json.toCharArray();
            int at = r.nextInt(c.length);
            c[at] = " ,.:-+e0[]{}\"1x".charAt(r.nextInt(15));
            agree(new String(c));
            agree(json.substring(0, at) + json.substring(at + 1));
        }
    }

    @Test
    void mnistShapedRecordsTakeTheFastPath() {
        List<String> xs = new ArrayList<>();
        for (int i = 0; i < 784; i++) {
            xs.add(Float.toString(((i * 37) % 256) / 255f));
        }
        byte[] json = ("{\"features\":[" + String.join(",", xs) + "],\"label\":4}").getBytes(StandardCharsets.UTF_8);
        TimedEvent fast = SampleJsonFastPath.tryParse(json);
        assertNotNull(fast);
        assertArrayEquals(((Sample) SampleJson.parseTimedWithJackson(json).event()).features(),
                ((Sample) fast.event()).features());
        assertNull(SampleJsonFastPath.tryParse("{\"features\":[1],\"x\":1}".getBytes(StandardCharsets.UTF_8)));
    }
}
