package dev.tide.controlplane.system;

import static dev.tide.controlplane.system.DeployFiles.K8S;
import static dev.tide.controlplane.system.DeployFiles.ROOT;
import static dev.tide.controlplane.system.DeployFiles.list;
import static dev.tide.controlplane.system.DeployFiles.map;
import static dev.tide.controlplane.system.DeployFiles.maps;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.controlplane.system.DeployFiles.Dockerfile;
import dev.tide.controlplane.system.DeployFiles.Manifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml and the Kubernetes manifests (deploy/k8s/) checked against the control
 * plane's code, since no Docker engine or cluster runs them in the build: the ports it listens on,
 * the settings it reads, where its image keeps data, the probes it answers. The agent's side is
 * checked in the node-agent module ({@code PackagingTests}).
 */
class DeploymentFilesTests {
    private static final ConfigurationKeys KEYS = ConfigurationKeys.load();
    private static final Properties APP = ConfigurationKeys.applicationProperties();
    private static final int HTTP_PORT = Integer.parseInt(APP.getProperty("server.port"));
    private static final int GRPC_PORT = Integer.parseInt(APP.getProperty("spring.grpc.server.port"));
    private static final Dockerfile IMAGE = Dockerfile.read(ROOT.resolve("deploy/docker/control-plane.Dockerfile"));
    private static final String CONTROL_PLANE = "control-plane";

    @Test
    void theSettingsCheckKnowsRealSettingsAndRefusesOthers() {
        assertThat(KEYS.size()).as("settings found").isGreaterThan(500);
        assertThat(List.of(
                        "SPRING_DATASOURCE_URL",
                        "SPRING_DATASOURCE_PASSWORD",
                        "SERVER_PORT",
                        "SPRING_GRPC_SERVER_PORT",
                        "TIDE_DATA_DIR",
                        "TIDE_ADMIN_PASSWORD",
                        "TIDE_ARTIFACTS_STORE",
                        "TIDE_CLUSTER_REPLICA_ID",
                        "TIDE_DELIVERY_MAX_WAIT",
                        "TIDE_LOGIN_MAX_FAILURES_PER_ADDRESS",
                        "TIDE_DEPLOYMENTS_TICK",
                        "LOGGING_LEVEL_DEV_TIDE",
                        "SPRING_SSL_BUNDLE_PEM_WEB_KEYSTORE_CERTIFICATE"))
                .allSatisfy(name -> assertThat(KEYS.isSetting(name)).as(name).isTrue());
        assertThat(List.of("TIDE_DATA_DIRECTORY", "TIDE_DELIVERY_MAX_WAITS", "SPRING_DATASOURCE_PASSWD", "TIDE"))
                .allSatisfy(name -> assertThat(KEYS.isSetting(name)).as(name).isFalse());
    }

    // docker-compose.yml

    @Test
    void everyComposeServiceBuildsFromADockerfileThatExistsOrRunsAPinnedImage() {
        services().forEach((name, service) -> {
            Map<String, Object> build = map(service, "build");
            if (!build.isEmpty()) {
                Path context = ROOT.resolve((String) build.get("context"));
                assertThat(context.resolve((String) build.getOrDefault("dockerfile", "Dockerfile")))
                        .as("service %s: build.dockerfile", name)
                        .isRegularFile();
            } else {
                String image = (String) service.get("image");
                assertThat(image).as("service %s: image or build", name).isNotNull();
                assertThat(image)
                        .as("service %s: image pinned to a version, so a rebuild months later runs the same", name)
                        .matches(".+:[^:]+")
                        .doesNotEndWith(":latest");
            }
        });
    }

    @Test
    void composePublishesTheControlPlanesPortsAndNoHostPortTwice() {
        Map<String, String> hostPorts = new HashMap<>();
        services().forEach((name, service) -> {
            for (Object spec : list(service, "ports")) {
                String host = spec.toString().split(":")[0];
                assertThat(hostPorts.put(host, name))
                        .as("host port %s is published by service %s and another one", host, name)
                        .isNull();
            }
        });
        assertThat(list(services().get(CONTROL_PLANE), "ports"))
                .as("control-plane ports: server.port and spring.grpc.server.port of application.properties")
                .map(Object::toString)
                .containsExactlyInAnyOrder(HTTP_PORT + ":" + HTTP_PORT, GRPC_PORT + ":" + GRPC_PORT);
    }

