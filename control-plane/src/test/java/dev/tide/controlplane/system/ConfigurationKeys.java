package dev.tide.controlplane.system;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.net.URL;
import java.util.Collections;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertyState;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.util.ClassUtils;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every setting the control plane reads, collected from the code rather than from a list kept by
 * hand: the Spring Boot metadata of the jars on the classpath (spring.datasource.*, server.*,
 * spring.grpc.*, logging.*), application.properties, Tide's {@code @ConfigurationProperties}
 * records, and {@code ${...}} placeholders in annotations (such as {@code @Scheduled}). An
 * environment variable is a setting when Spring's own relaxed binding maps it to one of them.
 */
final class ConfigurationKeys {
    private static final String BASE_PACKAGE = "dev.tide.controlplane";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([a-zA-Z0-9._-]+)[:}]");

    private final Set<ConfigurationPropertyName> keys = new TreeSet<>();
    /** Map-typed settings (logging.level, spring.ssl.bundle.pem): any name below them binds. */
    private final Set<ConfigurationPropertyName> maps = new TreeSet<>();

    private ConfigurationKeys() {}

    static ConfigurationKeys load() {
        ConfigurationKeys k = new ConfigurationKeys();
        k.readSpringMetadata();
        applicationProperties().stringPropertyNames().forEach(k::add);
        k.readRecordsAndPlaceholders();
        return k;
    }

    static Properties applicationProperties() {
        Properties properties = new Properties();
        try (InputStream in = ConfigurationKeys.class.getResourceAsStream("/application.properties")) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties;
    }

    /** Whether Spring would bind the environment variable {@code name} to a setting. */
    boolean isSetting(String environmentVariable) {
        // The mapper for environment variables applies only to a source of this name.
        ConfigurationPropertySource source = ConfigurationPropertySource.from(new SystemEnvironmentPropertySource(
                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, Map.of(environmentVariable, "x")));
        return keys.stream().anyMatch(key -> source.getConfigurationProperty(key) != null)
                || maps.stream()
                        .anyMatch(map -> source.containsDescendantOf(map) == ConfigurationPropertyState.PRESENT);
    }

    boolean contains(String key) {
        return keys.contains(ConfigurationPropertyName.adapt(key, '.'));
    }

    int size() {
        return keys.size() + maps.size();
    }

    private void add(String key) {
        ConfigurationPropertyName name = ConfigurationPropertyName.ofIfValid(key);
        keys.add(name != null ? name : ConfigurationPropertyName.adapt(key, '.'));
    }

    private void readSpringMetadata() {
        JsonMapper json = JsonMapper.builder().build();
        for (String file :
                new String[] {"spring-configuration-metadata.json", "additional-spring-configuration-metadata.json"}) {
            for (URL url : resources("META-INF/" + file)) {
                try (InputStream in = url.openStream()) {
                    for (JsonNode property : json.readTree(in).path("properties")) {
                        String name = property.path("name").asString();
                        if (property.path("type").asString("").startsWith("java.util.Map<")) {
                            maps.add(ConfigurationPropertyName.adapt(name, '.'));
                        } else {
                            add(name);
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(url.toString(), e);
                }
            }
        }
    }

    private void readRecordsAndPlaceholders() {
        ClassPathScanningCandidateComponentProvider scanner = new ClassPathScanningCandidateComponentProvider(false);
        scanner.addIncludeFilter((reader, factory) -> true);
        for (BeanDefinition definition : scanner.findCandidateComponents(BASE_PACKAGE)) {
            Class<?> type = ClassUtils.resolveClassName(
                    definition.getBeanClassName(), getClass().getClassLoader());
            ConfigurationProperties properties = type.getAnnotation(ConfigurationProperties.class);
            if (properties != null) {
                String prefix = properties.prefix().isEmpty() ? properties.value() : properties.prefix();
                addRecord(prefix, type);
            }
            Stream.of(
                            Stream.of(type.getAnnotations()),
                            Stream.of(type.getDeclaredMethods()).flatMap(m -> Stream.of(m.getAnnotations())),
                            Stream.of(type.getDeclaredFields()).flatMap(f -> Stream.of(f.getAnnotations())))
                    .flatMap(s -> s)
                    .forEach(annotation -> {
                        Matcher m = PLACEHOLDER.matcher(annotation.toString());
                        while (m.find()) {
                            add(m.group(1));
                        }
                    });
        }
    }

    private void addRecord(String prefix, Class<?> type) {
        if (!type.isRecord()) {
            throw new IllegalStateException(type.getName() + ": settings are records here (conventions.md, 6);"
                    + " teach ConfigurationKeys to read this form");
        }
        for (RecordComponent component : type.getRecordComponents()) {
            String key = prefix + "." + kebab(component.getName());
            Class<?> componentType = component.getType();
            if (componentType.isRecord() && componentType.getName().startsWith(BASE_PACKAGE)) {
                addRecord(key, componentType);
            } else {
                add(key);
            }
        }
    }

    /** {@code maxFailuresPerAddress} becomes {@code max-failures-per-address}. */
    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }

    private static Iterable<URL> resources(String name) {
        try {
            return Collections.list(ConfigurationKeys.class.getClassLoader().getResources(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
