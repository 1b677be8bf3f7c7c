package dev.alignstream.experiments;

import dev.alignstream.data.Sample;
import dev.alignstream.data.SampleFileReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The training stream and test set every experiment reads: {@code DIR/mnist-train.csv} and
 * {@code DIR/mnist-test.csv} as {@code datasets mnist} writes them (any CSV of that layout works,
 * e.g. generated data in tests; the input width is the files'). The directory is kept as given so that the {@code reproduce}
 * command lines name the same files.
 *
 * @param dir    the data directory as the user gave it
 * @param inputs features per sample
 * @param train  the stream, in file order (read-only)
 * @param test   the test set (read-only)
 */
public record ExperimentData(Path dir, int inputs, List<Sample> train, List<Sample> test) {

    public static final String TRAIN_FILE = "mnist-train.csv";
    public static final String TEST_FILE = "mnist-test.csv";

    /** Reads both files, validating every line (SPEC section 7 errors name file and line). */
    public static ExperimentData read(Path dir) throws IOException {
        Path train = dir.resolve(TRAIN_FILE);
        Path test = dir.resolve(TEST_FILE);
        for (Path f : List.of(train, test)) {
            if (!Files.isRegularFile(f)) {
                throw new IOException(f + " does not exist; run 'datasets mnist --out " + dir
                        + "' first (or give --data a directory holding " + TRAIN_FILE + " and " + TEST_FILE + ")");
            }
        }
        List<Sample> tr = List.copyOf(SampleFileReader.read(train, -1, ExperimentConfig.CLASSES));
        if (tr.isEmpty()) {
            throw new IOException("no samples in " + train);
        }
        int inputs = tr.get(0).features().length;
        List<Sample> te = List.copyOf(SampleFileReader.read(test, inputs, ExperimentConfig.CLASSES));
        if (te.isEmpty()) {
            throw new IOException("no samples in " + test);
        }
        for (List<Sample> l : List.of(tr, te)) {
            if (l.stream().anyMatch(s -> s.label() == null)) {
                throw new IOException("every sample must carry a class label 0.." + (ExperimentConfig.CLASSES - 1));
            }
        }
        return new ExperimentData(dir, inputs, tr, te);
    }

    public Path trainFile() {
        return dir.resolve(TRAIN_FILE);
    }

    public Path testFile() {
        return dir.resolve(TEST_FILE);
    }
}
