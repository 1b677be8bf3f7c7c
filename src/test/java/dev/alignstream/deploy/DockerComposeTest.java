package dev.alignstream.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml read as YAML and checked against the files it points to: every service can
 * be started (image or build), host ports do not clash, Prometheus scrapes the service where it
 * serves /metrics, Grafana's provisioning points at the Prometheus service and at the mounted
 * dashboards, clients reach Kafka on an advertised listener, and build targets exist in the
 * Dockerfile. No Docker engine is needed.
 */
class DockerComposeTest {

    private static final Path COMPOSE_FILE = RepositoryFiles.existing("docker-compose.yml");
    private static final JsonNode COMPOSE = RepositoryFiles.yaml(COMPOSE_FILE);
    /** The service's default HTTP port (serve --http-port). */
    private static final int SERVE_DEFAULT_HTTP_PORT = 8080;

    @Test
    void composeFileDefinesTheWholeDemo() {
        for (String name : List.of("kafka", "alignstream", "demo", "prometheus", "grafana")) {
            assertTrue(services().containsKey(name), () -> "service " + name + " missing; services: " + services().keySet());
        }
        assertTrue(service("kafka").path("image").asText().startsWith("apache/kafka:"), "Kafka must be the official apache/kafka image");
        assertEquals("broker,controller", environment(service("kafka")).get("KAFKA_PROCESS_ROLES"), "Kafka must run in KRaft mode");
        assertEquals("no", service("demo").path("restart").asText("no"), "the demo job runs once");
    }

    @Test
    void everyServiceHasAnImageOrABuild() {
        services().forEach((name, service) -> assertTrue(service.hasNonNull("image") || service.hasNonNull("build"),
                () -> "service " + name + " has neither image nor build"));
    }

    @Test
    void hostPortsDoNotClash() {
        Map<String, String> owners = new HashMap<>();
        services().forEach((name, service) -> {
            for (JsonNode port : service.path("ports")) {
                PortMapping mapping = PortMapping.parse(port);
                if (mapping.hostPort() == null) {
                    continue;
                }
                String key = mapping.hostIp() + ":" + mapping.hostPort() + "/" + mapping.protocol();
                String previous = owners.put(key, name);
                assertTrue(previous == null, () -> "host port " + key + " is published by both " + previous + " and " + name);
            }
        });
        assertFalse(owners.isEmpty(), "no published ports at all");
    }

    @Test
    void dependenciesNameExistingServices() {
        services().forEach((name, service) -> {
            JsonNode deps = service.path("depends_on");
            List<String> names = new ArrayList<>();
            if (deps.isArray()) {
                deps.forEach(d -> names.add(d.asText()));
            } else {
                deps.fieldNames().forEachRemaining(names::add);
            }
            for (String dep : names) {
                assertTrue(services().containsKey(dep), () -> name + " depends on unknown service " + dep);
            }
        });
        assertEquals("service_healthy", service("demo").path("depends_on").path("alignstream").path("condition").asText(),
                "the demo job must wait until the service is healthy");
    }

    @Test
    void prometheusScrapesTheServiceOnItsMetricsPort() {
        JsonNode prometheus = service("prometheus");
        String configInContainer = commandOption(prometheus, "--config.file").orElse("/etc/prometheus/prometheus.yml");
        Path configOnHost = hostSourceOf(prometheus, configInContainer);
        assertEquals(RepositoryFiles.existing(PrometheusConfigTest.CONFIG).normalize(), configOnHost.normalize(),
                "Prometheus must read deploy/prometheus.yml");

        JsonNode job = PrometheusConfigTest.alignstreamJob(RepositoryFiles.yaml(configOnHost));
        List<String> targets = PrometheusConfigTest.targets(job);
        assertFalse(targets.isEmpty(), "the alignstream job has no targets");
        for (String target : targets) {
            String[] hostPort = target.split(":");
            assertTrue(services().containsKey(hostPort[0]), () -> "scrape target " + target + " names no compose service");
            int httpPort = commandOption(service(hostPort[0]), "--http-port").map(Integer::parseInt).orElse(SERVE_DEFAULT_HTTP_PORT);
            assertEquals(httpPort, Integer.parseInt(hostPort[1]), () -> "scrape target " + target + " is not the service's --http-port");
        }
        assertEquals("/metrics", job.path("metrics_path").asText("/metrics"));
    }

