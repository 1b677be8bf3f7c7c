package dev.alignstream.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SampleJson;
import dev.alignstream.data.SyntheticDataset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train} on a JSON Lines file of samples and delayed labels (SPEC section 7): the model
 * equals the one trained on a file where each sample, with its label, stands where its label
 * arrives; unmatched and duplicate lines are counted, never learned.
 */
class DelayedLabelTrainTest {

    @TempDir
    Path dir;

    @Test
    void aFileOfSamplesAndLaterLabelsTrainsAsIfEachSampleCameWithItsLabel() throws Exception {
        List<Sample> data = SyntheticDataset.teacher(200, 8, 3, 21L);
        List<String> delayed = new ArrayList<>();
        List<String> immediate = new ArrayList<>();
        // sample i is served at line 2i; its label arrives three samples later
        for (int i = 0; i < data.size() + 3; i++) {
            if (i < data.size()) {
                delayed.add(json(new Sample("id-" + i, data.get(i).features(), null, null)));
            }
            int k = i - 3;
            if (k >= 0) {
                delayed.add("{\"id\":\"id-" + k + "\",\"label\":" + data.get(k).label() + "}");
                immediate.add(json(data.get(k)));
            }
        }
        delayed.add("{\"id\":\"id-7\",\"label\":1}");        // a second label for a learned sample
        delayed.add("{\"id\":\"never-served\",\"label\":0}"); // matches nothing
        Path events = dir.resolve("events.jsonl");
        Path plain = dir.resolve("plain.jsonl");
        Files.write(events, delayed);
        Files.write(plain, immediate);
        String[] common = {"--layers", "8,32,3", "--rule", "align-ada", "--lr", "0.1", "--target-offset", "-0.1"};
        CliRun a = run(concat(common, "--data", events.toString(), "--export", dir.resolve("a.safetensors").toString(),
                "--report", dir.resolve("a.json").toString()));
        CliRun b = run(concat(common, "--data", plain.toString(), "--export", dir.resolve("b.safetensors").toString()));
        assertEquals(0, a.code(), a.err());
        assertEquals(0, b.code(), b.err());
        assertArrayEquals(Files.readAllBytes(dir.resolve("b.safetensors")), Files.readAllBytes(dir.resolve("a.safetensors")));
        assertTrue(a.out().contains("delayed labels: 200 completed, 0 still pending, 0 expired, 1 unmatched, 1 duplicate labels"),
                a.out());
        JsonNode r = new ObjectMapper().readTree(dir.resolve("a.json").toFile());
        assertEquals(200, r.path("samples").asLong());
        assertEquals(200, r.path("samples_seen").asLong());
        assertEquals(200, r.path("delayed_labels").path("completed").asLong());
        assertEquals(1, r.path("delayed_labels").path("unmatched_labels").asLong());
    }

    @Test
    void aLabelOutOfRangeNamesItsLine() throws Exception {
        Path f = dir.resolve("bad.jsonl");
        Files.write(f, List.of("{\"id\":\"a\",\"features\":[1,2]}", "{\"id\":\"a\",\"label\":7}"));
        CliRun r = run("train", "--data", f.toString(), "--layers", "2,4,3", "--rule", "bp", "--lr", "0.1");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("bad.jsonl:2: label 7 outside 0..2"), r.err());
    }

    @Test
    void labelWaitAcceptsHumanDurations() throws Exception {
        List<String> lines = List.of(
                "{\"id\":\"a\",\"features\":[1,2],\"timestamp\":0}",
                "{\"id\":\"b\",\"features\":[2,1],\"timestamp\":61000}",
                "{\"id\":\"a\",\"label\":1,\"timestamp\":120001}",
                "{\"id\":\"b\",\"label\":0,\"timestamp\":120001}");
        Path f = dir.resolve("t.jsonl");
        Files.write(f, lines);
        CliRun r = run("train", "--data", f.toString(), "--layers", "2,4,3", "--rule", "bp", "--lr", "0.1",
                "--label-wait", "1m");
        assertEquals(0, r.code(), r.err());
        // a waited 120 s (expired), b 59 s (completed)
        assertTrue(r.out().contains("delayed labels: 1 completed, 0 still pending, 1 expired, 1 unmatched"), r.out());
        CliRun bad = run("train", "--data", f.toString(), "--layers", "2,4,3", "--rule", "bp", "--lr", "0.1",
                "--label-wait", "soon");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("'soon' is not a duration"), bad.err());
    }

    private static String json(Sample s) {
        return new String(SampleJson.toJson(s), StandardCharsets.UTF_8);
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = new String[a.length + b.length + 1];
        out[0] = "train";
        System.arraycopy(a, 0, out, 1, a.length);
        System.arraycopy(b, 0, out, 1 + a.length, b.length);
        return out;
    }

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }
}
