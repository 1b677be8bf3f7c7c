package dev.alignstream.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.alignstream.core.RuleName;
import dev.alignstream.data.DelayedSumDataset;
import dev.alignstream.data.SampleFileReader;
import dev.alignstream.data.SequenceSample;
import dev.alignstream.io.RnnModelFile;
import dev.alignstream.rnn.RnnConfig;
import dev.alignstream.rnn.RnnLearner;
import dev.alignstream.rnn.RnnModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The offline RNN commands end to end, in-process, as SPEC section 7 fixes them. */
class RnnCommandTest {

    @TempDir
    Path dir;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    private Path delayedSum() {
        CliRun d = run("datasets", "delayed-sum", "--out", dir.toString(), "--train", "12", "--test", "5", "--length", "30",
                "--seed", "4");
        assertEquals(0, d.code(), d.err());
        return dir.resolve(DelayedSumDataset.TRAIN_FILE);
    }

    @Test
    void datasetsDelayedSumWritesBothFilesWithDefaults() throws Exception {
        CliRun d = run("datasets", "delayed-sum", "--out", dir.toString());
        assertEquals(0, d.code(), d.err());
        List<SequenceSample> train = SampleFileReader.readSequences(dir.resolve("delayed-sum-train.jsonl"), 1, 1, 100);
        List<SequenceSample> test = SampleFileReader.readSequences(dir.resolve("delayed-sum-test.jsonl"), 1, 1, 100);
        assertEquals(300, train.size());
        assertEquals(100, test.size());
        assertEquals(100, train.get(0).steps());
    }

    @Test
    void trainExportsWhatTheLibraryComputesAndReportsSequences() throws Exception {
        Path data = delayedSum();
        Path model = dir.resolve("m.safetensors");
        Path init = dir.resolve("m0.safetensors");
        Path report = dir.resolve("r.json");
        CliRun r = run("train", "--arch", "rnn", "--data", data.toString(), "--layers", "1,16,1", "--rule", "align-ada",
                "--lr", "0.01", "--batch", "5", "--seed", "3", "--epochs", "2", "--export", model.toString(),
                "--export-init", init.toString(), "--report", report.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode rep = new ObjectMapper().readTree(report.toFile());
        assertEquals(24, rep.get("samples").asLong());
        assertEquals(720, rep.get("steps").asLong());
        assertEquals("rnn", rep.get("arch").asText());
        for (String k : List.of("prequential_loss", "samples_per_second", "steps_per_second", "prequential_accuracy")) {
            assertTrue(rep.has(k), k);
        }
        assertEquals(3, rep.get("alignment").size());
        // the exported file equals the library's own result for the same config and data order
        RnnConfig c = RnnConfig.fromMetadata(Map.of("arch", "rnn", "layers", "1,16,1", "rule", "align-ada",
                "learning_rate", "0.01", "batch_size", "5", "seed", "3"));
        RnnModel expected = RnnModel.create(c);
        RnnLearner l = new RnnLearner(expected);
        List<SequenceSample> seqs = SampleFileReader.readSequences(data, 1, 1, 100);
        double lossSum = 0;
        for (int e = 0; e < 2; e++) {
            for (SequenceSample s : seqs) {
                lossSum += l.observe(s).loss();
            }
        }
        // no flush: the trailing partial batch (24 = 4 x 5 + 4) stays pending, as in the service
        assertEquals(lossSum / 24, rep.get("prequential_loss").asDouble(), 1e-12);
        RnnModel exported = RnnModelFile.read(model);
        assertTrue(expected.live().bitEquals(exported.live()));
        assertEquals(20, exported.samplesSeen());
        assertEquals(4, exported.pending().count(), "the partial batch is kept in the model file");
        assertTrue(RnnModelFile.read(init).live().bitEquals(expected.frozen().initial()));
    }

    @Test
    void evaluateScoresWithoutLearningAndInitContinues() throws Exception {
        Path data = delayedSum();
        Path test = dir.resolve(DelayedSumDataset.TEST_FILE);
        Path model = dir.resolve("m.safetensors");
        assertEquals(0, run("train", "--arch", "rnn", "--data", data.toString(), "--layers", "1,8,1", "--rule", "bp",
                "--lr", "0.01", "--export", model.toString()).code());
        byte[] before = Files.readAllBytes(model);
        Path report = dir.resolve("e.json");
        CliRun e = run("evaluate", "--model", model.toString(), "--data", test.toString(), "--report", report.toString());
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("mean loss"), e.out());
        assertArrayEquals(before, Files.readAllBytes(model));
        // mean over sequences of each sequence's mean step loss, by the library
        RnnLearner l = new RnnLearner(RnnModelFile.read(model));
        double sum = 0;
        List<SequenceSample> seqs = SampleFileReader.readSequences(test, 1, 1, 100);
        for (SequenceSample s : seqs) {
            sum += l.evaluate(s).loss();
        }
        assertEquals(sum / seqs.size(), new ObjectMapper().readTree(report.toFile()).get("mean_loss").asDouble(), 1e-12);
        Path again = dir.resolve("m2.safetensors");
        CliRun t = run("train", "--arch", "rnn", "--data", data.toString(), "--layers", "1,8,1", "--rule", "bp", "--lr", "0.01",
                "--init", model.toString(), "--export", again.toString());
        assertEquals(0, t.code(), t.err());
        assertEquals(24, RnnModelFile.read(again).samplesSeen());
    }

