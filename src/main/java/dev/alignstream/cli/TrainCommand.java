package dev.alignstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.alignstream.core.Arch;
import dev.alignstream.core.Learner;
import dev.alignstream.core.Model;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.data.BadRecordReason;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SampleFileReader;
import dev.alignstream.data.SequenceSample;
import dev.alignstream.data.TimedEvent;
import dev.alignstream.io.ModelFile;
import dev.alignstream.io.RnnModelFile;
import dev.alignstream.rnn.RnnConfig;
import dev.alignstream.rnn.RnnLearner;
import dev.alignstream.rnn.RnnModel;
import dev.alignstream.rules.Rules;
import dev.alignstream.train.OfflineTrainer;
import dev.alignstream.train.RnnOfflineTrainer;
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
                        + "--input-scale 3 --target-offset -0.1 --export m.safetensors",
                "RNN: train --arch rnn --data data/delayed-sum-train.jsonl --layers 1,256,1 --rule align-ada --lr 0.01",
                "(sequence records; --batch counts sequences; the loss of a sequence is the mean of its step losses)"})
public final class TrainCommand implements Callable<Integer> {

    @Option(names = "--data", required = true, description = {"CSV (label,x_1..x_n) or JSON Lines file.",
            "In JSON Lines a sample with an \"id\" and no label is predicted and waits for a later line",
            "{\"id\": ..., \"label\": ...} (delayed label), learned when that line comes.",
            "For --arch rnn: JSON Lines sequence records {\"sequence\": [[...], ...], \"targets\": [[...], ...]}."})
    Path data;

    @Mixin
    LabelWaitOptions labelWait;

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

    /** The events up to and including the {@code limit}-th sample (all of them when {@code limit} is null). */
    static List<TimedEvent> firstSamples(List<TimedEvent> events, Integer limit) {
        if (limit == null) {
            return events;
        }
        int samples = 0;
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).event() instanceof Sample && ++samples == limit) {
                return events.subList(0, i + 1);
            }
        }
        return events;
    }

    @Override
    public Integer call() throws Exception {
        if (model.arch() == Arch.RNN) {
            return trainRnn();
        }
        ModelConfig config = model.toConfig();
        Model m = init == null ? Model.create(config) : InitialModel.fromFile(init, config);
        if (limit != null && limit < 1) {
            throw new IllegalArgumentException("--limit must be >= 1, got " + limit);
        }
        List<TimedEvent> events = firstSamples(SampleFileReader.readEvents(data, config.inputSize(), config.outputSize()),
                limit);
        if (exportInit != null) {
            ModelFile.write(exportInit, m);
        }
        Learner learner = new Learner(m, Rules.of(config.rule()));
        ProgressBar bar = ProgressBar.onTerminal("train");
        OfflineTrainer.EventResult er = OfflineTrainer.trainEvents(learner, events, epochs, labelWait.toLabelWait(),
                (done, total, totals) -> bar.update(done, total,
                        String.format(Locale.ROOT, "acc %.4f", totals.accuracy())));
        OfflineTrainer.Result r = er.base();
        System.out.printf(Locale.ROOT, "rule %s  layers %s  samples %d  prequential accuracy %.4f  prequential loss %.4f"
                        + "  %.0f samples/s%s%s%n", config.rule().id(), config.layersString(), r.samples(), r.accuracy(),
                r.loss(), r.samplesPerSecond(), r.rejectedSteps() > 0 ? "  rejected steps " + r.rejectedSteps() : "",
                m.pending().count() > 0 ? "  pending " + m.pending().count()
                        + " (a partial mini-batch, kept in the model file and learned when its batch completes)" : "");
        if (er.completed() > 0 || er.stillPending() > 0 || er.expired() > 0 || !er.refused().isEmpty()) {
            System.out.printf(Locale.ROOT, "delayed labels: %d completed, %d still pending, %d expired, %d unmatched,"
                            + " %d duplicate labels, %d duplicate ids%n", er.completed(), er.stillPending(), er.expired(),
                    er.refused().getOrDefault(BadRecordReason.UNMATCHED_LABEL, 0L),
                    er.refused().getOrDefault(BadRecordReason.DUPLICATE_LABEL, 0L),
                    er.refused().getOrDefault(BadRecordReason.DUPLICATE_ID, 0L));
        }
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
            o.put("pending_samples", m.pending().count());
            ObjectNode d = o.putObject("delayed_labels");
            d.put("completed", er.completed());
            d.put("still_pending", er.stillPending());
            d.put("expired", er.expired());
            d.put("unmatched_labels", er.refused().getOrDefault(BadRecordReason.UNMATCHED_LABEL, 0L));
            d.put("duplicate_labels", er.refused().getOrDefault(BadRecordReason.DUPLICATE_LABEL, 0L));
            d.put("duplicate_ids", er.refused().getOrDefault(BadRecordReason.DUPLICATE_ID, 0L));
            Reports.addAlignment(o, m);
            Files.writeString(report, json.writeValueAsString(o) + "\n");
        }
        return 0;
    }

    /** {@code --arch rnn}: the same flow over sequence records with {@link RnnLearner}. */
    private Integer trainRnn() throws Exception {
        RnnConfig config = model.toRnnConfig();
        RnnModel m = init == null ? RnnModel.create(config) : InitialModel.rnnFromFile(init, config);
        List<SequenceSample> sequences = dev.alignstream.data.SampleFileReader.readSequences(data, config.inputSize(),
                config.outputSize(), config.maxSteps());
        if (exportInit != null) {
            RnnModelFile.write(exportInit, m);
        }
        RnnLearner learner = new RnnLearner(m);
        ProgressBar bar = ProgressBar.onTerminal("train");
        RnnOfflineTrainer.Result r = RnnOfflineTrainer.train(learner, sequences, epochs,
                (done, total, loss) -> bar.update(done, total, String.format(Locale.ROOT, "loss %.4f", loss)));
        System.out.printf(Locale.ROOT, "arch rnn  rule %s  layers %s  sequences %d  steps %d  prequential loss %.5f"
                        + "  %.1f sequences/s  %.0f steps/s%s%n", config.rule().id(), config.base().layersString(),
                r.sequences(), r.steps(), r.loss(), r.sequencesPerSecond(), r.stepsPerSecond(),
                r.rejectedSteps() > 0 ? "  rejected steps " + r.rejectedSteps() : "");
        if (export != null) {
            RnnModelFile.write(export, m);
        }
        if (report != null) {
            ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode o = Reports.base(json, config, m);
            o.put("data", data.toString());
            o.put("epochs", epochs);
            o.put("samples", r.sequences());
            o.put("steps", r.steps());
            o.putNull("prequential_accuracy");
            o.put("prequential_loss", r.loss());
            o.put("seconds", r.seconds());
            o.put("samples_per_second", r.sequencesPerSecond());
            o.put("steps_per_second", r.stepsPerSecond());
            o.put("cpu_seconds", r.cpuSeconds());
            o.put("steps_per_cpu_second", r.steps() / Math.max(r.cpuSeconds(), 1e-9));
            o.put("rejected_steps", r.rejectedSteps());
            Reports.addAlignment(o, m);
            Files.writeString(report, json.writeValueAsString(o) + "\n");
        }
        return 0;
    }
}
