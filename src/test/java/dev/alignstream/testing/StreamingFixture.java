package dev.alignstream.testing;

import dev.alignstream.cli.KafkaClientOptions;
import dev.alignstream.core.Learner;
import dev.alignstream.core.Model;
import dev.alignstream.data.Sample;
import dev.alignstream.data.SampleJson;
import dev.alignstream.io.ModelFile;
import dev.alignstream.rules.Rules;
import dev.alignstream.stream.ModelSpec;
import dev.alignstream.stream.Topics;
import dev.alignstream.train.OfflineTrainer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Helpers the streaming integration tests share: declare models, send samples, ask the service, compute offline results. */
public final class StreamingFixture {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private StreamingFixture() {
    }

    public static Topics topics(String prefix) {
        return new Topics(prefix + ".samples", prefix + ".models", prefix + ".predictions", prefix + ".dead-letters");
    }

    /** A producer with the CLI's settings (one place for them: {@link KafkaClientOptions#producer}). */
    public static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties client = new Properties();
        client.put("bootstrap.servers", bootstrap);
        return new KafkaProducer<>(KafkaClientOptions.producer(client, Duration.ofSeconds(60)), new StringSerializer(),
                new ByteArraySerializer());
    }

    public static void declare(String bootstrap, Topics t, ModelSpec... specs) throws Exception {
        try (KafkaProducer<String, byte[]> p = producer(bootstrap)) {
            for (ModelSpec s : specs) {
                p.send(new ProducerRecord<>(t.models(), s.id(), s.toJson())).get();
            }
        }
    }

    public static void send(KafkaProducer<String, byte[]> p, Topics t, String stream, byte[] value) throws Exception {
        p.send(new ProducerRecord<>(t.samples(), stream, value)).get();
    }

    public static void send(KafkaProducer<String, byte[]> p, Topics t, String stream, Sample s) throws Exception {
        send(p, t, stream, SampleJson.toJson(s));
    }

    /** The model the offline path reaches on these samples (what the streaming result must equal bit for bit). */
    public static Model offline(ModelSpec spec, List<Sample> samples) {
        Model m = Model.create(spec.config());
        Learner l = new Learner(m, Rules.of(spec.config().rule()));
        OfflineTrainer.train(l, samples, 1, (a, b, c) -> { });
        return m;
    }

    public static String get(int port, String path) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body();
    }

    /** Polls {@code path} until its answer ({@link #get}: status, space, body) starts with {@code status}; returns it. */
    public static String awaitStatus(int port, String path, String status, Duration timeout) throws Exception {
        return Await.until(path + " answering " + status, timeout, () -> get(port, path), last -> last.startsWith(status));
    }

    public static Model export(int port, String modelId, String token) throws IOException, InterruptedException {
        return ModelFile.fromBytes(exportBytes(port, modelId, token));
    }

    /** The model file {@code GET /models/{id}/export} answers (either arch). */
    public static byte[] exportBytes(int port, String modelId, String token) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/models/" + modelId + "/export"))
                .timeout(Duration.ofSeconds(60));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpResponse<byte[]> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw new IOException("export of " + modelId + " answered " + r.statusCode() + ": " + new String(r.body()));
        }
        return r.body();
    }

    /**
     * Polls {@code GET /models} until it lists every id: the service's global models store holds
     * the declarations, so a sample sent now meets its models (instead of sleeping and hoping).
     */
    public static void awaitDeclared(int port, Duration timeout, String... ids) throws Exception {
        Await.until("models " + String.join(", ", ids) + " listed", timeout, () -> get(port, "/models"),
                listed -> java.util.Arrays.stream(ids).allMatch(id -> listed.contains("\"id\":\"" + id + "\"")));
    }

    /** Polls {@code GET /models/{id}} until samples_seen reaches {@code expected}. */
    public static void awaitSamplesSeen(int port, String modelId, long expected, Duration timeout) throws Exception {
        Await.until("model " + modelId + " at samples_seen " + expected, timeout, () -> get(port, "/models/" + modelId),
                last -> last.contains("\"samples_seen\":" + expected + ",") && last.contains("\"state\":\"live\""));
    }

    /** Every committed record of a topic (read_committed), from the beginning to the current end. */
    public static List<ConsumerRecord<String, byte[]>> readAll(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("isolation.level", "read_committed");
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            var end = c.endOffsets(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }
}
