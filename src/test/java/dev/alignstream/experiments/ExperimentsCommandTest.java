package dev.alignstream.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.alignstream.cli.Main;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SyntheticDataset;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code experiments --quick} end to end on generated data (no network): the JSON lists are
 * complete and well formed, the plots are real PNGs, a {@code reproduce} command line really gives
 * its number, and the numbers do not depend on the thread count.
 */
class ExperimentsCommandTest {

    private static final int TRAIN = 600;
    private static final int TEST = 200;
    private static final int INPUTS = 48;
    private static final List<String> RULES = List.of("bp", "align-zero", "align-ada", "fa", "dfa", "readout");

    @TempDir
    static Path dir;
    static Path data;
    static JsonNode results;

    @BeforeAll
    static void runQuick() throws IOException {
        data = dir.resolve("data");
        Files.createDirectories(data);
        // ten Gaussian class prototypes plus noise, scaled by 1/3 so that the experiments' input scale 3
        // gives unit mean square as it does MNIST pixels: an easy task, learned well above chance
        Random rnd = new Random(5L);
        float[][] prototype = new float[10][INPUTS];
        for (float[] p : prototype) {
            for (int i = 0; i < INPUTS; i++) {
                p[i] = (float) rnd.nextGaussian();
            }
        }
        List<Sample> all = new ArrayList<>();
        for (int n = 0; n < TRAIN + TEST; n++) {
            int label = rnd.nextInt(10);
            float[] x = new float[INPUTS];
            for (int i = 0; i < INPUTS; i++) {
                x[i] = (float) ((prototype[label][i] + 1.5 * rnd.nextGaussian()) / 3);
            }
            all.add(Sample.classification(x, label));
        }
        SyntheticDataset.writeCsv(all.subList(0, TRAIN), data.resolve("mnist-train.csv"));
        SyntheticDataset.writeCsv(all.subList(TRAIN, TRAIN + TEST), data.resolve("mnist-test.csv"));
        assertEquals(0, Main.run("experiments", "--quick", "--data", data.toString(), "--out",
                dir.resolve("out2").toString(), "--threads", "2"));
        results = new ObjectMapper().readTree(dir.resolve("out2").resolve("results.json").toFile());
    }

    @Test
    void resultsHoldEveryListWithWellFormedEntries() {
        for (String key : List.of("alignment_vs_width", "accuracy_vs_width", "low_data", "rnn")) {
            assertTrue(results.path(key).isArray(), key + " is a list");
        }
        JsonNode machine = results.path("machine");
        assertFalse(machine.path("cpu").asText().isBlank());
        assertTrue(machine.path("cores").asInt() >= 1);
        assertTrue(machine.path("jvm").asText().contains("17") || !machine.path("jvm").asText().isBlank());
        assertTrue(results.path("date").asText().matches("\\d{4}-\\d\\d-\\d\\dT.*Z"));
        assertEquals("quick", results.path("grid").asText());
        assertTrue(results.path("config").path("accuracy_vs_width").path("widths").isArray());

        // experiment 1: 2 widths x 1 seed x 3 layers, scores in [0, 1]
        JsonNode al = results.path("alignment_vs_width");
        assertEquals(2 * 3, al.size());
        for (JsonNode a : al) {
            assertEquals("bp", a.path("rule").asText());
            assertTrue(Set.of(32, 128).contains(a.path("width").asInt()));
            assertTrue(Set.of(1, 2, 3).contains(a.path("layer").asInt()));
            assertEquals(7, a.path("seed").asLong());
            double s = a.path("score").asDouble(Double.NaN);
            assertTrue(s >= 0 && s <= 1 + 1e-9, "score " + s);
        }

        // experiment 2: one best-rate row per rule and width, at a rate of the sweep
        JsonNode acc = results.path("accuracy_vs_width");
        assertEquals(RULES.size() * 3, acc.size());
        Set<String> seen = new HashSet<>();
        for (JsonNode a : acc) {
            assertTrue(RULES.contains(a.path("rule").asText()));
            assertTrue(seen.add(a.path("rule").asText() + "@" + a.path("width").asInt()), "one row per rule and width");
            assertTrue(Set.of(0.1, 0.2).contains(Math.round(a.path("lr").asDouble() * 1e6) / 1e6));
            assertEquals(TRAIN, a.path("samples").asInt(), "the quick stream is capped at the file");
            probability(a, "prequential_accuracy");
            probability(a, "test_accuracy");
            reproduce(a, false);
        }
        for (JsonNode a : acc) {
            if (a.path("rule").asText().equals("bp") && a.path("width").asInt() == 256) {
                double bp = a.path("test_accuracy").asDouble();
                assertTrue(bp > 0.5, "bp learns the generated task well above chance (0.1): " + bp);
            }
        }
        // the best rate is the sweep's best by prequential accuracy
        for (JsonNode a : acc) {
            for (JsonNode s : results.path("learning_rate_sweep")) {
                if (s.path("rule").equals(a.path("rule")) && s.path("width").equals(a.path("width"))) {
                    assertTrue(s.path("prequential_accuracy").asDouble() <= a.path("prequential_accuracy").asDouble());
                }
            }
        }

        // experiment 3: every rule at the largest width, at 100, 500 and the end of the 600-sample stream
        JsonNode low = results.path("low_data");
        assertEquals(RULES.size() * 3, low.size());
        for (JsonNode a : low) {
            assertEquals(256, a.path("width").asInt());
            assertTrue(Set.of(100, 500, TRAIN).contains(a.path("samples").asInt()));
            probability(a, "test_accuracy");
            reproduce(a, a.path("samples").asInt() < TRAIN);
        }

        // experiment 4 is not faked
        assertEquals(0, results.path("rnn").size());
        assertTrue(results.path("rnn_note").asText().contains("not"));
    }

