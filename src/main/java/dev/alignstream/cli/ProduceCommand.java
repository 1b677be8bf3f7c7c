package dev.alignstream.cli;

import dev.alignstream.data.Sample;
import dev.alignstream.data.SampleFileReader;
import dev.alignstream.data.SampleJson;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code produce}: streams a CSV/JSONL dataset into the samples topic, keyed by stream id, in file order. */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = {"Sends every sample of a CSV or JSON Lines file to the samples topic, keyed by --stream, in file order.",
                "Example: produce --data data/mnist-train.csv --stream mnist --rate 500"})
public final class ProduceCommand implements Callable<Integer> {

    @Option(names = "--bootstrap-servers", defaultValue = "${env:ALIGNSTREAM_BOOTSTRAP_SERVERS:-127.0.0.1:9092}",
            description = "Kafka bootstrap servers (default ${DEFAULT-VALUE})")
    String bootstrap;

    @Option(names = "--data", required = true, description = "CSV (label,x_1..x_n) or JSON Lines file")
    Path data;

    @Option(names = "--stream", required = true, description = "stream id (the record key)")
    String stream;

    @Option(names = "--rate", defaultValue = "0", description = "samples per second, 0 = as fast as possible (default ${DEFAULT-VALUE})")
    double rate;

    @Option(names = "--limit", defaultValue = "0", description = "send at most this many samples, 0 = all")
    int limit;

    @Option(names = "--topic", defaultValue = "alignstream.samples", description = "samples topic (default ${DEFAULT-VALUE})")
    String topic;

    @Override
    public Integer call() throws Exception {
        List<Sample> samples = SampleFileReader.read(data, -1, -1);
        if (limit > 0 && limit < samples.size()) {
            samples = samples.subList(0, limit);
        }
        send(bootstrap, topic, stream, samples, rate, ProgressBar.onTerminal("produce"));
        System.out.println("sent " + samples.size() + " samples to " + topic + " (stream " + stream + ")");
        return 0;
    }

    /** Sends samples in order with an idempotent producer, pacing to {@code rate} samples/s when positive. */
    public static void send(String bootstrap, String topic, String stream, List<Sample> samples, double rate,
                            ProgressBar bar) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("enable.idempotence", "true");
        p.put("linger.ms", "5");
        p.put("max.request.size", Integer.toString(8 << 20));
        long start = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            int i = 0;
            for (Sample s : samples) {
                producer.send(new ProducerRecord<>(topic, stream, SampleJson.toJson(s)));
                i++;
                if (rate > 0) {
                    long due = start + (long) (i / rate * 1e9);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
                bar.update(i, samples.size(), "");
            }
            producer.flush();
        }
    }
}
