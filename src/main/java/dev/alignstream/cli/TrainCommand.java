package dev.alignstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.alignstream.core.Learner;
import dev.alignstream.core.Model;
import dev.alignstream.core.ModelConfig;
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
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code train}: offline prequential training over a CSV or JSON Lines file (SPEC section 7),
 * the same learning code path the streaming service runs. All input is read and validated before
 * the first step, and output files are written only at the end, so bad input never leaves a
 * half-written model.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Trains a model offline, one sample at a time in file order (test-then-train),",
                "and prints prequential accuracy and loss.",
                "Example: train --data data/mnist-train.csv --layers 784,256,256,10 --rule align-ada --lr 0.05 "
                        + "--input-scale 3 --target-offset -0.1 --export m.safetensors"})
public final class TrainCommand implements Callable<Integer> {

    @Option(names = "--data", required = true, description = "CSV (label,x_1..x_n) or JSON Lines file")
    Path data;

    @Mixin
    ModelOptions model;

    @Option(names = "--init", description = "start from this model file's parameters (and its frozen copy)")
    Path init;

    @Option(names = "--export-init", description = "write the parameters before the first sample to this file")
    Path exportInit;

    @Option(names = "--export", description = "write the trained model to this safetensors file")
    Path export;

    @Option(names = "--report", description = "write a JSON report to this file")
    Path report;

    @Option(names = "--epochs", defaultValue = "1", description = "passes over the file, same order (default ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--limit", description = "learn only the first N samples of the file (e.g. to reproduce a low-data result)")
    Integer limit;

    @Override
    public Integer call() throws Exception {
        ModelConfig config = model.toConfig();
        Model m = init == null ? Model.create(config) : InitialModel.fromFile(init, config);
        if (limit != null && limit < 1) {
            throw new IllegalArgumentException("--limit must be >= 1, got " + limit);
        }
        List<Sample> samples = SampleFileReader.read(data, config.inputSize(), config.outputSize());
        if (limit != null && limit < samples.size()) {
            samples = samples.subList(0, limit);
        }
        if (exportInit != null) {
            ModelFile.write(exportInit, m);
        }
        Learner learner = new Learner(m, Rules.of(config.rule()));
        ProgressBar bar = ProgressBar.onTerminal("train");
        OfflineTrainer.Result r = OfflineTrainer.train(learner, samples, epochs,
                (done, total, totals) -> bar.update(done, total,
                        String.format(Locale.ROOT, "acc %.4f", totals.accuracy())));
        System.out.printf(Locale.ROOT, "rule %s  layers %s  samples %d  prequential accuracy %.4f  prequential loss %.4f"
                        + "  %.0f samples/s%s%n", config.rule().id(), config.layersString(), r.samples(), r.accuracy(),
                r.loss(), r.samplesPerSecond(), r.rejectedSteps() > 0 ? "  rejected steps " + r.rejectedSteps() : "");
        if (export != null) {
            ModelFile.write(export, m);
        }
        if (report != null) {
            ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode o = Reports.base(json, config, m);
            o.put("data", data.toString());
            o.put("epochs", epochs);
            o.put("samples", r.samples());
            o.put("prequential_accuracy", r.accuracy());
            o.put("prequential_loss", r.loss());
            o.put("seconds", r.seconds());
            o.put("samples_per_second", r.samplesPerSecond());
            o.put("rejected_steps", r.rejectedSteps());
            Reports.addAlignment(o, m);
            Files.writeString(report, json.writeValueAsString(o) + "\n");
        }
        return 0;
    }
}