    @Test
    void plotsAreRealPngs() throws IOException {
        Path out = dir.resolve("out2");
        List<String> expected = new ArrayList<>(List.of("alignment-vs-width.png", "accuracy-vs-width.png",
                "accuracy-vs-samples.png", "learning-curves-w32.png", "learning-curves-w128.png", "learning-curves-w256.png"));
        String md = Files.readString(out.resolve("results.md"));
        for (String name : expected) {
            Path f = out.resolve(name);
            assertTrue(Files.size(f) > 10_000, name + " has " + Files.size(f) + " bytes");
            BufferedImage img = ImageIO.read(f.toFile());
            assertNotNull(img, name + " decodes as an image");
            assertTrue(img.getWidth() >= 600 && img.getHeight() >= 400, name + " size");
            assertTrue(distinctColours(img) > 8, name + " has drawn content");
            assertTrue(md.contains("](" + name + ")"), "results.md shows " + name);
        }
        for (String section : List.of("## Claims", "## 1. Alignment vs width", "## 2. Test accuracy vs width",
                "## 3. Low data", "## 4. Recurrent")) {
            assertTrue(md.contains(section), "results.md has " + section);
        }
    }

    @Test
    void aReproduceCommandGivesTheReportedNumbers() throws IOException {
        JsonNode row = null;
        for (JsonNode a : results.path("low_data")) {
            if (a.path("rule").asText().equals("align-ada") && a.path("samples").asInt() == 100) {
                row = a;
            }
        }
        assertNotNull(row);
        Path model = dir.resolve("reproduced.safetensors");
        Path trainReport = dir.resolve("train.json");
        Path evalReport = dir.resolve("evaluate.json");
        List<String> train = args(row.path("reproduce").get(0).asText(), "--export", model);
        train.add("--report");
        train.add(trainReport.toString());
        List<String> evaluate = args(row.path("reproduce").get(1).asText(), "--model", model);
        evaluate.add("--report");
        evaluate.add(evalReport.toString());
        assertEquals(0, Main.run(train.toArray(String[]::new)));
        assertEquals(0, Main.run(evaluate.toArray(String[]::new)));
        ObjectMapper json = new ObjectMapper();
        JsonNode t = json.readTree(trainReport.toFile());
        JsonNode e = json.readTree(evalReport.toFile());
        assertEquals(100, t.path("samples").asInt());
        assertEquals(row.path("prequential_accuracy").asDouble(), t.path("prequential_accuracy").asDouble(), 0.0);
        assertEquals(row.path("test_accuracy").asDouble(), e.path("accuracy").asDouble(), 0.0);
    }

    @Test
    void resultsDoNotDependOnThreads() throws IOException {
        Path out1 = dir.resolve("out1");
        assertEquals(0, Main.run("experiments", "--quick", "--data", data.toString(), "--out", out1.toString(),
                "--threads", "1"));
        ObjectMapper json = new ObjectMapper();
        ObjectNode one = (ObjectNode) json.readTree(out1.resolve("results.json").toFile());
        ObjectNode two = results.deepCopy();
        for (ObjectNode o : List.of(one, two)) {
            o.remove(List.of("machine", "date", "command"));
        }
        assertEquals(two, one);
    }

    @Test
    void missingDataIsAOneLineError() {
        assertEquals(1, Main.run("experiments", "--quick", "--data", dir.resolve("nowhere").toString(),
                "--out", dir.resolve("never").toString()));
        assertFalse(Files.exists(dir.resolve("never").resolve("results.json")));
    }

    private static void probability(JsonNode row, String field) {
        double v = row.path(field).asDouble(Double.NaN);
        assertTrue(v >= 0 && v <= 1, field + " = " + v);
    }

    /** The reproduce lines: train then evaluate, on the experiment's own files, with --limit when cut short. */
    private static void reproduce(JsonNode row, boolean limited) {
        JsonNode r = row.path("reproduce");
        assertEquals(2, r.size());
        String train = r.get(0).asText();
        String evaluate = r.get(1).asText();
        assertTrue(train.startsWith(ReproduceCommand.JAR + " train --data " + data.resolve("mnist-train.csv")), train);
        assertTrue(evaluate.startsWith(ReproduceCommand.JAR + " evaluate --model "), evaluate);
        assertTrue(evaluate.endsWith("--data " + data.resolve("mnist-test.csv")), evaluate);
        assertTrue(train.contains(" --rule " + row.path("rule").asText() + " "), train);
        assertTrue(train.contains(" --layers " + INPUTS + "," + row.path("width").asInt() + "," + row.path("width").asInt() + ",10 "));
        assertTrue(train.contains(" --input-scale 3 --target-offset -0.1 "), train);
        Matcher m = Pattern.compile(" --limit (\\d+) ").matcher(train);
        assertEquals(limited, m.find(), train);
        if (limited) {
            assertEquals(row.path("samples").asInt(), Integer.parseInt(m.group(1)));
        }
    }

    /** The command line's arguments after the jar, with {@code option}'s value replaced. */
    private static List<String> args(String line, String option, Path value) {
        assertTrue(line.startsWith(ReproduceCommand.JAR + " "));
        List<String> a = new ArrayList<>(List.of(line.substring(ReproduceCommand.JAR.length() + 1).split(" ")));
        int i = a.indexOf(option);
        assertTrue(i >= 0, option + " in " + line);
        a.set(i + 1, value.toString());
        return a;
    }

    private static int distinctColours(BufferedImage img) {
        Set<Integer> c = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 3) {
            for (int x = 0; x < img.getWidth(); x += 3) {
                c.add(img.getRGB(x, y));
            }
        }
        return c.size();
    }
}
