package dev.alignstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code models patch|predict|export}: the subcommands that talk to a running service over HTTP. */
final class ModelsHttpCommands {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private ModelsHttpCommands() {
    }

    private static String path(String id, String suffix) {
        return "/models/" + URLEncoder.encode(id, StandardCharsets.UTF_8) + suffix;
    }

    /** {@code models patch}. */
    @Command(name = "patch", mixinStandardHelpOptions = true,
            description = {"Changes a model's learning rate and/or pause flag over HTTP (PATCH /models/{id});",
                    "the model keeps its state and the change applies from a later sample on. Needs the admin token."})
    static final class Patch implements Callable<Integer> {
        @Mixin
        ApiClient.Connection conn;

        @Option(names = "--id", required = true, description = "model id")
        String id;

        @Option(names = "--lr", description = "new learning rate")
        Float lr;

        @Option(names = "--paused", arity = "1", paramLabel = "true|false",
                description = "pause (predict without learning) or resume the model")
        Boolean paused;

        @Override
        public Integer call() throws Exception {
            if (lr == null && paused == null) {
                throw new IllegalArgumentException("nothing to change: give --lr and/or --paused true|false");
            }
            ObjectNode body = JSON.createObjectNode();
            if (lr != null) {
                body.put("learning_rate", lr);
            }
            if (paused != null) {
                body.put("paused", paused);
            }
            ApiClient.Response r = conn.client().send("PATCH", path(id, ""), JSON.writeValueAsBytes(body), TIMEOUT);
            System.out.println("model " + id + " changed: " + r.text());
            return 0;
        }
    }

    /** {@code models predict}. */
    @Command(name = "predict", mixinStandardHelpOptions = true,
            description = {"Asks the live model for predictions over HTTP (POST /models/{id}/predict) without learning;",
                    "prints the JSON answer: prediction (argmax), output and the model's samples_seen."})
    static final class Predict implements Callable<Integer> {
        @Mixin
        ApiClient.Connection conn;

        @Option(names = "--id", required = true, description = "model id")
        String id;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Input input;

        static final class Input {
            @Option(names = "--features", split = ",", paramLabel = "X1,X2,...", description = "one sample's features")
            float[] features;

            @Option(names = "--input", paramLabel = "FILE",
                    description = "a request body: {\"features\": [...]} or {\"samples\": [{\"features\": [...]}, ...]}, for an RNN {\"sequence\": [[...], ...]} ('-': stdin)")
            Path file;
        }

        @Override
        public Integer call() throws Exception {
            byte[] body;
            if (input.features != null) {
                ObjectNode o = JSON.createObjectNode();
                ArrayNode a = o.putArray("features");
                for (float f : input.features) {
                    a.add(f);
                }
                body = JSON.writeValueAsBytes(o);
            } else if (input.file.toString().equals("-")) {
                try (InputStream in = System.in) {
                    body = in.readAllBytes();
                }
            } else {
                body = Files.readAllBytes(input.file);
            }
            ApiClient.Response r = conn.client().send("POST", path(id, "/predict"), body, TIMEOUT);
            System.out.println(r.text());
            return 0;
        }
    }

    /** {@code models export}. */
    @Command(name = "export", mixinStandardHelpOptions = true,
            description = {"Downloads a live model's file (SPEC section 6, safetensors) over HTTP",
                    "(GET /models/{id}/export); any instance answers. Needs the admin token."})
    static final class Export implements Callable<Integer> {
        @Mixin
        ApiClient.Connection conn;

        @Option(names = "--id", required = true, description = "model id")
        String id;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "where to write the model file")
        Path out;

        @Override
        public Integer call() throws Exception {
            ApiClient.Response r = conn.client().send("GET", path(id, "/export"), null, Duration.ofSeconds(180));
            write(out, r.body());
            System.out.println("model " + id + " exported to " + out + " (" + r.body().length + " bytes)");
            return 0;
        }

        /** Writes through a temporary file in the same directory, so a failure leaves no half-written file. */
        private static void write(Path out, byte[] bytes) throws IOException {
            Path abs = out.toAbsolutePath();
            Path tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName(), ".part");
            try {
                Files.write(tmp, bytes);
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }
}
