package dev.alignstream.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.alignstream.cli.Main;
import dev.alignstream.core.Activation;
import dev.alignstream.core.Model;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SampleJson;
import dev.alignstream.data.SyntheticDataset;
import dev.alignstream.io.ModelFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One rule for a trailing partial mini-batch (SPEC section 7 and the stream): 7 samples at batch
 * size 3 leave the 7th pending in both {@code train} and the service, so the two model files are
 * the same bytes; a {@code train --init} continuation learns what the stream learns next.
 */
class PartialBatchParityTest {

    @TempDir
    Path dir;

    /** What {@code train --layers 6,8,3 --rule align-ada --lr 0.1 --batch 3} means with every other flag at its default. */
    private static final ModelConfig CONFIG = new ModelConfig(new int[] {6, 8, 3}, Activation.RELU, RuleName.ALIGN_ADA,
            0.1f, 3, 7L, 0f, 1f, true);

    private static String[] train(Path data, Path export, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("train", "--data", data.toString(), "--layers", "6,8,3",
                "--rule", "align-ada", "--lr", "0.1", "--batch", "3", "--export", export.toString()));
        args.addAll(List.of(more));
        return args.toArray(new String[0]);
    }

    @Test
    void trainAndTheStreamLeaveTheSamePartialBatchPending() throws Exception {
        List<Sample> all = SyntheticDataset.teacher(9, 6, 3, 21L);
        List<Sample> first = all.subList(0, 7);
        Path csv = dir.resolve("first.csv");
        SyntheticDataset.writeCsv(first, csv);
        Path offlineFile = dir.resolve("offline.safetensors");
        assertEquals(0, Main.run(train(csv, offlineFile)));
        byte[] offline = Files.readAllBytes(offlineFile);

        // independent of both code paths: two full batches applied, the 7th sample waiting
        Model offlineModel = ModelFile.fromBytes(offline);
        assertEquals(6, offlineModel.samplesSeen());
        assertEquals(1, offlineModel.pending().count());
        assertArrayEquals(first.get(6).features(), Arrays.copyOf(offlineModel.pending().features().row(0), 6));

        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "partial-batch-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, "exactly_once_v2");
        ServiceConfig config = ServiceConfig.defaults("unused:9092", dir.resolve("state"));
        ModelRegistry registry = new ModelRegistry();
        try (TopologyTestDriver driver = new TopologyTestDriver(AlignstreamService.topology(config, registry), p)) {
            TestInputTopic<String, byte[]> models = driver.createInputTopic(config.topics().models(), new StringSerializer(),
                    new ByteArraySerializer());
            TestInputTopic<String, byte[]> samples = driver.createInputTopic(config.topics().samples(),
                    new StringSerializer(), new ByteArraySerializer());
            ModelSpec spec = new ModelSpec("m", "s", CONFIG, false);
            models.pipeInput(spec.id(), spec.toJson());
            for (Sample s : first) {
                samples.pipeInput("s", SampleJson.toJson(s));
            }
            assertArrayEquals(offline, export(driver, registry), "train and the stream wrote different model files");

            // continuing: train --init on samples 8 and 9 completes the batch the stream completes
            Path rest = dir.resolve("rest.csv");
            SyntheticDataset.writeCsv(all.subList(7, 9), rest);
            Path continued = dir.resolve("continued.safetensors");
            assertEquals(0, Main.run(train(rest, continued, "--init", offlineFile.toString())));
            for (Sample s : all.subList(7, 9)) {
                samples.pipeInput("s", SampleJson.toJson(s));
            }
            Model streamed = ModelFile.fromBytes(export(driver, registry));
            Model resumed = ModelFile.read(continued);
            assertEquals(9, streamed.samplesSeen());
            assertEquals(9, resumed.samplesSeen());
            assertEquals(0, resumed.pending().count());
            assertTrue(streamed.live().bitEquals(resumed.live()), "the --init continuation differs from the stream");
        }
    }

    private static byte[] export(TopologyTestDriver driver, ModelRegistry registry) throws Exception {
        CompletableFuture<byte[]> f = registry.export("m");
        driver.advanceWallClockTime(Duration.ofMillis(500));
        return f.get(10, TimeUnit.SECONDS);
    }
}