    @Test
    void composeSetsOnlyRealControlPlaneSettings() {
        controlPlaneServices()
                .forEach((name, service) -> map(service, "environment")
                        .keySet()
                        .forEach(variable -> assertThat(KEYS.isSetting(variable))
                                .as("service %s sets %s, which the control plane does not read", name, variable)
                                .isTrue()));
    }

    @Test
    void composeKeepsTheControlPlanesDataDirectoryInAVolume() {
        controlPlaneServices().forEach((name, service) -> {
            String dataDir = (String) map(service, "environment").getOrDefault("TIDE_DATA_DIR", dataDir());
            assertThat(list(service, "volumes"))
                    .as("service %s: a volume at TIDE_DATA_DIR %s (artifacts, launch cache)", name, dataDir)
                    .anyMatch(volume -> volume.toString().split(":")[1].equals(dataDir));
        });
    }

    /**
     * The files Prometheus and Grafana are given (deploy/prometheus/, deploy/grafana/) exist and
     * point at the compose services: the scrape target, the dashboards folder, the data source.
     */
    @Test
    void filesComposeMountsFromTheRepositoryExist() throws IOException {
        List<String> missing = new ArrayList<>();
        services().forEach((name, service) -> {
            for (Object volume : list(service, "volumes")) {
                String host = volume.toString().split(":")[0];
                if (host.startsWith(".") && !Files.exists(ROOT.resolve(host).normalize())) {
                    missing.add("service " + name + " mounts " + host + ", which does not exist");
                }
            }
        });
        assertThat(missing).as("host paths mounted by docker-compose.yml").isEmpty();
        String scrape = Files.readString(ROOT.resolve("deploy/prometheus/prometheus.yml"));
        assertThat(scrape)
                .as("deploy/prometheus/prometheus.yml scrapes the control plane's metrics endpoint")
                .contains(CONTROL_PLANE + ":" + HTTP_PORT, "/actuator/prometheus");
        Map<String, String> grafana = new HashMap<>();
        list(services().get("grafana"), "volumes")
                .forEach(v ->
                        grafana.put(v.toString().split(":")[0], v.toString().split(":")[1]));
        for (Map<String, Object> doc : provisioning("dashboards")) {
            maps(doc, "providers")
                    .forEach(provider -> assertThat(map(provider, "options").get("path"))
                            .as(
                                    "Grafana provider %s reads where compose mounts deploy/grafana/dashboards",
                                    provider.get("name"))
                            .isEqualTo(grafana.get("./deploy/grafana/dashboards")));
        }
        for (Map<String, Object> doc : provisioning("datasources")) {
            for (Map<String, Object> source : maps(doc, "datasources")) {
                java.net.URI url = java.net.URI.create((String) source.get("url"));
                assertThat(list(services().get(url.getHost()), "ports"))
                        .as("Grafana data source %s: a compose service listening on %s", source.get("name"), url)
                        .anyMatch(port -> port.toString().endsWith(":" + url.getPort()));
            }
        }
    }

    private static List<Map<String, Object>> provisioning(String kind) throws IOException {
        List<Map<String, Object>> docs = new ArrayList<>();
        try (var files = Files.list(ROOT.resolve("deploy/grafana/provisioning").resolve(kind))) {
            files.filter(f -> f.toString().matches(".*\\.ya?ml")).forEach(f -> docs.addAll(DeployFiles.yaml(f)));
        }
        assertThat(docs).as("Grafana %s provisioning files", kind).isNotEmpty();
        return docs;
    }

    // deploy/k8s/

