package dev.alignstream.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.alignstream.cli.Main;
import dev.alignstream.data.DelayedSumDataset;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SequenceSample;
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
 * complete and well formed (the recurrent experiment's too), the plots are real PNGs, a
 * {@code reproduce} command line really gives its number (an MLP one and an RNN one), the numbers
 * do not depend on the thread count, and {@code --only rnn} merges into earlier results.
 */
class ExperimentsCommandTest {

    private static final int TRAIN = 600;
    private static final int TEST = 200;
    private static final int INPUTS = 48;
    private static final List<String> RULES = List.of("bp", "align-zero", "align-ada", "fa", "dfa", "readout");
    private static final List<String> RNN_RULES = List.of("bp", "align-zero", "align-ada", "readout");

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

        // experiment 4: 4 rules x widths 8, 16, one epoch, against the mean predictor
        JsonNode rnn = results.path("rnn");
        assertEquals(RNN_RULES.size() * 2, rnn.size());
        assertTrue(results.path("rnn_note").isMissingNode(), "no 'not run' note once experiment 4 ran");
        double meanLoss = meanPredictorLoss();
        Set<String> rnnSeen = new HashSet<>();
        for (JsonNode a : rnn) {
            String rule = a.path("rule").asText();
            assertTrue(RNN_RULES.contains(rule), rule);
            assertTrue(Set.of(8, 16).contains(a.path("width").asInt()));
            assertTrue(rnnSeen.add(rule + "@" + a.path("width").asInt()), "one row per rule and width");
            assertEquals(1, a.path("epochs").asInt());
            assertEquals(rule.equals("readout") ? 0.01 : 0.003, a.path("lr").asDouble(), 1e-7);
            double loss = a.path("test_loss").asDouble(Double.NaN);
            assertTrue(loss > 0 && loss < 1, "test_loss " + loss);
            assertEquals(meanLoss, a.path("mean_predictor_loss").asDouble(), 1e-12);
            assertEquals(1, a.path("test_loss_per_epoch").size());
            assertEquals(loss, a.path("test_loss_per_epoch").get(0).asDouble(), 0.0);
            assertEquals(1, a.path("train_loss_per_epoch").size());
            JsonNode r = a.path("reproduce");
            assertEquals(3, r.size());
            assertEquals(ReproduceCommand.JAR + " datasets delayed-sum --out data-quick --train 20 --test 10 --length 20",
                    r.get(0).asText());
            assertTrue(r.get(1).asText().contains(" train --arch rnn --data data-quick/delayed-sum-train.jsonl --layers 1,"
                    + a.path("width").asInt() + ",1 --rule " + rule + " "), r.get(1).asText());
            assertTrue(r.get(2).asText().endsWith("--data data-quick/delayed-sum-test.jsonl"), r.get(2).asText());
        }
        assertTrue(results.path("config").path("rnn").path("widths").isArray());
    }

    /**
     * The quick grid's mean-predictor loss by hand: the delayed-sum sequences of seed 99 (20 train,
     * 10 test, T = 20), the mean of all training targets, then per test sequence the mean of
     * 0.5 (target - mean)^2, averaged over sequences.
     */
    private static double meanPredictorLoss() {
        List<SequenceSample> seqs = DelayedSumDataset.generate(new Random(99), 30, 20);
        double sum = 0;
        int n = 0;
        for (SequenceSample s : seqs.subList(0, 20)) {
            for (int t = 0; t < 20; t++) {
                double x2 = t >= 2 ? s.input(t - 2, 0) : 0;
                double x5 = t >= 5 ? s.input(t - 5, 0) : 0;
                assertEquals(0.5 + 0.5 * x2 - 0.25 * x5, s.target(t, 0), 0.0, "the task's target");
                sum += s.target(t, 0);
                n++;
            }
        }
        double m = sum / n;
        double total = 0;
        for (SequenceSample s : seqs.subList(20, 30)) {
            double seq = 0;
            for (int t = 0; t < 20; t++) {
                seq += 0.5 * (s.target(t, 0) - m) * (s.target(t, 0) - m);
            }
            total += seq / 20;
        }
        return total / 10;
    }

    @Test
    void anRnnReproduceCommandGivesTheReportedLoss() throws IOException {
        JsonNode row = null;
        for (JsonNode a : results.path("rnn")) {
            if (a.path("rule").asText().equals("align-ada") && a.path("width").asInt() == 16) {
                row = a;
            }
        }
        assertNotNull(row);
        Path dq = dir.resolve("dq");
        Path model = dir.resolve("rnn-reproduced.safetensors");
        Path trainReport = dir.resolve("rnn-train.json");
        Path evalReport = dir.resolve("rnn-evaluate.json");
        List<List<String>> lines = new ArrayList<>();
        for (JsonNode l : row.path("reproduce")) {
            String line = l.asText();
            assertTrue(line.startsWith(ReproduceCommand.JAR + " "));
            List<String> a = new ArrayList<>();
            for (String w : line.substring(ReproduceCommand.JAR.length() + 1).split(" ")) {
                a.add(w.endsWith(".safetensors") ? model.toString() : w.replace("data-quick", dq.toString()));
            }
            lines.add(a);
        }
        lines.get(1).addAll(List.of("--report", trainReport.toString()));
        lines.get(2).addAll(List.of("--report", evalReport.toString()));
        for (List<String> a : lines) {
            assertEquals(0, Main.run(a.toArray(String[]::new)), String.join(" ", a));
        }
        ObjectMapper json = new ObjectMapper();
        JsonNode t = json.readTree(trainReport.toFile());
        JsonNode e = json.readTree(evalReport.toFile());
        assertEquals(row.path("train_loss_per_epoch").get(0).asDouble(), t.path("prequential_loss").asDouble(), 0.0);
        assertEquals(row.path("test_loss").asDouble(), e.path("mean_loss").asDouble(), 0.0);
    }

    @Test
    void onlyRnnMergesIntoEarlierResultsKeepingTheOtherExperiments() throws IOException {
        Path out = dir.resolve("merged");
        Files.createDirectories(out);
        Path earlier = dir.resolve("out2");
        Files.copy(earlier.resolve("results.json"), out.resolve("results.json"));
        // the earlier report as it was before experiment 4 existed: section 4 "not run"
        String md = Files.readString(earlier.resolve("results.md"));
        String before = md.substring(0, md.indexOf("## 4. Recurrent")) + "## 4. Recurrent (delayed sum)\n\nNot run.\n"
                + md.substring(md.indexOf("\n## Reproducing"));
        Files.writeString(out.resolve("results.md"), before);
        ObjectNode stale = (ObjectNode) new ObjectMapper().readTree(out.resolve("results.json").toFile());
        stale.putArray("rnn");
        stale.put("rnn_note", "not run");
        Files.writeString(out.resolve("results.json"), stale.toString());

        assertEquals(0, Main.run("experiments", "--quick", "--only", "rnn", "--out", out.toString(), "--threads", "1",
                "--data", dir.resolve("nowhere").toString()));
        JsonNode merged = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        for (String key : List.of("alignment_vs_width", "accuracy_vs_width", "low_data", "learning_curves",
                "rnn", "machine", "date")) {
            assertEquals(results.path(key), merged.path(key), key);
        }
        assertTrue(merged.path("rnn_note").isMissingNode());
        assertTrue(merged.path("rnn_run").path("command").asText().contains("--only rnn"));
        String after = Files.readString(out.resolve("results.md"));
        assertTrue(after.contains("## 1. Alignment vs width") && after.contains("## Reproducing one number"));
        assertFalse(after.contains("Not run."));
        assertTrue(after.contains("| align-ada | 0.003 |"), after);
        assertTrue(after.contains("](rnn-loss-vs-width.png)"));
        assertTrue(Files.size(out.resolve("rnn-loss-vs-width.png")) > 10_000);

        assertEquals(1, Main.run("experiments", "--quick", "--only", "mnist", "--out", out.toString()));
    }

    @Test
    void plotsAreRealPngs() throws IOException {
        Path out = dir.resolve("out2");
        List<String> expected = new ArrayList<>(List.of("alignment-vs-width.png", "accuracy-vs-width.png",
                "accuracy-vs-samples.png", "learning-curves-w32.png", "learning-curves-w128.png", "learning-curves-w256.png",
                "rnn-loss-vs-width.png", "rnn-loss-curves.png"));
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
