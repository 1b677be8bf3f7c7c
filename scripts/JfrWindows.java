import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the service's stream thread and model lanes spent one measured window, from a JFR
 * recording's execution samples: each sample of those threads whose time falls in the window is
 * put in the first category whose method is on its stack (a model's step, parsing the record,
 * the journal, the prediction JSON, Kafka's send, Kafka's poll; else "other"), and the model
 * steps' samples are also counted by their top frame (which kernel). Shares are of the thread's
 * samples in the window; with the per-thread CPU time of the same window ({@code THREADS=1}) a
 * share times the thread's microseconds per sample gives that category's microseconds.
 *
 * <p>A single-file program for {@code scripts/e2e-models-per-stream.sh} ({@code PROFILE=1}):
 * {@code java scripts/JfrWindows.java RECORDING.jfr TITLE START END}, START and END in epoch
 * seconds (bash's {@code $EPOCHREALTIME}). Reads the recording once per call; the JDK's own
 * {@code jdk.jfr.consumer} API, no JSON dump (a 40 s profile is ~700 MB of JSON).
 */
public final class JfrWindows {

    /** Categories in order of precedence: a sample counts for the first whose method is on its stack. */
    private static final Map<String, String> CATEGORIES = new LinkedHashMap<>();

    static {
        CATEGORIES.put("dev.alignstream.core.Learner.observe", "model step");
        CATEGORIES.put("dev.alignstream.data.SampleJson.parseRecord", "parse the record");
        CATEGORIES.put("dev.alignstream.stream.Journal", "journal (encode, RocksDB, changelog)");
        CATEGORIES.put("dev.alignstream.stream.PredictionJson.", "prediction JSON");
        CATEGORIES.put("org.apache.kafka.streams.processor.internals.RecordCollectorImpl.send", "Kafka send");
        CATEGORIES.put("org.apache.kafka.clients.consumer.KafkaConsumer.poll", "Kafka poll");
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 4) {
            System.err.println("usage: java scripts/JfrWindows.java RECORDING.jfr TITLE START END (epoch seconds)");
            System.exit(2);
        }
        Instant start = epoch(args[2]);
        Instant end = epoch(args[3]);
        Map<String, Map<String, Integer>> byThread = new TreeMap<>();
        Map<String, Integer> kernels = new TreeMap<>();
        int stepSamples = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(args[0]))) {
            if (!e.getEventType().getName().equals("jdk.ExecutionSample")
                    || e.getStartTime().isBefore(start) || e.getStartTime().isAfter(end)) {
                continue;
            }
            String thread = role(e.getThread("sampledThread").getJavaName());
            if (thread == null || e.getStackTrace() == null) {
                continue;
            }
            List<RecordedFrame> frames = e.getStackTrace().getFrames();
            String category = category(frames);
            byThread.computeIfAbsent(thread, t -> new TreeMap<>()).merge(category, 1, Integer::sum);
            if (category.equals("model step") && !frames.isEmpty()) {
                kernels.merge(name(frames.get(0)), 1, Integer::sum);
                stepSamples++;
            }
        }
        System.out.println("  " + args[1] + ": execution samples in the window (share of the thread's samples)");
        for (var t : byThread.entrySet()) {
            int total = t.getValue().values().stream().mapToInt(Integer::intValue).sum();
            System.out.printf("    %s (%d samples):%n", t.getKey(), total);
            t.getValue().entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue())
                    .forEach(c -> System.out.printf("      %5.1f%%  %s%n", 100.0 * c.getValue() / total, c.getKey()));
        }
        int steps = stepSamples;
        System.out.printf("    model steps by top frame (%d samples, both threads):%n", steps);
        kernels.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(8)
                .forEach(k -> System.out.printf("      %5.1f%%  %s%n", 100.0 * k.getValue() / steps, k.getKey()));
    }

    private static Instant epoch(String seconds) {
        double s = Double.parseDouble(seconds);
        long whole = (long) Math.floor(s);
        return Instant.ofEpochSecond(whole, Math.round((s - whole) * 1e9));
    }

    /** "stream thread", "model lane N", or null for threads this report leaves out. */
    private static String role(String javaName) {
        if (javaName == null) {
            return null;
        }
        if (javaName.contains("-StreamThread-") && !javaName.contains("producer")) {
            return "stream thread " + javaName.substring(javaName.lastIndexOf('-') + 1);
        }
        if (javaName.contains("model-steps-")) {
            return "model lane " + javaName.substring(javaName.lastIndexOf('-') + 1);
        }
        return null;
    }

    private static String category(List<RecordedFrame> frames) {
        for (var c : CATEGORIES.entrySet()) {
            for (RecordedFrame f : frames) {
                if (name(f).startsWith(c.getKey())) {
                    return c.getValue();
                }
            }
        }
        return "other (Kafka Streams, consumer fetch parsing, metrics, outputs)";
    }

    private static String name(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }
}
