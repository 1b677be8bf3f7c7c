package dev.alignstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.alignstream.stream.ServiceConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve} refuses a processing guarantee other than exactly_once_v2, from either source,
 * and a commit interval out of bounds, with one line and before it talks to Kafka (the bootstrap
 * address here is a closed port); {@code --commit-interval} reaches Kafka Streams.
 */
class ServeCommandTest {

    @TempDir
    Path dir;

    @Test
    void aKafkaConfigThatWeakensTheGuaranteeIsRefusedWithOneLine() throws Exception {
        Path props = dir.resolve("client.properties");
        Files.writeString(props, "security.protocol=PLAINTEXT\nprocessing.guarantee=at_least_once\n");
        long start = System.nanoTime();
        CliRun r = CliRun.of("serve", "--bootstrap-servers", "127.0.0.1:1", "--http-port", "0", "--state-dir",
                dir.resolve("state").toString(), "--kafka-config", props.toString());
        assertEquals(1, r.code(), r.err());
        String line = r.err().strip();
        assertEquals(1, line.lines().count(), line);
        assertTrue(line.startsWith("error: processing.guarantee=at_least_once (from --kafka-config) is not supported")
                && line.contains("exactly_once_v2"), line);
        assertTrue(System.nanoTime() - start < 10_000_000_000L, "refused before contacting Kafka");
        assertTrue(Files.notExists(dir.resolve("state")), "nothing was written");
    }

    @Test
    void theConfigRecordRefusesEveryOtherGuaranteeAndAcceptsExactlyOnceV2() {
        ServiceConfig ok = ServiceConfig.defaults("b:9092", dir);
        assertEquals("exactly_once_v2", ok.processingGuarantee());
        ServiceConfig.defaults("b:9092", dir).withKafkaProperties(Map.of("processing.guarantee", "exactly_once_v2"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ServiceConfig("b:9092", "app",
                null, dir, ok.topics(), 10, 1, Map.of(), "at_least_once"));
        assertTrue(e.getMessage().startsWith("processing.guarantee=at_least_once"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> ok.withKafkaProperties(Map.of("processing.guarantee", "exactly_once")));
    }

    @Test
    void commitIntervalReachesKafkaStreamsAndOverridesTheKafkaConfigFile() throws Exception {
        Path props = dir.resolve("client.properties");
        Files.writeString(props, "commit.interval.ms=700\n");
        ServiceConfig fromFile = ServeCommand.config("b:9092", "app", null, dir, "p", 10, 1, props, null);
        assertEquals("700", dev.alignstream.stream.AlignstreamService.streamsProperties(fromFile)
                .getProperty("commit.interval.ms"));
        ServiceConfig both = ServeCommand.config("b:9092", "app", null, dir, "p", 10, 1, props, 2000);
        assertEquals("2000", dev.alignstream.stream.AlignstreamService.streamsProperties(both)
                .getProperty("commit.interval.ms"));
        ServiceConfig neither = ServeCommand.config("b:9092", "app", null, dir, "p", 10, 1, null, null);
        assertEquals("500", dev.alignstream.stream.AlignstreamService.streamsProperties(neither)
                .getProperty("commit.interval.ms"));
    }

    @Test
    void aCommitIntervalOutsideItsBoundsIsRefusedWithOneLine() {
        for (String ms : new String[] {"9", "5001", "0"}) {
            CliRun r = CliRun.of("serve", "--bootstrap-servers", "127.0.0.1:1", "--http-port", "0", "--state-dir",
                    dir.resolve("state").toString(), "--commit-interval", ms);
            assertEquals(1, r.code(), r.err());
            String line = r.err().strip();
            assertEquals("error: --commit-interval must be 10 to 5000 ms, got " + ms, line);
            assertTrue(Files.notExists(dir.resolve("state")), "nothing was written");
        }
    }
}