    @Test
    void kustomizationListsEveryManifestAndTheSecretsComeFromAnIgnoredFile() throws IOException {
        Map<String, Object> kustomization =
                DeployFiles.yaml(K8S.resolve("kustomization.yaml")).get(0);
        assertThat(DeployFiles.k8sManifests().stream().map(Manifest::file).distinct())
                .as("every manifest in deploy/k8s is in kustomization.yaml's resources")
                .containsExactlyInAnyOrderElementsOf(list(kustomization, "resources"));
        for (String envFile : secretEnvFiles(kustomization).values()) {
            assertThat(K8S.resolve(envFile + ".example"))
                    .as("an example of the git-ignored " + envFile)
                    .isRegularFile();
            assertThat(Files.readAllLines(ROOT.resolve(".gitignore")))
                    .as(".gitignore keeps the real passwords out of git")
                    .contains("deploy/k8s/" + envFile);
        }
        assertThat(maps(kustomization, "images"))
                .as("kustomization.yaml's images: entries name the image the StatefulSet runs")
                .allSatisfy(image ->
                        assertThat(image.get("name")).isEqualTo(container().get("image")));
    }

    @Test
    void k8sPortsServicesAndProbesMatchTheControlPlane() {
        Map<String, Object> container = container();
        Map<String, Integer> ports = new LinkedHashMap<>();
        maps(container, "ports").forEach(p -> ports.put((String) p.get("name"), (Integer) p.get("containerPort")));
        assertThat(ports)
                .as("container ports: server.port and spring.grpc.server.port of application.properties")
                .isEqualTo(Map.of("http", HTTP_PORT, "grpc", GRPC_PORT));
        for (Manifest service : manifests("Service")) {
            Map<String, Object> spec = map(service.doc(), "spec");
            assertThat(podLabels())
                    .as("%s selects the control plane's pods", service)
                    .containsAllEntriesOf(map(spec, "selector"));
            maps(spec, "ports")
                    .forEach(port -> assertThat(ports.get(port.get("targetPort").toString()))
                            .as("%s: targetPort %s is a container port, and port the same number", service, port)
                            .isEqualTo(port.get("port")));
        }
        assertThat(APP.getProperty("management.endpoint.health.probes.enabled"))
                .as("application.properties enables the liveness and readiness groups the probes use")
                .isEqualTo("true");
        assertThat(APP).doesNotContainKeys("management.server.port", "management.endpoints.web.base-path");
        assertThat(APP.getProperty("management.endpoint.health.group.liveness.include", "livenessState"))
                .as("liveness checks only the process: a database outage must not restart the pod")
                .isEqualTo("livenessState");
        Map<String, String> probes = Map.of(
                "startupProbe", "/actuator/health/liveness",
                "livenessProbe", "/actuator/health/liveness",
                "readinessProbe", "/actuator/health/readiness");
        probes.forEach((probe, path) -> {
            Map<String, Object> get = map(map(container, probe), "httpGet");
            assertThat(get.get("path")).as("%s path", probe).isEqualTo(path);
            assertThat(get.get("port")).as("%s port", probe).isIn("http", HTTP_PORT);
        });
    }

    @Test
    void k8sSetsOnlyRealSettingsFromConfigMapsAndSecretsThatExist() {
        Map<String, Object> container = container();
        assertThat(environment().keySet())
                .as("environment of the control-plane container")
                .allSatisfy(v -> assertThat(KEYS.isSetting(v))
                        .as("%s is set, but the control plane does not read it", v)
                        .isTrue());
        Map<String, String> secretFiles = secretEnvFiles(
                DeployFiles.yaml(K8S.resolve("kustomization.yaml")).get(0));
        for (Map<String, Object> env : maps(container, "env")) {
            Map<String, Object> ref = map(map(env, "valueFrom"), "secretKeyRef");
            if (!ref.isEmpty()) {
                String secret = (String) ref.get("name");
                assertThat(secretFiles)
                        .as("%s: secretKeyRef to a generated Secret", env.get("name"))
                        .containsKey(secret);
                assertThat(exampleKeys(secretFiles.get(secret)))
                        .as("%s: key of Secret %s (in %s.example)", env.get("name"), secret, secretFiles.get(secret))
                        .contains((String) ref.get("key"));
            }
        }
    }

