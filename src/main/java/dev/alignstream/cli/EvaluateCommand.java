package dev.alignstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.alignstream.core.Learner;
import dev.alignstream.core.Model;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SampleFileReader;
import dev.alignstream.io.ModelFile;
import dev.alignstream.io.RnnModelFile;
import dev.alignstream.io.Safetensors;
import dev.alignstream.io.SafetensorsContent;
import dev.alignstream.data.SequenceSample;
import dev.alignstream.rnn.RnnLearner;
import dev.alignstream.rnn.RnnModel;
import dev.alignstream.train.RnnOfflineTrainer;
import dev.alignstream.rules.Rules;
import dev.alignstream.train.OfflineTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code evaluate}: accuracy and mean loss of a model file on a dataset, without learning. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {"Predicts every sample of a file with a saved model (no learning) and prints accuracy and mean loss.",
                "For an RNN model file (arch=rnn) the data are sequence records and the loss is the mean per-sequence loss.",
                "Example: evaluate --model m.safetensors --data data/mnist-test.csv"})
public final class EvaluateCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "model file (safetensors)")
    Path modelFile;

    @Option(names = "--data", required = true, description = "CSV (label,x_1..x_n) or JSON Lines file")
    Path data;

    @Option(names = "--report", description = "write a JSON report to this file")
    Path report;

    @Override
    public Integer call() throws Exception {
        byte[] bytes = Files.readAllBytes(modelFile);
        SafetensorsContent content;
        try {
            content = Safetensors.read(bytes);
            if (RnnModelFile.isRnn(content)) {
                return evaluateRnn(RnnModelFile.fromContent(content));
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(modelFile + ": " + e.getMessage(), e);
        }
        Model m = ModelFile.read(modelFile);
        List<Sample> samples = SampleFileReader.read(data, m.config().inputSize(), m.config().outputSize());
        Learner learner = new Learner(m, Rules.of(m.config().rule()));
        ProgressBar bar = ProgressBar.onTerminal("evaluate");
        OfflineTrainer.Result r = OfflineTrainer.evaluate(learner, samples,
                (done, total, totals) -> bar.update(done, total, ""));
        System.out.printf(Locale.ROOT, "samples %d  accuracy %.4f  mean loss %.4f%n", r.samples(), r.accuracy(), r.loss());
        if (report != null) {
            ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode o = Reports.base(json, m.config(), m);
            o.put("model", modelFile.toString());
            o.put("data", data.toString());
            o.put("samples", r.samples());
            o.put("accuracy", r.accuracy());
            o.put("mean_loss", r.loss());
            Files.writeString(report, json.writeValueAsString(o) + "\n");
        }
        return 0;
    }

    private Integer evaluateRnn(RnnModel m) throws Exception {
        List<SequenceSample> sequences = SampleFileReader.readSequences(data, m.config().inputSize(),
                m.config().outputSize(), m.config().maxSteps());
        RnnLearner learner = new RnnLearner(m);
        ProgressBar bar = ProgressBar.onTerminal("evaluate");
        RnnOfflineTrainer.Result r = RnnOfflineTrainer.evaluate(learner, sequences,
                (done, total, loss) -> bar.update(done, total, ""));
        System.out.printf(Locale.ROOT, "sequences %d  steps %d  mean loss %.5f%n", r.sequences(), r.steps(), r.loss());
        if (report != null) {
            ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode o = Reports.base(json, m.config(), m);
            o.put("model", modelFile.toString());
            o.put("data", data.toString());
            o.put("samples", r.sequences());
            o.put("steps", r.steps());
            o.putNull("accuracy");
            o.put("mean_loss", r.loss());
            Files.writeString(report, json.writeValueAsString(o) + "\n");
        }
        return 0;
    }
}
