package dev.alignstream.cli;

import dev.alignstream.core.Arch;
import dev.alignstream.stream.ModelSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
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
        @Mixin
        KafkaClientOptions kafka;

        @Option(names = "--topic-prefix", defaultValue = "alignstream", description = "topic name prefix (default ${DEFAULT-VALUE})")
        String prefix;

        String topic() {
            return prefix + ".models";
        }
    }

    /** Writes one declaration (or, with a null value, a tombstone) and waits for its acknowledgement. */
    static void send(KafkaClientOptions kafka, String topic, String key, byte[] value) throws Exception {
        ensureModelsTopic(kafka, topic);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.producerProperties(), new StringSerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("the models topic " + topic + " at " + kafka.bootstrapServers()
                    + " did not acknowledge the record: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /**
     * Creates the compacted models topic when it does not exist yet, so models can be declared
     * before the first {@code serve} starts (the producer would otherwise wait for a topic nobody
     * creates: the embedded broker does not auto-create topics).
     */
    static void ensureModelsTopic(KafkaClientOptions kafka, String topic) throws Exception {
        try (Admin admin = Admin.create(kafka.adminProperties())) {
            if (kafka.await(admin.listTopics().names(), "list topics").contains(topic)) {
                return;
            }
            try {
                kafka.await(admin.createTopics(List.of(new NewTopic(topic, Optional.of(1), Optional.empty())
                        .configs(Map.of("cleanup.policy", "compact")))).all(), "create the models topic " + topic);
            } catch (IllegalStateException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
    }

    /** Reads the compacted models topic to its end (within the timeout). */
    static Map<String, byte[]> readAll(KafkaClientOptions kafka, String topic) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        long deadline = System.nanoTime() + kafka.timeout().toNanos();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(kafka.clientProperties(), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> parts;
            try {
                parts = c.partitionsFor(topic, kafka.timeout()).stream()
                        .map(i -> new TopicPartition(topic, i.partition())).toList();
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                throw new IllegalStateException("cannot reach Kafka at " + kafka.bootstrapServers() + " within "
                        + kafka.timeout().toSeconds() + " s (read " + topic + ")", e);
            }
            if (parts.isEmpty()) {
                return out;
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, kafka.timeout());
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end within "
                            + kafka.timeout().toSeconds() + " s");
                }
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

    /** The declarations of the models topic, read to its end exactly as the service's updater reads them. */
    static dev.alignstream.stream.DeclaredModels.View readDeclared(KafkaClientOptions kafka, String topic) throws IOException {
        dev.alignstream.stream.DeclaredModels d = new dev.alignstream.stream.DeclaredModels();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(kafka.clientProperties(), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            var parts = c.partitionsFor(topic, kafka.timeout()).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, kafka.timeout());
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    d.apply(r.key(), r.value(), r.offset());
                }
            }
        }
        return d.view();
    }

    /** {@code models create}. */
    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Declares a model; the service starts it at the next sample of its stream.",
                    "Re-declaring an existing id may change only --lr and --paused; other changes are refused",
                    "(exit 1, nothing written): delete the model first, which resets it."})
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
            ModelSpec spec = spec(id, stream, model, paused);
            ensureModelsTopic(conn.kafka, conn.topic());
            var current = readDeclared(conn.kafka, conn.topic()).get(id);
            byte[] value = spec.toJson();
            if (current != null) {
                if (!current.spec().isCompatibleChange(spec)) {
                    System.err.println("model " + id + " exists with other fixed settings (stream " + current.spec().stream()
                            + ", " + current.spec().config() + "); the service would refuse this re-declaration."
                            + " Only --lr and --paused can change; to replace the model, 'models delete --id " + id
                            + "' first (its state is discarded and it starts from its seed)");
                    return 1;
                }
                // keep the generation explicit, so compaction of the creating record cannot reset the model
                value = spec.toJson(current.generation());
            }
            send(conn.kafka, conn.topic(), id, value);
            System.out.println("model " + id + (current == null ? " declared" : " re-declared (learning rate/pause)")
                    + " on stream " + stream + ": " + new String(value, StandardCharsets.UTF_8));
            return 0;
        }
    }

    /** The declaration of the options: an MLP, or with {@code --arch rnn} an RNN (three sizes, no fa/dfa). */
    static ModelSpec spec(String id, String stream, ModelOptions model, boolean paused) {
        return model.arch() == Arch.RNN ? ModelSpec.rnn(id, stream, model.toRnnConfig(), paused)
                : new ModelSpec(id, stream, model.toConfig(), paused);
    }

    /** A new declaration's value on the models topic ({@link ModelSpec#toJson()}). */
    static byte[] declaration(String id, String stream, ModelOptions model, boolean paused) {
        return spec(id, stream, model, paused).toJson();
    }

    /** {@code models list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists declared models.")
    static final class ListModels implements Callable<Integer> {
        @Mixin
        Connection conn;

        @Override
        public Integer call() throws Exception {
            Map<String, byte[]> all = readAll(conn.kafka, conn.topic());
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
            send(conn.kafka, conn.topic(), id, null);
            System.out.println("model " + id + " deleted");
            return 0;
        }
    }
}