    @Test
    void badInputIsOneLineErrorAndNothingIsWritten() throws Exception {
        Path data = delayedSum();
        Path out = dir.resolve("never.safetensors");
        String[][] cases = {
                {"--rule", "fa", "not defined for RNNs"},
                {"--rule", "dfa", "not defined for RNNs"},
                {"--layers", "1,8,8,1", "n_in,n,n_out"},
                {"--layers", "2,8,1", ":1: expected 2 values per step, found 1"},
                {"--max-steps", "20", ":1: 'sequence' has more than 20 steps"},
        };
        for (String[] c : cases) {
            List<String> args = new java.util.ArrayList<>(List.of("train", "--arch", "rnn", "--data", data.toString(),
                    "--layers", "1,8,1", "--rule", "bp", "--lr", "0.01", "--export", out.toString(),
                    "--export-init", out.toString()));
            int i = args.indexOf(c[0]);
            if (i >= 0) {
                args.set(i + 1, c[1]);
            } else {
                args.add(c[0]);
                args.add(c[1]);
            }
            CliRun r = run(args.toArray(String[]::new));
            assertEquals(1, r.code(), c[2]);
            String line = r.err().strip();
            assertFalse(line.contains("\n"), "one line: " + line);
            assertTrue(line.contains(c[2]), "expected '" + c[2] + "' in: " + line);
            assertFalse(Files.exists(out), "nothing written for " + c[2]);
        }
        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, "{\"sequence\":[[1],[0]],\"targets\":[[1],[0]]}\n{\"sequence\":[[1],[0]],\"targets\":[[1]]}\n");
        CliRun r = run("train", "--arch", "rnn", "--data", bad.toString(), "--layers", "1,8,1", "--rule", "bp", "--lr", "0.1");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("bad.jsonl:2: 'sequence' has 2 steps but 'targets' has 1"), r.err());
    }

    @Test
    void modelsCreateCarriesTheArchInTheDeclaration() throws Exception {
        ModelOptions o = new ModelOptions();
        new CommandLine(o).parseArgs("--arch", "rnn", "--layers", "1,32,1", "--rule", "align-ada", "--lr", "0.01");
        JsonNode j = new ObjectMapper().readTree(ModelsCommand.declaration("m1", "s1", o, false));
        assertEquals("rnn", j.get("arch").asText());
        assertEquals("1,32,1", j.get("layers").asText());
        assertEquals("align-ada", j.get("rule").asText());
        assertEquals(10_000, j.get("max_steps").asInt());
        assertEquals("m1", j.get("id").asText());
        ModelOptions mlp = new ModelOptions();
        new CommandLine(mlp).parseArgs("--layers", "4,8,2", "--rule", "bp", "--lr", "0.1");
        assertFalse(new ObjectMapper().readTree(ModelsCommand.declaration("m2", "s1", mlp, false)).has("arch"));
        ModelOptions fa = new ModelOptions();
        new CommandLine(fa).parseArgs("--arch", "rnn", "--layers", "1,32,1", "--rule", "fa", "--lr", "0.01");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ModelsCommand.declaration("m3", "s1", fa, false));
        assertTrue(e.getMessage().contains("not defined for RNNs"));
        assertEquals(RuleName.ALIGN_ADA, o.toRnnConfig().rule());
    }
}
