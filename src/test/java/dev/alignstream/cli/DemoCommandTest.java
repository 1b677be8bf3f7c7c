package dev.alignstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The README's main job, end to end on generated data: broker, service, three models, results table. */
@Tag("kafka")
class DemoCommandTest {

    @Test
    void demoStreamsThroughKafkaAndPrintsAResultsTable() {
        PrintStream oldOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            code = Main.run("demo", "--exit", "--synthetic", "--samples", "300", "--layers", "784,64,10", "--http-port", "0");
            // (the default --layers 784,256,256,10 works too; a narrower net keeps this test fast)
        } finally {
            System.setOut(oldOut);
        }
        String table = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, table);
        for (String model : new String[] {"bp", "align-ada", "align-zero"}) {
            Matcher m = Pattern.compile("(?m)^" + model + "\\s+(\\d+)\\s+([0-9.]+)").matcher(table);
            assertTrue(m.find(), "row for " + model + " in:\n" + table);
            assertEquals("300", m.group(1), model);
            double accuracy = Double.parseDouble(m.group(2));
            assertTrue(accuracy >= 0 && accuracy <= 1, model + " accuracy " + accuracy);
        }
        assertTrue(table.contains("http://127.0.0.1:"), "the HTTP address is printed:\n" + table);
        Matcher zero = Pattern.compile("(?m)^align-zero\\s+\\d+(?:\\s+\\S+){4}\\s+([0-9.]+) ([0-9.]+)$").matcher(table);
        assertTrue(zero.find(), table);
        assertEquals(1.0, Double.parseDouble(zero.group(1)), 1e-3, "align-zero's alignment score is 1 by construction");
    }
}
