package dev.alignstream.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads a whole dataset file into memory and validates every line before any learning starts
 * (SPEC section 7): CSV {@code label,x_1,...,x_n} (a first line that does not start with a
 * number is a header and skipped) or JSON Lines in the {@link SampleJson} format (chosen by the
 * extension {@code .jsonl}, {@code .json} or {@code .ndjson}, else by a first character
 * {@code '{'}). The first problem ends the read with a one-line {@link DataFormatException}
 * such as {@code data.csv:17: expected 784 features, found 783}.
 */
public final class SampleFileReader {

    /** Longest line accepted, in characters. */
    public static final int MAX_LINE = 16 << 20;

    private SampleFileReader() {
    }

    /**
     * @param inputSize  expected number of features, or -1 to take the first row's
     * @param outputSize number of classes / target width, or -1 not to check labels
     */
    public static List<Sample> read(Path file, int inputSize, int outputSize) throws IOException {
        List<TimedEvent> events = readEvents(file, inputSize, outputSize);
        List<Sample> out = new ArrayList<>(events.size());
        for (TimedEvent e : events) {
            if (!(e.event() instanceof Sample s)) {
                throw new DataFormatException(file.toString(), 0, "the file holds delayed labels (a line with 'id' and a"
                        + " label but no features); only 'train' reads those");
            }
            out.add(s);
        }
        return out;
    }

