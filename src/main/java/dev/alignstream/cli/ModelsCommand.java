package dev.alignstream.cli;

import dev.alignstream.stream.ModelSpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code models create|list|delete}: manage model declarations on the compacted models topic. */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = {"Creates, lists and deletes models (declarations on the compacted models topic);",
                "patch, predict and export talk to a running service over HTTP (--url)."},
        subcommands = {ModelsCommand.Create.class, ModelsCommand.ListModels.class, ModelsCommand.Delete.class,
                ModelsHttpCommands.Patch.class, ModelsHttpCommands.Predict.class, ModelsHttpCommands.Export.class})
public final class ModelsCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Options every subcommand shares. */
    static final class Connection {
        @Option(names = "--bootstrap-servers", defaultValue = "${env:ALIGNSTREAM_BOOTSTRAP_SERVERS:-127.0.0.1:9092}",
                description = "Kafka bootstrap servers (default ${DEFAULT-VALUE})")
        String bootstrap;

        @Option(names = "--topic-prefix", defaultValue = "alignstream", description = "topic name prefix (default ${DEFAULT-VALUE})")
        String prefix;

        String topic() {
            return prefix + ".models";
        }
    }

    static void send(String bootstrap, String topic, String key, byte[] value) throws Exception {
        ensureModelsTopic(bootstrap, topic);
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("enable.idempotence", "true");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        }
    }

    /**
     * Creates the compacted models topic when it does not exist yet, so models can be declared
     * before the first {@code serve} starts (the producer would otherwise wait a minute for a
     * topic nobody creates: the embedded broker does not auto-create topics).
     */
    static void ensureModelsTopic(String bootstrap, String topic) throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                Map.of("bootstrap.servers", bootstrap, "default.api.timeout.ms", 30_000))) {
            if (admin.listTopics().names().get(30, java.util.concurrent.TimeUnit.SECONDS).contains(topic)) {
                return;
            }
            try {
                admin.createTopics(java.util.List.of(new org.apache.kafka.clients.admin.NewTopic(topic,
                        java.util.Optional.of(1), java.util.Optional.empty()).configs(Map.of("cleanup.policy", "compact"))))
                        .all().get(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                    throw new IllegalStateException("cannot create the models topic " + topic + ": "
                            + e.getCause().getMessage(), e.getCause());
                }
            }
        }
    }

    /** Reads the compacted models topic to its end. */
    static Map<String, byte[]> readAll(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        Map<String, byte[]> out = new TreeMap<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            var parts = c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.value() == null) {
                        out.remove(r.key());
                    } else {
                        out.put(r.key(), r.value());
                    }
                }
            }
        }
        return out;
    }

    /** {@code models create}. */
    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Declares a model; the service starts it at the next sample of its stream.",
                    "Re-declaring an existing id may change only --lr and --paused."})
    static final class Create implements Callable<Integer> {
        @Mixin
        Connection conn;

        @Option(names = "--id", required = true, description = "model id")
        String id;

        @Option(names = "--stream", required = true, description = "stream the model learns from")
        String stream;

        @Mixin
        ModelOptions model;

        @Option(names = "--paused", description = "declare the model paused (predicts, does not learn)")
        boolean paused;

        @Override
        public Integer call() throws Exception {
            ModelSpec spec = new ModelSpec(id, stream, model.toConfig(), paused);
            send(conn.bootstrap, conn.topic(), id, spec.toJson());
            System.out.println("model " + id + " declared on stream " + stream + ": "
                    + new String(spec.toJson(), StandardCharsets.UTF_8));
            return 0;
        }
    }

    /** {@code models list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists declared models.")
    static final class ListModels implements Callable<Integer> {
        @Mixin
        Connection conn;

        @Override
        public Integer call() {
            Map<String, byte[]> all = readAll(conn.bootstrap, conn.topic());
            if (all.isEmpty()) {
                System.out.println("no models");
            }
            all.forEach((k, v) -> System.out.println(new String(v, StandardCharsets.UTF_8)));
            return 0;
        }
    }

    /** {@code models delete}. */
    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Deletes a model (a tombstone on the models topic).")
    static final class Delete implements Callable<Integer> {
        @Mixin
        Connection conn;

        @Option(names = "--id", required = true, description = "model id")
        String id;

        @Override
        public Integer call() throws Exception {
            send(conn.bootstrap, conn.topic(), id, null);
            System.out.println("model " + id + " deleted");
            return 0;
        }
    }
}
