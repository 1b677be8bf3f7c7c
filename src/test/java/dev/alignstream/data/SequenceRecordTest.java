package dev.alignstream.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sequence records of SPEC section 8: strict parsing, a reason for every refusal, file:line errors. */
class SequenceRecordTest {

    @TempDir
    Path dir;

    private static SequenceSample parse(String json, int maxSteps) {
        return SampleJson.parseSequence(json.getBytes(StandardCharsets.UTF_8), maxSteps);
    }

    private static BadRecordReason reason(String json, int nIn, int nOut, int maxSteps) {
        BadRecordException e = assertThrows(BadRecordException.class, () -> {
            SequenceSample s = parse(json, maxSteps);
            SampleValidator.checkSequence(s, nIn, nOut, maxSteps);
        }, json);
        assertTrue(e.getMessage() != null && !e.getMessage().contains("\n"), "one-line message: " + e.getMessage());
        return e.reason();
    }

    @Test
    void parsesStepsTargetsAndId() {
        SequenceSample s = parse("{\"id\":\"s-1\",\"sequence\":[[1,2],[3,4.5],[-1,0]],\"targets\":[[0.5],[1],[2e-1]],"
                + "\"note\":{\"ignored\":[1]}}", 10);
        assertEquals("s-1", s.id());
        assertEquals(3, s.steps());
        assertEquals(2, s.inputWidth());
        assertArrayEquals(new float[] {1, 2, 3, 4.5f, -1, 0}, s.inputs());
        assertEquals(1, s.targetWidth());
        assertArrayEquals(new float[] {0.5f, 1, 0.2f}, s.targets());
        SequenceSample unlabelled = parse("{\"sequence\":[[1]]}", 10);
        assertNull(unlabelled.targets());
        assertEquals(1, unlabelled.steps());
    }

    @Test
    void everyBadRecordHasItsReason() {
        assertEquals(BadRecordReason.RAGGED_SEQUENCE, reason("{\"sequence\":[[1,2],[3]],\"targets\":[[1],[1]]}", 2, 1, 10));
        assertEquals(BadRecordReason.RAGGED_SEQUENCE, reason("{\"sequence\":[[1],[3,4]],\"targets\":[[1],[1]]}", 1, 1, 10));
        assertEquals(BadRecordReason.RAGGED_SEQUENCE, reason("{\"sequence\":[[1],[3]],\"targets\":[[1],[1,2]]}", 1, 1, 10));
        assertEquals(BadRecordReason.WRONG_WIDTH, reason("{\"sequence\":[[1,2],[3,4]],\"targets\":[[1],[1]]}", 1, 1, 10));
        assertEquals(BadRecordReason.TARGET_WIDTH, reason("{\"sequence\":[[1],[3]],\"targets\":[[1,2],[1,2]]}", 1, 1, 10));
        assertEquals(BadRecordReason.TARGETS_LENGTH, reason("{\"sequence\":[[1],[3]],\"targets\":[[1]]}", 1, 1, 10));
        assertEquals(BadRecordReason.TARGETS_LENGTH, reason("{\"sequence\":[[1],[3]],\"targets\":[]}", 1, 1, 10));
        assertEquals(BadRecordReason.EMPTY_SEQUENCE, reason("{\"sequence\":[],\"targets\":[]}", 1, 1, 10));
        assertEquals(BadRecordReason.EMPTY_SEQUENCE, reason("{\"sequence\":[[]],\"targets\":[[1]]}", 1, 1, 10));
        assertEquals(BadRecordReason.MISSING_SEQUENCE, reason("{\"targets\":[[1]]}", 1, 1, 10));
        assertEquals(BadRecordReason.NON_FINITE, reason("{\"sequence\":[[1],[\"NaN\"]]}", 1, 1, 10));
        assertEquals(BadRecordReason.NON_FINITE, reason("{\"sequence\":[[1],[2]],\"targets\":[[1e39],[1]]}", 1, 1, 10));
        assertEquals(BadRecordReason.OVERSIZE, reason("{\"sequence\":[[1],[2],[3]]}", 1, 1, 2));
        assertEquals(BadRecordReason.MALFORMED_JSON, reason("{\"sequence\":[[1],[2]]", 1, 1, 10));
        assertEquals(BadRecordReason.MALFORMED_JSON, reason("{\"sequence\":[1,2]}", 1, 1, 10));
        assertEquals(BadRecordReason.MALFORMED_JSON, reason("{\"sequence\":[[1]],\"features\":[1]}", 1, 1, 10));
        assertEquals(BadRecordReason.MALFORMED_JSON, reason("{\"sequence\":[[\"a\"]]}", 1, 1, 10));
        assertEquals(BadRecordReason.MALFORMED_JSON, reason("[[1]]", 1, 1, 10));
    }