    @Test
    void grafanaProvisioningPathsExistAndPointAtThisStack() {
        JsonNode grafana = service("grafana");
        Path provisioning = hostSourceOf(grafana, "/etc/grafana/provisioning");
        assertTrue(Files.isDirectory(provisioning.resolve("datasources")), "no datasources/ under " + provisioning);
        assertTrue(Files.isDirectory(provisioning.resolve("dashboards")), "no dashboards/ under " + provisioning);

        JsonNode datasources = RepositoryFiles.yaml(RepositoryFiles.existing("grafana/provisioning/datasources/prometheus.yml"));
        String url = datasources.path("datasources").get(0).path("url").asText();
        Matcher m = Pattern.compile("http://([^:/]+):(\\d+)/?").matcher(url);
        assertTrue(m.matches(), () -> "datasource url " + url + " is not http://SERVICE:PORT");
        assertTrue(services().containsKey(m.group(1)), () -> "datasource url " + url + " names no compose service");
        int prometheusPort = service(m.group(1)).path("ports").size() > 0
                ? PortMapping.parse(service(m.group(1)).path("ports").get(0)).containerPort() : 9090;
        assertEquals(prometheusPort, Integer.parseInt(m.group(2)), "datasource port is not the Prometheus container port");

        JsonNode providers = RepositoryFiles.yaml(RepositoryFiles.existing("grafana/provisioning/dashboards/alignstream.yml"));
        String dashboardsInContainer = providers.path("providers").get(0).path("options").path("path").asText();
        Path dashboardsOnHost = hostSourceOf(grafana, dashboardsInContainer);
        assertEquals(RepositoryFiles.root().resolve("grafana/dashboards").normalize(), dashboardsOnHost.normalize());
        assertTrue(Files.isDirectory(dashboardsOnHost), () -> dashboardsOnHost + " is not a directory");
    }

    @Test
    void grafanaHomeDashboardIsTheMountedLearningDashboard() {
        JsonNode grafana = service("grafana");
        String home = environment(grafana).get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH");
        assertTrue(home != null, "Grafana has no home dashboard: the URL to open would not show the learning dashboard");
        Path onHost = hostSourceOf(grafana, home);
        assumeTrue(Files.exists(onHost), onHost + " does not exist yet (the dashboard JSON is written separately)");
        assertTrue(Files.isRegularFile(onHost));
    }

    @Test
    void everyBindMountSourceExists() {
        services().forEach((name, service) -> {
            for (JsonNode volume : service.path("volumes")) {
                String source = volume.isTextual() ? volume.asText().split(":")[0] : volume.path("source").asText();
                if (source.startsWith(".") || source.startsWith("/")) {
                    Path onHost = COMPOSE_FILE.getParent().resolve(source).normalize();
                    assertTrue(Files.exists(onHost), () -> name + " mounts " + source + ", which does not exist");
                }
            }
        });
    }

    @Test
    void clientsUseAnAdvertisedKafkaListener() {
        String advertised = environment(service("kafka")).get("KAFKA_ADVERTISED_LISTENERS");
        List<String> listeners = new ArrayList<>();
        for (String listener : advertised.split(",")) {
            listeners.add(listener.substring(listener.indexOf("://") + 3));
        }
        for (String client : List.of("alignstream", "demo")) {
            String bootstrap = environment(service(client)).get("ALIGNSTREAM_BOOTSTRAP_SERVERS");
            assertTrue(listeners.contains(bootstrap),
                    () -> client + " uses " + bootstrap + ", which is not one of Kafka's advertised listeners " + listeners);
            assertTrue(services().containsKey(bootstrap.split(":")[0]), () -> client + "'s bootstrap host is not a compose service");
        }
    }

