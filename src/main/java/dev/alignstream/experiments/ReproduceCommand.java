package dev.alignstream.experiments;

import dev.alignstream.core.ModelConfig;
import java.util.List;

/**
 * The stand-alone command lines behind a number in the results: {@code train} over the first
 * {@code samples} samples of the training file (exporting the model) and {@code evaluate} of that
 * model on the test file. Their printed prequential accuracy and test accuracy equal the
 * experiment's, bit for bit, because both go through the same {@link dev.alignstream.core.Learner}.
 */
public final class ReproduceCommand {

    public static final String JAR = "java -jar target/alignstream.jar";

    private ReproduceCommand() {
    }

    /** {@code [train ..., evaluate ...]}; {@code --limit} appears only when the run stops before the file's end. */
    public static List<String> lines(ExperimentData data, ModelConfig c, int samples) {
        String model = modelFile(c, samples);
        StringBuilder train = new StringBuilder(JAR).append(" train --data ").append(data.trainFile());
        if (samples < data.train().size()) {
            train.append(" --limit ").append(samples);
        }
        train.append(" --layers ").append(c.layersString())
                .append(" --rule ").append(c.rule().id())
                .append(" --lr ").append(number(c.learningRate()))
                .append(" --seed ").append(c.seed())
                .append(" --input-scale ").append(number(c.inputScale()))
                .append(" --target-offset ").append(number(c.targetOffset()))
                .append(" --no-alignment --export ").append(model);
        String evaluate = JAR + " evaluate --model " + model + " --data " + data.testFile();
        return List.of(train.toString(), evaluate);
    }

    /** e.g. {@code bp-w2048-lr0.2-n500.safetensors}. */
    static String modelFile(ModelConfig c, int samples) {
        return c.rule().id() + "-w" + c.width(1) + "-lr" + number(c.learningRate()) + "-n" + samples + ".safetensors";
    }

    /** Shortest decimal that parses back to the same float, without a trailing ".0". */
    public static String number(float v) {
        String s = Float.toString(v);
        return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
    }
}
