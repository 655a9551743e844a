package dev.tide.controlplane.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reading the repository's deployment files as a tool would: docker-compose.yml, the Kubernetes
 * manifests under deploy/k8s/ (every YAML document) and the Dockerfiles. Lookups fail with the
 * file and the path of the missing entry, so a broken file names itself.
 */
final class DeployFiles {
    /** The repository root; surefire runs in the module directory. */
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    static final Path K8S = ROOT.resolve("deploy/k8s");

    private DeployFiles() {}

    static Map<String, Object> compose() {
        return yaml(ROOT.resolve("docker-compose.yml")).get(0);
    }

    /** Every document of every manifest under deploy/k8s/ but kustomization.yaml, with its file. */
    static List<Manifest> k8sManifests() {
        List<Manifest> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(K8S)) {
            for (Path file :
                    files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                if (!file.getFileName().toString().equals("kustomization.yaml")) {
                    yaml(file)
                            .forEach(doc ->
                                    out.add(new Manifest(file.getFileName().toString(), doc)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** A Kubernetes object and the file it is in. */
    record Manifest(String file, Map<String, Object> doc) {
        String kind() {
            return (String) doc.get("kind");
        }

        String name() {
            return (String) map(doc, "metadata").get("name");
        }

        @Override
        public String toString() {
            return file + ": " + kind() + " " + name();
        }
    }

    static List<Map<String, Object>> yaml(Path file) {
        assertThat(file).as("deployment file").exists();
        List<Map<String, Object>> docs = new ArrayList<>();
        try (Reader in = Files.newBufferedReader(file)) {
            for (Object doc : new Yaml().loadAll(in)) {
                if (doc != null) {
                    docs.add(cast(doc));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return docs;
    }

    /** {@code parent.key} as a map; an absent key is an empty map. */
    static Map<String, Object> map(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        return value == null ? Map.of() : cast(value);
    }

    /** {@code parent.key} as a list of maps; an absent key is an empty list. */
    static List<Map<String, Object>> maps(Map<String, Object> parent, String key) {
        return DeployFiles.<Object>list(parent, key).stream()
                .map(DeployFiles::<Map<String, Object>>cast)
                .toList();
    }

    /** {@code parent.key} as a list; an absent key is an empty list. */
    static <T> List<T> list(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        return value == null ? List.of() : cast(value);
    }

    @SuppressWarnings("unchecked")
    static <T> T cast(Object value) {
        return (T) value;
    }

    /** The instructions of a Dockerfile that the deployment files depend on. */
    record Dockerfile(Path file, Map<String, String> env, String user, List<String> entrypoint) {
        static Dockerfile read(Path file) {
            assertThat(file).as("Dockerfile").exists();
            Map<String, String> env = new LinkedHashMap<>();
            String user = null;
            List<String> entrypoint = List.of();
            try {
                String text = Files.readString(file).replace("\\\n", " ");
                for (String line : text.lines().map(String::trim).toList()) {
                    String[] words = line.split("\\s+", 2);
                    switch (words[0]) {
                        case "ENV" -> {
                            for (String pair : words[1].split("\\s+")) {
                                env.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
                            }
                        }
                        case "USER" -> user = words[1];
                        case "ENTRYPOINT" ->
                            entrypoint = List.of(JsonMapper.builder().build().readValue(words[1], String[].class));
                        default -> {}
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new Dockerfile(file, env, Objects.requireNonNullElse(user, "root"), entrypoint);
        }
    }
}
