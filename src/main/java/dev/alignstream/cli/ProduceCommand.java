package dev.alignstream.cli;

import dev.alignstream.data.Sample;
import dev.alignstream.data.SampleFileReader;
import dev.alignstream.data.SampleJson;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code produce}: streams a CSV/JSONL dataset into the samples topic, keyed by stream id, in file
 * order. It reports only what the cluster acknowledged: the topic must exist, every send is
 * checked, and the first failure ends the command with a non-zero exit and the broker's error.
 */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = {"Sends every sample of a CSV or JSON Lines file to the samples topic, keyed by --stream, in file order.",
                "Fails (exit 1) if the topic does not exist, Kafka cannot be reached within --kafka-timeout,",
                "or any record is not acknowledged; the count it prints is of acknowledged records.",
                "Example: produce --data data/mnist-train.csv --stream mnist --rate 500"})
public final class ProduceCommand implements Callable<Integer> {

    @Mixin
    KafkaClientOptions kafka;

    @Option(names = "--data", required = true, description = "CSV (label,x_1..x_n) or JSON Lines file of samples, or of sequences for RNN models")
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
        if (SampleFileReader.holdsSequences(data)) {
            // sequence records for RNN models (SPEC section 8), checked as `train --arch rnn` checks them
            List<byte[]> sequences = SampleFileReader.readSequences(data, -1, -1, SampleJson.MAX_SEQUENCE_STEPS).stream()
                    .limit(limit > 0 ? limit : Long.MAX_VALUE).map(SampleJson::toJson).toList();
            long acked = sendRecords(kafka, topic, stream, sequences, rate, ProgressBar.onTerminal("produce"));
            System.out.println("sent " + acked + " sequences to " + topic + " (stream " + stream + "), all acknowledged");
            return 0;
        }
        List<Sample> samples = SampleFileReader.read(data, -1, -1);
        if (limit > 0 && limit < samples.size()) {
            samples = samples.subList(0, limit);
        }
        long acked = send(kafka, topic, stream, samples, rate, ProgressBar.onTerminal("produce"));
        System.out.println("sent " + acked + " samples to " + topic + " (stream " + stream + "), all acknowledged");
        return 0;
    }

    /**
     * Sends samples in order with an idempotent producer, pacing to {@code rate} samples/s when
     * positive, and returns how many the cluster acknowledged, which is all of them: otherwise
     * it throws with the first error, saying how many were acknowledged before it.
     *
     * @throws IllegalArgumentException if the topic does not exist
     * @throws IllegalStateException    if Kafka is unreachable or a record was not acknowledged
     */
    public static long send(KafkaClientOptions kafka, String topic, String stream, List<Sample> samples, double rate,
                            ProgressBar bar) throws Exception {
        return sendRecords(kafka, topic, stream, samples.stream().map(SampleJson::toJson).toList(), rate, bar);
    }

    /** Sends record values (samples or delayed labels, SPEC section 8) keyed by {@code stream}; see {@link #send}. */
    public static long sendRecords(KafkaClientOptions kafka, String topic, String stream, List<byte[]> records,
                                   double rate, ProgressBar bar) throws Exception {
        List<byte[]> samples = records;
        kafka.requireTopic(topic);
        Properties p = kafka.producerProperties();
        p.put("max.request.size", Integer.toString(8 << 20));
        AtomicLong acked = new AtomicLong();
        AtomicReference<Exception> failure = new AtomicReference<>();
        long start = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            int i = 0;
            for (byte[] value : samples) {
                if (failure.get() != null) {
                    break;
                }
                try {
                    producer.send(new ProducerRecord<>(topic, stream, value), (meta, e) -> {
                        if (e == null) {
                            acked.incrementAndGet();
                        } else {
                            failure.compareAndSet(null, e);
                        }
                    });
                } catch (KafkaException e) {
                    failure.compareAndSet(null, e);
                    break;
                }
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
            // returns once every sent record is acknowledged or failed (bounded by delivery.timeout.ms)
            producer.flush();
        }
        Exception e = failure.get();
        if (e != null || acked.get() != samples.size()) {
            String why = e == null ? "no error reported" : e instanceof org.apache.kafka.common.errors.TimeoutException
                    ? "not acknowledged within " + kafka.timeout().toSeconds() + " s (" + e.getMessage() + ")" : e.getMessage();
            throw new IllegalStateException("produce to " + topic + " at " + kafka.bootstrapServers() + " failed after "
                    + acked.get() + " of " + samples.size() + " samples were acknowledged: " + why, e);
        }
        return acked.get();
    }
}