    @Test
    void anMlpSampleParserStillRefusesSequences() {
        BadRecordException e = assertThrows(BadRecordException.class,
                () -> SampleJson.parse("{\"sequence\":[[1]],\"targets\":[[1]]}".getBytes(StandardCharsets.UTF_8)));
        assertEquals(BadRecordReason.UNSUPPORTED, e.reason());
    }

    @Test
    void fileErrorsNameFileLineAndProblem() throws Exception {
        Path f = dir.resolve("seq.jsonl");
        Files.writeString(f, "{\"sequence\":[[1],[0]],\"targets\":[[0.5],[0.5]]}\n\n"
                + "{\"sequence\":[[1],[0],[1]],\"targets\":[[0.5],[0.5]]}\n");
        DataFormatException e = assertThrows(DataFormatException.class, () -> SampleFileReader.readSequences(f, 1, 1, 100));
        assertEquals(f + ":3: 'sequence' has 3 steps but 'targets' has 2", e.getMessage());
        Files.writeString(f, "{\"sequence\":[[1],[0]],\"targets\":[[0.5],[0.5]]}\n{\"sequence\":[[1],[0,1]]}\n");
        e = assertThrows(DataFormatException.class, () -> SampleFileReader.readSequences(f, 1, 1, 100));
        assertEquals(f + ":2: 'sequence'[1] has more values than step 0 (1)", e.getMessage());
        Files.writeString(f, "{\"sequence\":[[1],[0]]}\n");
        e = assertThrows(DataFormatException.class, () -> SampleFileReader.readSequences(f, 2, 1, 100));
        assertEquals(f + ":1: expected 2 values per step, found 1", e.getMessage());
        Files.writeString(f, "{\"sequence\":[[1],[0],[1]]}\n");
        e = assertThrows(DataFormatException.class, () -> SampleFileReader.readSequences(f, 1, 1, 2));
        assertTrue(e.getMessage().startsWith(f + ":1: 'sequence' has more than 2 steps"), e.getMessage());
        Path csv = dir.resolve("seq.csv");
        Files.writeString(csv, "1,0.5\n");
        e = assertThrows(DataFormatException.class, () -> SampleFileReader.readSequences(csv, 1, 1, 2));
        assertTrue(e.getMessage().contains("JSON Lines"), e.getMessage());
    }

    @Test
    void delayedSumTargetsFollowTheFormulaAndReadBack() throws Exception {
        DelayedSumDataset.write(dir, 4, 2, 30, 99L);
        List<SequenceSample> train = SampleFileReader.readSequences(dir.resolve(DelayedSumDataset.TRAIN_FILE), 1, 1, 100);
        List<SequenceSample> test = SampleFileReader.readSequences(dir.resolve(DelayedSumDataset.TEST_FILE), 1, 1, 100);
        assertEquals(4, train.size());
        assertEquals(2, test.size());
        int ones = 0;
        for (SequenceSample s : train) {
            assertEquals(30, s.steps());
            for (int t = 0; t < 30; t++) {
                float x = s.input(t, 0);
                assertTrue(x == 0f || x == 1f);
                ones += (int) x;
                double expected = 0.5 + 0.5 * (t >= 2 ? s.input(t - 2, 0) : 0) - 0.25 * (t >= 5 ? s.input(t - 5, 0) : 0);
                assertEquals(expected, s.target(t, 0), 0.0, "step " + t);
            }
        }
        assertTrue(ones > 30 && ones < 90, "about half the inputs are 1: " + ones);
        // the same seed writes the same bytes
        Path again = dir.resolve("again");
        DelayedSumDataset.write(again, 4, 2, 30, 99L);
        assertArrayEquals(Files.readAllBytes(dir.resolve(DelayedSumDataset.TRAIN_FILE)),
                Files.readAllBytes(again.resolve(DelayedSumDataset.TRAIN_FILE)));
    }
}
