package dev.alignstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.alignstream.core.Learner;
import dev.alignstream.core.Model;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SyntheticDataset;
import dev.alignstream.io.ModelFile;
import dev.alignstream.rules.Rules;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The offline commands end to end, in-process, as SPEC section 7 fixes them. */
class TrainCommandTest {

    @TempDir
    Path dir;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    private Path csv(List<Sample> samples) throws Exception {
        Path f = dir.resolve("data.csv");
        SyntheticDataset.writeCsv(samples, f);
        return f;
    }

    @Test
    void trainLearnsPrequentiallyAndExportsWhatTheLibraryComputes() throws Exception {
        List<Sample> data = SyntheticDataset.teacher(600, 10, 3, 4L);
        Path f = csv(data);
        Path model = dir.resolve("m.safetensors");
        Path init = dir.resolve("m0.safetensors");
        Path report = dir.resolve("r.json");
        CliRun r = run("train", "--data", f.toString(), "--layers", "10,32,3", "--rule", "align-ada", "--lr", "0.1",
                "--batch", "2", "--seed", "3", "--target-offset", "-0.1", "--export", model.toString(),
                "--export-init", init.toString(), "--report", report.toString(), "--epochs", "2");
        assertEquals(0, r.code(), r.err());
        JsonNode rep = new ObjectMapper().readTree(report.toFile());
        assertEquals(1200, rep.get("samples").asLong());
        assertTrue(rep.get("prequential_accuracy").asDouble() > 0.45, rep.toString());
        assertTrue(rep.has("prequential_loss") && rep.has("samples_per_second"));
        // the exported file equals the library's own result for the same config and data order
        ModelConfig c = ModelConfig.fromMetadata(java.util.Map.of("layers", "10,32,3", "rule", "align-ada",
                "learning_rate", "0.1", "batch_size", "2", "seed", "3", "target_offset", "-0.1"));
        Model expected = Model.create(c);
        Learner l = new Learner(expected, Rules.of(RuleName.ALIGN_ADA));
        data.forEach(l::observe);
        data.forEach(l::observe);
        l.flush();
        Model exported = ModelFile.read(model);
        assertTrue(expected.live().bitEquals(exported.live()));
        assertEquals(1200, exported.samplesSeen());
        assertTrue(ModelFile.read(init).live().bitEquals(expected.frozen().initial()));
    }

    @Test
    void evaluateScoresWithoutLearningAndInitContinues() throws Exception {
        Path f = csv(SyntheticDataset.teacher(300, 10, 3, 4L));
        Path model = dir.resolve("m.safetensors");
        assertEquals(0, run("train", "--data", f.toString(), "--layers", "10,16,3", "--rule", "bp", "--lr", "0.1",
                "--export", model.toString()).code());
        byte[] before = Files.readAllBytes(model);
        CliRun e = run("evaluate", "--model", model.toString(), "--data", f.toString());
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("accuracy"), e.out());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(model)));
        Path again = dir.resolve("m2.safetensors");
        CliRun t = run("train", "--data", f.toString(), "--layers", "10,16,3", "--rule", "bp", "--lr", "0.1",
                "--init", model.toString(), "--export", again.toString());
        assertEquals(0, t.code(), t.err());
        assertEquals(600, ModelFile.read(again).samplesSeen());
    }

    @Test
    void badInputIsReportedWithFileLineAndReasonAndNothingIsWritten() throws Exception {
        String header = "label,a,b,c\n";
        String[][] cases = {
                {header + "1,0.1,0.2,0.3\n2,0.1,0.2\n", "data.csv:3: expected 3 features, found 2"},
                {header + "1,0.1,zero,0.3\n", "data.csv:2: x_2 = 'zero' is not a number"},
                {header + "1,0.1,NaN,0.3\n", "data.csv:2: x_2 = NaN is not finite"},
                {header + "0,0.1,0.2,0.3\n1,0.1,Infinity,0.3\n", "data.csv:3:"},
                {header + "7,0.1,0.2,0.3\n", "data.csv:2: label 7 outside 0..2"},
        };
        for (String[] c : cases) {
            Path f = dir.resolve("data.csv");
            Files.writeString(f, c[0]);
            Path out = dir.resolve("never.safetensors");
            CliRun r = run("train", "--data", f.toString(), "--layers", "3,4,3", "--rule", "bp", "--lr", "0.1",
                    "--export", out.toString(), "--export-init", out.toString());
            assertEquals(1, r.code(), c[1]);
            String line = r.err().strip();
            assertFalse(line.contains("\n"), "one line: " + line);
            assertTrue(line.contains(c[1]), "expected '" + c[1] + "' in: " + line);
            assertFalse(Files.exists(out), "nothing written for " + c[1]);
        }
        Path jsonl = dir.resolve("bad.jsonl");
        Files.writeString(jsonl, "{\"features\":[1,2,3],\"label\":1}\n{\"features\":[1,2,3],\"label\":1\n");
        CliRun r = run("train", "--data", jsonl.toString(), "--layers", "3,4,3", "--rule", "bp", "--lr", "0.1");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("bad.jsonl:2:"), r.err());
    }

    @Test
    void unknownRuleAndMissingFileAreClearErrors() throws Exception {
        Path f = csv(SyntheticDataset.teacher(10, 3, 3, 4L));
        CliRun r = run("train", "--data", f.toString(), "--layers", "3,4,3", "--rule", "sgd", "--lr", "0.1");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("unknown rule 'sgd'"), r.err());
        CliRun m = run("train", "--data", dir.resolve("nope.csv").toString(), "--layers", "3,4,3", "--rule", "bp", "--lr", "0.1");
        assertEquals(1, m.code());
        assertTrue(m.err().contains("nope.csv:0: no such file"), m.err());
    }
}