    @Test
    void k8sRunsAsTheImagesUserOnAReadOnlyRootWithItsDataDirectoryOnItsOwnVolume() {
        Map<String, Object> pod = podSpec();
        Map<String, Object> podSecurity = map(pod, "securityContext");
        assertThat(podSecurity.get("runAsNonRoot")).as("pod runAsNonRoot").isEqualTo(true);
        assertThat(podSecurity.get("runAsUser") + ":" + podSecurity.get("runAsGroup"))
                .as("pod runs as the image's USER (numeric, so the kubelet can check runAsNonRoot)")
                .isEqualTo(IMAGE.user());
        Map<String, Object> container = container();
        Map<String, Object> security = map(container, "securityContext");
        assertThat(security)
                .containsEntry("readOnlyRootFilesystem", true)
                .containsEntry("allowPrivilegeEscalation", false);
        String dataDir = environment().getOrDefault("TIDE_DATA_DIR", dataDir());
        assertThat(dataDir).as("TIDE_DATA_DIR, as the image sets it").isEqualTo(dataDir());
        Map<String, String> mounts = new HashMap<>();
        maps(container, "volumeMounts").forEach(m -> mounts.put((String) m.get("mountPath"), (String) m.get("name")));
        assertThat(mounts).as("writable places on a read-only root").containsKeys(dataDir, "/tmp");
        assertThat(maps(pod, "volumes"))
                .as("the volume at TIDE_DATA_DIR is not one of the pod's own (an emptyDir, or one claim for all pods)")
                .noneMatch(v -> v.get("name").equals(mounts.get(dataDir)));
        Map<String, Object> claim = maps(map(workload().doc(), "spec"), "volumeClaimTemplates").stream()
                .filter(t -> mounts.get(dataDir).equals(map(t, "metadata").get("name")))
                .findFirst()
                .orElseThrow(() -> new AssertionError("TIDE_DATA_DIR " + dataDir + " mounts " + mounts.get(dataDir)
                        + ", which is no volumeClaimTemplate: each pod needs a persistent volume of its own"
                        + " for its launch cache and its copy of the artifacts"));
        assertThat(list(map(claim, "spec"), "accessModes")).contains("ReadWriteOnce");
    }

    /**
     * Several replicas, each with a stable name (its default {@code tide.cluster.replica-id}, so a
     * restarted pod takes its push leases back at once), the artifacts where every replica reads
     * them, and no voluntary disruption of all of them at once.
     */
    @Test
    void k8sRunsSeveralReplicasAsAStatefulSet() {
        Map<String, Object> spec = map(workload().doc(), "spec");
        int replicas = (Integer) spec.getOrDefault("replicas", 1);
        assertThat(replicas)
                .as("replicas: one pod stopping leaves another serving")
                .isGreaterThanOrEqualTo(2);
        assertThat(map(spec, "updateStrategy").getOrDefault("type", "RollingUpdate"))
                .as("updateStrategy: a rollout replaces one pod at a time while the others serve")
                .isEqualTo("RollingUpdate");
        String serviceName = (String) spec.get("serviceName");
        assertThat(manifests("Service"))
                .as("serviceName %s: a headless Service (clusterIP: None) giving each pod its DNS name", serviceName)
                .anyMatch(s -> s.name().equals(serviceName)
                        && "None".equals(map(s.doc(), "spec").get("clusterIP")));
        assertThat(podLabels())
                .as("the StatefulSet's selector matches its pods")
                .containsAllEntriesOf(map(map(spec, "selector"), "matchLabels"));
        assertThat(environment().get("TIDE_ARTIFACTS_STORE"))
                .as(
                        "TIDE_ARTIFACTS_STORE with %d replicas: database, or an artifact is served only by the pod"
                                + " that received it",
                        replicas)
                .isEqualTo("database");
        List<Manifest> budgets = manifests("PodDisruptionBudget").stream()
                .filter(b -> podLabels()
                        .entrySet()
                        .containsAll(map(map(map(b.doc(), "spec"), "selector"), "matchLabels")
                                .entrySet()))
                .toList();
        assertThat(budgets)
                .as("a PodDisruptionBudget selecting the control plane's pods")
                .hasSize(1);
        assertThat(map(budgets.get(0).doc(), "spec").get("maxUnavailable"))
                .as("%s: maxUnavailable lets a drain take a pod, but never all of them", budgets.get(0))
                .isInstanceOf(Integer.class)
                .satisfies(max -> assertThat((Integer) max).isBetween(1, replicas - 1));
    }

