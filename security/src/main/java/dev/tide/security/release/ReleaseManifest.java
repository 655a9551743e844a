package dev.tide.security.release;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a release signature covers: everything an agent will execute or write for a release. Its
 * canonical bytes ({@link #canonical()}) are what is signed, built the same way by the signing tool,
 * the control plane and the agent. Secret environment values are covered by name only (the person
 * who signs need not know them); dependencies are those declared when the release was signed.
 *
 * @param healthCheck null, or exactly one of {@code http: {port, path}}, {@code tcp: {port}} or
 *     {@code command: [argv]}, with {@code timeoutSeconds}
 * @param runAs null when the release runs as the agent's user
 */
public record ReleaseManifest(
        String application,
        String version,
        String artifactSha256,
        List<String> start,
        Map<String, String> env,
        List<String> secretEnvNames,
        Map<String, String> configFiles,
        Map<String, Object> healthCheck,
        String runAs,
        List<String> dependsOn,
        Instant issuedAt) {
    /** Names the format; a later version of the manifest gets another value. */
    public static final String FORMAT = "tide.release/v1";

    public ReleaseManifest {
        start = List.copyOf(start == null ? List.of() : start);
        env = new TreeMap<>(env == null ? Map.of() : env);
        secretEnvNames = List.copyOf(new TreeSet<>(secretEnvNames == null ? List.of() : secretEnvNames));
        configFiles = new TreeMap<>(configFiles == null ? Map.of() : configFiles);
        dependsOn = List.copyOf(new TreeSet<>(dependsOn == null ? List.of() : dependsOn));
        runAs = runAs == null || runAs.isEmpty() ? null : runAs;
        issuedAt = issuedAt == null ? null : issuedAt.truncatedTo(ChronoUnit.SECONDS);
        if (application == null || version == null || artifactSha256 == null || issuedAt == null) {
            throw new IllegalArgumentException("a manifest needs application, version, artifactSha256 and issuedAt");
        }
    }

    /** A health check as the manifest holds it. */
    public static Map<String, Object> httpCheck(String port, String path, int timeoutSeconds) {
        Map<String, Object> http = new LinkedHashMap<>();
        http.put("port", port);
        http.put("path", path == null || path.isEmpty() ? "/" : path); // agents check "/" when none is given
        return Map.of("http", http, "timeoutSeconds", timeoutSeconds);
    }

    public static Map<String, Object> tcpCheck(String port, int timeoutSeconds) {
        return Map.of("tcp", Map.of("port", port), "timeoutSeconds", timeoutSeconds);
    }

    public static Map<String, Object> commandCheck(List<String> argv, int timeoutSeconds) {
        return Map.of("command", new ArrayList<>(argv), "timeoutSeconds", timeoutSeconds);
    }

    /** The bytes a signature covers. */
    public byte[] canonical() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("format", FORMAT);
        doc.put("application", application);
        doc.put("version", version);
        doc.put("artifactSha256", artifactSha256);
        doc.put("start", start);
        doc.put("env", env);
        doc.put("secretEnv", secretEnvNames);
        doc.put("configFiles", configFiles);
        doc.put("healthCheck", healthCheck);
        doc.put("runAs", runAs);
        doc.put("dependsOn", dependsOn);
        doc.put("issuedAt", issuedAt.toString());
        return CanonicalJson.bytes(doc);
    }
}