    @Test
    void buildTargetsAreStagesOfTheDockerfile() {
        services().forEach((name, service) -> {
            JsonNode build = service.path("build");
            if (build.isMissingNode()) {
                return;
            }
            Path context = COMPOSE_FILE.getParent().resolve(build.path("context").asText(".")).normalize();
            Path dockerfile = context.resolve(build.path("dockerfile").asText("Dockerfile"));
            assertTrue(Files.isRegularFile(dockerfile), () -> name + " builds from missing " + dockerfile);
            String target = build.path("target").asText(null);
            if (target != null) {
                assertTrue(DockerfileTest.stageNames(RepositoryFiles.read(dockerfile)).contains(target),
                        () -> name + " builds target " + target + ", which is no stage of " + dockerfile);
            }
        });
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static Map<String, JsonNode> services() {
        Map<String, JsonNode> services = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : COMPOSE.path("services").properties()) {
            services.put(e.getKey(), e.getValue());
        }
        return services;
    }

    private static JsonNode service(String name) {
        JsonNode service = COMPOSE.path("services").path(name);
        assertFalse(service.isMissingNode(), () -> "no service " + name + " in docker-compose.yml");
        return service;
    }

    /** The environment of a service, from either the map or the KEY=VALUE list form. */
    private static Map<String, String> environment(JsonNode service) {
        Map<String, String> env = new HashMap<>();
        JsonNode node = service.path("environment");
        if (node.isArray()) {
            for (JsonNode entry : node) {
                String[] kv = entry.asText().split("=", 2);
                env.put(kv[0], kv.length > 1 ? kv[1] : "");
            }
        } else {
            node.properties().forEach(e -> env.put(e.getKey(), e.getValue().asText()));
        }
        return env;
    }

    /** The value of an option in a service's command, in either "--opt value" or "--opt=value" form. */
    private static java.util.Optional<String> commandOption(JsonNode service, String option) {
        List<String> words = service.path("command").isArray()
                ? StreamSupport.stream(service.path("command").spliterator(), false).map(JsonNode::asText).toList()
                : List.of(service.path("command").asText("").split("\\s+"));
        for (int i = 0; i < words.size(); i++) {
            if (words.get(i).equals(option) && i + 1 < words.size()) {
                return java.util.Optional.of(words.get(i + 1));
            }
            if (words.get(i).startsWith(option + "=")) {
                return java.util.Optional.of(words.get(i).substring(option.length() + 1));
            }
        }
        return java.util.Optional.empty();
    }

    /** The host path that a bind mount of the service puts at (or above) the container path. */
    private static Path hostSourceOf(JsonNode service, String containerPath) {
        for (JsonNode volume : service.path("volumes")) {
            String[] parts = volume.isTextual() ? volume.asText().split(":") : new String[] {
                    volume.path("source").asText(), volume.path("target").asText()};
            String source = parts[0];
            String target = parts[1];
            if (containerPath.equals(target) || containerPath.startsWith(target + "/")) {
                return COMPOSE_FILE.getParent().resolve(source).resolve(containerPath.substring(target.length()).replaceFirst("^/", ""));
            }
        }
        throw new AssertionError("no bind mount provides " + containerPath);
    }

    /** One entry of a service's ports, short ("[IP:][HOST:]CONTAINER[/PROTO]") or long form. */
    record PortMapping(String hostIp, Integer hostPort, int containerPort, String protocol) {

        static PortMapping parse(JsonNode port) {
            if (port.isObject()) {
                return new PortMapping(port.path("host_ip").asText("0.0.0.0"),
                        port.hasNonNull("published") ? port.path("published").asInt() : null,
                        port.path("target").asInt(), port.path("protocol").asText("tcp"));
            }
            String text = port.asText();
            String protocol = "tcp";
            int slash = text.indexOf('/');
            if (slash >= 0) {
                protocol = text.substring(slash + 1);
                text = text.substring(0, slash);
            }
            String[] parts = text.split(":");
            return switch (parts.length) {
                case 1 -> new PortMapping("0.0.0.0", null, Integer.parseInt(parts[0]), protocol);
                case 2 -> new PortMapping("0.0.0.0", Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), protocol);
                case 3 -> new PortMapping(parts[0], Integer.parseInt(parts[1]), Integer.parseInt(parts[2]), protocol);
                default -> throw new AssertionError("cannot read port mapping " + port);
            };
        }
    }
}
