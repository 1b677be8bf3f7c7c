package dev.alignstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.alignstream.core.ModelConfig;
import dev.alignstream.core.RuleName;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SampleJson;
import dev.alignstream.data.SyntheticDataset;
import dev.alignstream.delayed.LabelWait;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delayed labels in the service without a broker (SPEC section 8): expiry by record time and by
 * count, the dead-letter reasons of unusable labels, the metrics hooks, and a record with
 * features and label together still learned at once.
 */
class DelayedLabelTopologyTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path stateDir;

    private TopologyFixture fixture;
    private TestInputTopic<String, byte[]> samples;
    private TestInputTopic<String, byte[]> labels;
    private TestOutputTopic<String, byte[]> predictions;
    private TestOutputTopic<String, byte[]> deadLetters;
    private final List<String> events = new ArrayList<>();
    private final List<Sample> data = SyntheticDataset.teacher(10, 6, 3, 4L);

    private void start(LabelWait wait) {
        ServiceConfig config = ServiceConfig.defaults("unused:9092", stateDir).withLabelWait(wait);
        fixture = new TopologyFixture(config, new LearningListener() {
            @Override
            public void onExpired(String stream) {
                events.add("expired " + stream);
            }

            @Override
            public void onPending(String stream, int waiting) {
                events.add("pending " + waiting);
            }

            @Override
            public void onLabelDelay(String stream, long delayMillis) {
                events.add("delay " + delayMillis);
            }
        });
        samples = fixture.samples;
        labels = fixture.labels;
        predictions = fixture.predictions;
        deadLetters = fixture.deadLetters;
        TestInputTopic<String, byte[]> models = fixture.models;
        ModelSpec m = new ModelSpec("m", "s", ModelConfig.of(RuleName.ALIGN_ADA, 0.1f, 6, 8, 3), false);
        models.pipeInput(m.id(), m.toJson());
    }

    @AfterEach
    void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    private void serve(int i, long atMillis) {
        samples.pipeInput(new TestRecord<>("s", SampleJson.toJson(new Sample("x" + i, data.get(i).features(), null, null)),
                T0.plusMillis(atMillis)));
    }

    private void label(TestInputTopic<String, byte[]> topic, int i, long atMillis) {
        topic.pipeInput(new TestRecord<>("s", ("{\"id\":\"x" + i + "\",\"label\":" + data.get(i).label() + "}")
                .getBytes(StandardCharsets.UTF_8), T0.plusMillis(atMillis)));
    }

    private List<String> deadLetterReasons() {
        List<String> out = new ArrayList<>();
        for (TestRecord<String, byte[]> r : deadLetters.readRecordsToList()) {
            out.add(new String(r.headers().lastHeader("reason").value(), StandardCharsets.UTF_8));
        }
        return out;
    }

    @Test
    void samplesExpireByRecordTimeAndTheirLabelsAreUnmatched() throws Exception {
        start(new LabelWait(Duration.ofSeconds(10), 100));
        serve(0, 0);
        serve(1, 5_000);
        label(labels, 1, 10_000);   // 5 s after its sample: learned
        serve(2, 10_001);           // stream time 10.001 s: sample 0 waited more than 10 s and expires
        label(samples, 0, 10_002);  // unmatched: expired
        label(samples, 1, 10_003);  // duplicate
        List<JsonNode> out = new ArrayList<>();
        for (byte[] v : predictions.readValuesToList()) {
            out.add(JSON.readTree(v));
        }
        assertEquals(4, out.size(), out.toString()); // three served predictions, one outcome
        JsonNode outcome = out.get(2);
        assertEquals("outcome", outcome.path("kind").asText(), out.toString());
        assertEquals("x1", outcome.path("id").asText());
        assertEquals(0, outcome.path("version").asLong());
        assertEquals(1, outcome.path("samples_seen").asLong());
        assertEquals(5_000, outcome.path("label_delay_ms").asLong());
        assertTrue(out.get(0).path("pending").asBoolean());
        assertEquals(List.of("unmatched-label", "duplicate-label"), deadLetterReasons());
        assertTrue(events.contains("expired s"), events.toString());
        assertTrue(events.contains("delay 5000"), events.toString());
    }

    @Test
    void theOldestSampleExpiresWhenTooManyWait() throws Exception {
        start(new LabelWait(Duration.ofHours(1), 2));
        serve(0, 0);
        serve(1, 1);
        serve(2, 2);                // three waiting, at most two: sample 0 expires
        label(samples, 0, 3);
        label(samples, 2, 4);
        serve(2, 5);                // the id is free again after its label
        serve(2, 6);                // now it waits: a second sample with that id
        assertEquals(List.of("unmatched-label", "duplicate-id"), deadLetterReasons());
        assertEquals(1, events.stream().filter(e -> e.equals("expired s")).count(), events.toString());
    }

    @Test
    void aSampleWithItsLabelIsStillLearnedAtOnce() throws Exception {
        start(LabelWait.DEFAULT);
        samples.pipeInput(new TestRecord<>("s", SampleJson.toJson(data.get(3)), T0));
        JsonNode p = JSON.readTree(predictions.readValue());
        assertEquals("prediction", p.path("kind").asText());
        assertEquals(0, p.path("version").asLong());
        assertEquals(1, p.path("samples_seen").asLong());
        assertTrue(p.path("pending").isMissingNode());
        assertTrue(deadLetters.isEmpty());
    }
}
