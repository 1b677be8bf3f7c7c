package dev.alignstream.deploy;

import static dev.alignstream.deploy.RenderedChart.withBootstrap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lints helm/alignstream and checks what it renders: the StatefulSet's replicas, instance ids,
 * probes, state volume and Kafka settings; the token Secret; the optional ServiceMonitor and
 * dashboard ConfigMap. Everything runs through the Helm library in-process (helm-java); no
 * cluster is involved.
 */
class HelmChartTest {

    @Test
    void chartPassesStrictLint() {
        LintResult result = new Helm(RenderedChart.CHART).lint().strict().call();
        assertFalse(result.isFailed(), () -> "helm lint --strict failed: " + result.getMessages());
        assertTrue(result.getMessages().stream().noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]")),
                () -> "helm lint reported: " + result.getMessages());
    }

    @Test
    void replicaCountSetsTheStatefulSetReplicas() {
        assertEquals(5, RenderedChart.render(withBootstrap("replicaCount", 5)).statefulSet().path("spec").path("replicas").asInt());
        assertEquals(1, RenderedChart.render(withBootstrap("replicaCount", 1)).statefulSet().path("spec").path("replicas").asInt());
    }

    @Test
    void bootstrapServersReachTheServiceThroughTheConfigMap() {
        String servers = "kafka-0.kafka.data:9092,kafka-1.kafka.data:9092";
        RenderedChart chart = RenderedChart.render(withBootstrap("kafka.bootstrapServers", servers));
        JsonNode configMap = chart.named("ConfigMap", chart.statefulSet().path("metadata").path("name").asText())
                .orElseThrow(() -> new AssertionError("no settings ConfigMap named like the StatefulSet: " + chart.kinds()));
        assertEquals(servers, configMap.path("data").path("bootstrap-servers").asText());

        JsonNode ref = chart.env("ALIGNSTREAM_BOOTSTRAP_SERVERS").orElseThrow().path("valueFrom").path("configMapKeyRef");
        assertEquals(configMap.path("metadata").path("name").asText(), ref.path("name").asText());
        assertEquals("bootstrap-servers", ref.path("key").asText());
        assertEquals("$(ALIGNSTREAM_BOOTSTRAP_SERVERS)", chart.arg("--bootstrap-servers"));
    }

    @Test
    void renderingWithoutBootstrapServersFailsNamingTheValue() {
        Exception e = assertThrows(Exception.class, () -> RenderedChart.render(Map.of("replicaCount", 2)));
        assertTrue(e.getMessage().contains("kafka.bootstrapServers"), e::getMessage);
    }

    @Test
    void eachPodIsAStableInstanceBehindAHeadlessService() {
        RenderedChart chart = RenderedChart.render(withBootstrap());
        assertEquals("$(POD_NAME)", chart.arg("--instance-id"));
        assertEquals("metadata.name",
                chart.env("POD_NAME").orElseThrow().path("valueFrom").path("fieldRef").path("fieldPath").asText());

        String serviceName = chart.statefulSet().path("spec").path("serviceName").asText();
        JsonNode headless = chart.named("Service", serviceName)
                .orElseThrow(() -> new AssertionError("StatefulSet serviceName " + serviceName + " not rendered: " + chart.kinds()));
        assertEquals("None", headless.path("spec").path("clusterIP").asText());
        assertTrue(headless.path("spec").path("publishNotReadyAddresses").asBoolean(),
                "peers must find each other before they are ready");

        JsonNode podLabels = chart.statefulSet().path("spec").path("template").path("metadata").path("labels");
        for (JsonNode service : chart.ofKind("Service")) {
            assertSelects(service.path("spec").path("selector"), podLabels, "Service " + service.path("metadata").path("name"));
        }
        assertEquals(2, chart.ofKind("Service").size(), () -> "expected the API Service and the headless one: " + chart.kinds());
    }

    @Test
    void eachPodAdvertisesItsHeadlessDnsNameToItsPeers() {
        RenderedChart chart = RenderedChart.render(withBootstrap("httpPort", 9000, "clusterDomain", "corp.local"));
        String headless = chart.statefulSet().path("spec").path("serviceName").asText();
        assertEquals("$(POD_NAME)." + headless + ".$(POD_NAMESPACE).svc.corp.local:9000", chart.arg("--advertised-address"));
        assertEquals("metadata.namespace",
                chart.env("POD_NAMESPACE").orElseThrow().path("valueFrom").path("fieldRef").path("fieldPath").asText());
        // Kubernetes expands $(VAR) in args only for variables the container defines
        List<String> names = new java.util.ArrayList<>();
        chart.container().path("env").forEach(e -> names.add(e.path("name").asText()));
        assertTrue(names.contains("POD_NAME") && names.contains("POD_NAMESPACE"), names::toString);
    }

    @Test
    void probesCheckHealthOnTheHttpPort() {
        RenderedChart chart = RenderedChart.render(withBootstrap("httpPort", 9000));
        JsonNode container = chart.container();
        JsonNode port = container.path("ports").get(0);
        assertEquals("http", port.path("name").asText());
        assertEquals(9000, port.path("containerPort").asInt());
        assertEquals("9000", chart.arg("--http-port"));
        // liveness restarts a pod whose stream threads are dead or dying in a loop; readiness keeps
        // API traffic away while it rebalances or restores; restoring is live, so startup uses live
        Map<String, String> paths = Map.of("livenessProbe", "/health/live", "startupProbe", "/health/live",
                "readinessProbe", "/health/ready");
        paths.forEach((probe, path) -> {
            JsonNode get = container.path(probe).path("httpGet");
            assertEquals(path, get.path("path").asText(), probe);
            assertEquals("http", get.path("port").asText(), probe);
        });
    }

    @Test
    void stateDirectoryLivesOnAPersistentVolumePerPod() {
        RenderedChart chart = RenderedChart.render(withBootstrap("persistence.size", "7Gi"));
        JsonNode claims = chart.statefulSet().path("spec").path("volumeClaimTemplates");
        assertEquals(1, claims.size());
        JsonNode claim = claims.get(0);
        assertEquals("7Gi", claim.path("spec").path("resources").path("requests").path("storage").asText());

        JsonNode mount = chart.mountHolding(chart.arg("--state-dir"))
                .orElseThrow(() -> new AssertionError("--state-dir " + chart.arg("--state-dir") + " is on no volume"));
        assertEquals(claim.path("metadata").path("name").asText(), mount.path("name").asText());
        assertTrue(chart.volume(mount.path("name").asText()).isEmpty(), "a claim template, not a pod volume, must back the state");
    }

    @Test
    void withoutPersistenceTheStateDirectoryIsAnEmptyDir() {
        RenderedChart chart = RenderedChart.render(withBootstrap("persistence.enabled", false));
        assertTrue(chart.statefulSet().path("spec").path("volumeClaimTemplates").isMissingNode());
        JsonNode mount = chart.mountHolding(chart.arg("--state-dir")).orElseThrow();
        JsonNode volume = chart.volume(mount.path("name").asText()).orElseThrow();
        assertTrue(volume.has("emptyDir"), volume::toString);
    }

    @Test
    void adminTokenValueIsStoredInASecretTheContainerReads() {
        RenderedChart chart = RenderedChart.render(withBootstrap("adminToken.value", "s3cret-token"));
        JsonNode secret = chart.only("Secret");
        String encoded = secret.path("data").path("token").asText();
        assertEquals("s3cret-token", new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8));

        JsonNode ref = chart.env("ALIGNSTREAM_ADMIN_TOKEN").orElseThrow().path("valueFrom").path("secretKeyRef");
        assertEquals(secret.path("metadata").path("name").asText(), ref.path("name").asText());
        assertEquals("token", ref.path("key").asText());
    }

    @Test
    void existingTokenSecretIsReferencedNotCreated() {
        RenderedChart chart = RenderedChart.render(withBootstrap(
                "adminToken.existingSecret", "ops-alignstream-token", "adminToken.key", "bearer"));
        assertTrue(chart.ofKind("Secret").isEmpty(), () -> "no Secret expected: " + chart.kinds());
        JsonNode ref = chart.env("ALIGNSTREAM_ADMIN_TOKEN").orElseThrow().path("valueFrom").path("secretKeyRef");
        assertEquals("ops-alignstream-token", ref.path("name").asText());
        assertEquals("bearer", ref.path("key").asText());
    }

    @Test
    void withoutATokenNoSecretAndNoTokenVariable() {
        RenderedChart chart = RenderedChart.render(withBootstrap());
        assertTrue(chart.ofKind("Secret").isEmpty(), () -> "no Secret expected: " + chart.kinds());
        assertTrue(chart.env("ALIGNSTREAM_ADMIN_TOKEN").isEmpty());
    }

    @Test
    void serviceMonitorOnlyWhenEnabledAndScrapingTheApiService() {
        assertTrue(RenderedChart.render(withBootstrap()).ofKind("ServiceMonitor").isEmpty());

        RenderedChart chart = RenderedChart.render(withBootstrap(
                "serviceMonitor.enabled", true, "serviceMonitor.labels.release", "kube-prometheus-stack"));
        JsonNode monitor = chart.only("ServiceMonitor");
        assertEquals("kube-prometheus-stack", monitor.path("metadata").path("labels").path("release").asText());
        JsonNode endpoint = monitor.path("spec").path("endpoints").get(0);
        assertEquals("/metrics", endpoint.path("path").asText());

        JsonNode selector = monitor.path("spec").path("selector").path("matchLabels");
        List<JsonNode> selected = chart.ofKind("Service").stream()
                .filter(s -> selects(selector, s.path("metadata").path("labels")))
                .toList();
        assertEquals(1, selected.size(), "the ServiceMonitor must select exactly one Service (else pods are scraped twice)");
        JsonNode api = selected.get(0);
        assertFalse("None".equals(api.path("spec").path("clusterIP").asText()), "the headless Service was selected");
        assertEquals(endpoint.path("port").asText(), api.path("spec").path("ports").get(0).path("name").asText());
    }

    @Test
    void dashboardConfigMapOnlyWhenEnabledWithTheSidecarLabel() throws IOException {
        assertTrue(RenderedChart.render(withBootstrap()).named("ConfigMap", "demo-alignstream-dashboards").isEmpty());

        RenderedChart chart = RenderedChart.render(withBootstrap("grafanaDashboard.enabled", true));
        JsonNode dashboards = chart.ofKind("ConfigMap").stream()
                .filter(c -> c.path("metadata").path("labels").has("grafana_dashboard"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no ConfigMap with the grafana_dashboard label: " + chart.kinds()));
        assertEquals("1", dashboards.path("metadata").path("labels").path("grafana_dashboard").asText());
        Path copy = RenderedChart.CHART.resolve("dashboards/alignstream-learning.json");
        assertEquals(Files.readString(copy), dashboards.path("data").path("alignstream-learning.json").asText());
    }

    @Test
    void kafkaClientSettingsAndSecretsArePassedThrough(@TempDir Path tmp) throws IOException {
        Path values = tmp.resolve("sasl-values.yaml");
        Files.writeString(values, String.join("\n",
                "kafka:",
                "  bootstrapServers: broker.example.internal:9094",
                "  config:",
                "    security.protocol: SASL_SSL",
                "    sasl.mechanism: SCRAM-SHA-512",
                "    ssl.truststore.type: PKCS12",
                "    ssl.truststore.location: /etc/alignstream/kafka-tls/truststore.p12",
                "  existingSecret: kafka-client-credentials",
                "  tlsSecret: kafka-client-tls",
                "standbyReplicas: 2",
                ""));
        RenderedChart chart = RenderedChart.render(Map.of(), values);

        Properties props = new Properties();
        JsonNode configMap = chart.named("ConfigMap", chart.statefulSet().path("metadata").path("name").asText()).orElseThrow();
        props.load(new StringReader(configMap.path("data").path("kafka.properties").asText()));
        assertEquals("SASL_SSL", props.getProperty("security.protocol"));
        assertEquals("SCRAM-SHA-512", props.getProperty("sasl.mechanism"));
        assertEquals("/etc/alignstream/kafka-tls/truststore.p12", props.getProperty("ssl.truststore.location"));
        assertEquals("2", props.getProperty("num.standby.replicas"));

        // the secret properties are merged in by the init container into the file the service reads
        String kafkaConfig = chart.arg("--kafka-config");
        JsonNode init = chart.podSpec().path("initContainers").get(0);
        assertTrue(init.path("command").toString().contains(kafkaConfig),
                () -> "init container does not write " + kafkaConfig + ": " + init.path("command"));
        JsonNode secretVolume = chart.volume("kafka-secret").orElseThrow();
        assertEquals("kafka-client-credentials", secretVolume.path("secret").path("secretName").asText());
        JsonNode configMount = chart.mountHolding(kafkaConfig).orElseThrow();
        assertTrue(chart.volume(configMount.path("name").asText()).orElseThrow().has("emptyDir"));

        // the TLS files sit where the properties say
        JsonNode tlsMount = chart.mountHolding(props.getProperty("ssl.truststore.location"))
                .orElseThrow(() -> new AssertionError("the truststore path is on no volume"));
        assertEquals("kafka-client-tls",
                chart.volume(tlsMount.path("name").asText()).orElseThrow().path("secret").path("secretName").asText());
    }

    @Test
    void withoutKafkaSecretTheServiceReadsTheConfigMapFile() {
        RenderedChart chart = RenderedChart.render(withBootstrap());
        assertTrue(chart.podSpec().path("initContainers").isMissingNode());
        JsonNode mount = chart.mountHolding(chart.arg("--kafka-config")).orElseThrow();
        JsonNode volume = chart.volume(mount.path("name").asText()).orElseThrow();
        assertEquals(chart.statefulSet().path("metadata").path("name").asText(), volume.path("configMap").path("name").asText());
    }

    @Test
    void disruptionBudgetCoversThePods() {
        RenderedChart chart = RenderedChart.render(withBootstrap());
        JsonNode pdb = chart.only("PodDisruptionBudget");
        assertEquals(1, pdb.path("spec").path("maxUnavailable").asInt());
        assertSelects(pdb.path("spec").path("selector").path("matchLabels"),
                chart.statefulSet().path("spec").path("template").path("metadata").path("labels"), "PodDisruptionBudget");
        assertTrue(RenderedChart.render(withBootstrap("podDisruptionBudget.enabled", false)).ofKind("PodDisruptionBudget").isEmpty());
    }

    @Test
    void containerRunsAsNonRootWithMemoryLimitSizingTheHeap() {
        RenderedChart chart = RenderedChart.render(withBootstrap("resources.limits.memory", "3Gi", "jvm.heapPercentage", 55));
        assertTrue(chart.podSpec().path("securityContext").path("runAsNonRoot").asBoolean());
        assertEquals("3Gi", chart.container().path("resources").path("limits").path("memory").asText());
        assertEquals("55", chart.env("ALIGNSTREAM_HEAP_PERCENTAGE").orElseThrow().path("value").asText());
    }

    private static boolean selects(JsonNode selector, JsonNode labels) {
        if (selector.isEmpty()) {
            return false;
        }
        for (Map.Entry<String, JsonNode> e : selector.properties()) {
            if (!e.getValue().asText().equals(labels.path(e.getKey()).asText(null))) {
                return false;
            }
        }
        return true;
    }

    private static void assertSelects(JsonNode selector, JsonNode labels, String what) {
        assertTrue(selects(selector, labels), () -> what + " selector " + selector + " does not match pod labels " + labels);
    }
}