    private static Map<String, Map<String, Object>> services() {
        Map<String, Map<String, Object>> services = new LinkedHashMap<>();
        map(DeployFiles.compose(), "services")
                .forEach((name, service) -> services.put(name, DeployFiles.cast(service)));
        return services;
    }

    /** The compose services that run the control-plane image. */
    private static Map<String, Map<String, Object>> controlPlaneServices() {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        services().forEach((name, service) -> {
            if (String.valueOf(map(service, "build").get("dockerfile")).endsWith("control-plane.Dockerfile")) {
                out.put(name, service);
            }
        });
        assertThat(out)
                .as("compose services built from control-plane.Dockerfile")
                .containsKey(CONTROL_PLANE);
        return out;
    }

    private static String dataDir() {
        assertThat(IMAGE.env()).as(IMAGE.file() + " sets TIDE_DATA_DIR").containsKey("TIDE_DATA_DIR");
        return IMAGE.env().get("TIDE_DATA_DIR");
    }

    private static List<Manifest> manifests(String kind) {
        return DeployFiles.k8sManifests().stream()
                .filter(m -> kind.equals(m.kind()))
                .toList();
    }

    /** The control plane's StatefulSet, the only workload in deploy/k8s. */
    private static Manifest workload() {
        assertThat(manifests("Deployment")).as("Deployments in deploy/k8s").isEmpty();
        List<Manifest> statefulSets = manifests("StatefulSet");
        assertThat(statefulSets).as("StatefulSets in deploy/k8s").hasSize(1);
        return statefulSets.get(0);
    }

    private static Map<String, Object> podSpec() {
        return map(map(map(workload().doc(), "spec"), "template"), "spec");
    }

    private static Map<String, Object> podLabels() {
        return map(map(map(map(workload().doc(), "spec"), "template"), "metadata"), "labels");
    }

    private static Map<String, Object> container() {
        List<Map<String, Object>> containers = maps(podSpec(), "containers");
        assertThat(containers).as("containers of the control plane's pod").hasSize(1);
        return containers.get(0);
    }

    /**
     * The control-plane container's environment: the data of its envFrom ConfigMaps, then its own
     * env entries, which win as they do in Kubernetes. A value from a Secret is null here.
     */
    private static Map<String, String> environment() {
        Map<String, Object> container = container();
        Map<String, String> variables = new LinkedHashMap<>();
        for (Map<String, Object> from : maps(container, "envFrom")) {
            String name = (String) map(from, "configMapRef").get("name");
            Manifest configMap = manifests("ConfigMap").stream()
                    .filter(m -> m.name().equals(name))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("envFrom names ConfigMap " + name + ", which is not there"));
            map(configMap.doc(), "data").forEach((key, value) -> variables.put(key, String.valueOf(value)));
        }
        maps(container, "env").forEach(env -> variables.put((String) env.get("name"), (String) env.get("value")));
        return variables;
    }

    /** secretGenerator name → its env file. */
    private static Map<String, String> secretEnvFiles(Map<String, Object> kustomization) {
        Map<String, String> files = new LinkedHashMap<>();
        for (Map<String, Object> generator : maps(kustomization, "secretGenerator")) {
            List<String> envs = list(generator, "envs");
            assertThat(envs)
                    .as("secretGenerator %s reads one env file", generator.get("name"))
                    .hasSize(1);
            files.put((String) generator.get("name"), envs.get(0));
        }
        return files;
    }

    private static List<String> exampleKeys(String envFile) {
        try {
            return Files.readAllLines(K8S.resolve(envFile + ".example")).stream()
                    .filter(line -> line.contains("=") && !line.startsWith("#"))
                    .map(line -> line.substring(0, line.indexOf('=')).trim())
                    .toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
