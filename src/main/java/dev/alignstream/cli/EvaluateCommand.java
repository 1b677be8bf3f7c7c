package dev.alignstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.alignstream.core.Learner;
import dev.alignstream.core.Model;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SampleFileReader;
import dev.alignstream.io.ModelFile;
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
}