    /**
     * Reads samples and delayed labels (SPEC section 7): in JSON Lines a line with an {@code id}
     * and a label or target but no features is a {@link LabelRecord}; CSV lines are samples.
     * Every sample and label is checked against the sizes before anything is returned.
     */
    public static List<TimedEvent> readEvents(Path file, int inputSize, int outputSize) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new DataFormatException(file.toString(), 0, "no such file");
        }
        boolean jsonl = isJsonLines(file);
        List<TimedEvent> out = new ArrayList<>();
        int width = inputSize;
        int classes = outputSize < 0 ? Integer.MAX_VALUE : outputSize;
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            long no = 0;
            while ((line = r.readLine()) != null) {
                no++;
                if (line.length() > MAX_LINE) {
                    throw new DataFormatException(file.toString(), no, "line longer than " + MAX_LINE + " characters");
                }
                if (line.isBlank()) {
                    continue;
                }
                TimedEvent e;
                try {
                    if (jsonl) {
                        e = SampleJson.parseTimed(line.getBytes(StandardCharsets.UTF_8));
                    } else {
                        if (no == 1 && isHeader(line)) {
                            continue;
                        }
                        e = new TimedEvent(parseCsv(line), TimedEvent.UNKNOWN);
                    }
                    if (e.event() instanceof Sample s) {
                        if (width < 0) {
                            width = s.features().length;
                        }
                        SampleValidator.check(s, width, classes);
                    } else if (e.event() instanceof LabelRecord l) {
                        SampleValidator.checkLabel(l.label(), l.target(), classes);
                    }
                } catch (BadRecordException ex) {
                    throw new DataFormatException(file.toString(), no, ex.getMessage());
                }
                out.add(e);
            }
        }
        if (out.isEmpty()) {
            throw new DataFormatException(file.toString(), 0, "no samples in the file");
        }
        return out;
    }

    /**
     * Whether {@code file} holds sequence records: a JSON Lines file whose first record has a
     * {@code "sequence"} (or {@code "targets"}) field.
     */
    public static boolean holdsSequences(Path file) throws IOException {
        if (!Files.isRegularFile(file) || !isJsonLines(file)) {
            return false;
        }
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                if (!line.isBlank()) {
                    try {
                        return SampleJson.parseRecord(line.getBytes(StandardCharsets.UTF_8)).event()
                                instanceof SequenceSample;
                    } catch (BadRecordException e) {
                        return e.reason() == BadRecordReason.MISSING_SEQUENCE || e.reason() == BadRecordReason.EMPTY_SEQUENCE
                                || e.reason() == BadRecordReason.RAGGED_SEQUENCE
                                || e.reason() == BadRecordReason.TARGETS_LENGTH;
                    }
                }
            }
        }
        return false;
    }

    /**
     * Reads a JSON Lines file of sequence records ({@link SampleJson#parseSequence}) for an RNN with
     * {@code inputSize} inputs and {@code outputSize} outputs per step and at most {@code maxSteps}
     * steps. The first problem ends the read with a {@link DataFormatException} naming file, line
     * and problem, e.g. {@code seq.jsonl:4: 'sequence'[7] has 2 values, step 0 has 1}. A width
     * of -1 takes the first sequence's (every later one must match it).
     */
    public static List<SequenceSample> readSequences(Path file, int inputSize, int outputSize, int maxSteps)
            throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new DataFormatException(file.toString(), 0, "no such file");
        }
        if (!isJsonLines(file)) {
            throw new DataFormatException(file.toString(), 1,
                    "sequence data must be JSON Lines records {\"sequence\": [[...], ...], \"targets\": [[...], ...]}");
        }
        List<SequenceSample> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            long no = 0;
            while ((line = r.readLine()) != null) {
                no++;
                if (line.length() > MAX_LINE) {
                    throw new DataFormatException(file.toString(), no, "line longer than " + MAX_LINE + " characters");
                }
                if (line.isBlank()) {
                    continue;
                }
                try {
                    SequenceSample s = SampleJson.parseSequence(line.getBytes(StandardCharsets.UTF_8), maxSteps);
                    if (inputSize < 0) { // widths of the file's first sequence
                        inputSize = s.inputWidth();
                    }
                    if (outputSize < 0 && s.isLabelled()) {
                        outputSize = s.targetWidth();
                    }
                    SampleValidator.checkSequence(s, inputSize, outputSize, maxSteps);
                    out.add(s);
                } catch (BadRecordException e) {
                    throw new DataFormatException(file.toString(), no, e.getMessage());
                }
            }
        }
        if (out.isEmpty()) {
            throw new DataFormatException(file.toString(), 0, "no sequences in the file");
        }
        return out;
    }

    private static boolean isJsonLines(Path file) throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".jsonl") || name.endsWith(".json") || name.endsWith(".ndjson")) {
            return true;
        }
        if (name.endsWith(".csv")) {
            return false;
        }
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int c;
            while ((c = r.read()) != -1) {
                if (!Character.isWhitespace(c)) {
                    return c == '{';
                }
            }
        }
        return false;
    }

    private static boolean isHeader(String line) {
        String first = line.split(",", 2)[0].trim();
        try {
            Double.parseDouble(first);
            return false;
        } catch (NumberFormatException e) {
            return true;
        }
    }

    private static Sample parseCsv(String line) {
        String[] parts = line.split(",", -1);
        if (parts.length < 2) {
            throw new BadRecordException(BadRecordReason.MISSING_FEATURES, "expected label,x_1,...,x_n");
        }
        int label;
        String l = parts[0].trim();
        try {
            label = Integer.parseInt(l);
        } catch (NumberFormatException e) {
            throw new BadRecordException(BadRecordReason.MALFORMED_JSON, "label '" + l + "' is not an integer");
        }
        if (label < 0) {
            throw new BadRecordException(BadRecordReason.LABEL_OUT_OF_RANGE, "label " + label + " is negative");
        }
        float[] x = new float[parts.length - 1];
        for (int i = 1; i < parts.length; i++) {
            String v = parts[i].trim();
            float f;
            try {
                f = Float.parseFloat(v);
            } catch (NumberFormatException e) {
                throw new BadRecordException(BadRecordReason.MALFORMED_JSON, "x_" + i + " = '" + v + "' is not a number");
            }
            if (!Float.isFinite(f)) {
                throw new BadRecordException(BadRecordReason.NON_FINITE, "x_" + i + " = " + v + " is not finite");
            }
            x[i - 1] = f;
        }
        return Sample.classification(x, label);
    }
}
