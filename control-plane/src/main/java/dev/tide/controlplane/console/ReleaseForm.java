package dev.tide.controlplane.console;

import dev.tide.controlplane.application.HealthCheckSpec;
import dev.tide.controlplane.application.ReleaseSpec;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.validation.BindingResult;

/**
 * The new-release form: argv and environment one per line, one kind of health check. Secret
 * environment values are write-only: the page never renders them, not even after an error.
 */
public class ReleaseForm {
    private String version;
    private String artifactSha256;
    private String start = "";
    private String env = "";
    private String secretEnv = "";
    private String runAs = "";
    private String healthType = "none";
    private String healthPort;
    private String healthPath = "/health";
    private String healthCommand = "";
    private Integer healthTimeoutSeconds = HealthCheckSpec.DEFAULT_TIMEOUT_SECONDS;

    /** The spec to hand to the release service, or null when the text could not be read. */
    ReleaseSpec spec(BindingResult result) {
        Map<String, String> plain = vars("env", env, result);
        Map<String, String> secrets = vars("secretEnv", secretEnv, result);
        if (plain == null || secrets == null) {
            return null;
        }
        HealthCheckSpec health = switch (healthType == null ? "none" : healthType) {
            case "http" ->
                new HealthCheckSpec(
                        new HealthCheckSpec.Http(blankToNull(healthPort), blankToNull(healthPath)),
                        null,
                        null,
                        healthTimeoutSeconds);
            case "tcp" ->
                new HealthCheckSpec(null, new HealthCheckSpec.Tcp(blankToNull(healthPort)), null, healthTimeoutSeconds);
            case "command" -> new HealthCheckSpec(null, null, lines(healthCommand), healthTimeoutSeconds);
            default -> null;
        };
        return new ReleaseSpec(
                version == null ? null : version.trim(),
                artifactSha256 == null ? null : artifactSha256.trim().toLowerCase(java.util.Locale.ROOT),
                lines(start),
                plain,
                secrets,
                Map.of(),
                health,
                null,
                blankToNull(runAs));
    }

    /** Where the service's field names appear on this form. */
    static String fieldOf(String serviceField) {
        if (serviceField.equals("version") || serviceField.equals("artifactSha256")) {
            return serviceField;
        }
        if (serviceField.startsWith("start")) {
            return "start";
        }
        if (serviceField.startsWith("env")) {
            return "env";
        }
        if (serviceField.startsWith("secretEnv")) {
            return "secretEnv";
        }
        if (serviceField.endsWith(".port")) {
            return "healthPort";
        }
        if (serviceField.equals("healthCheck.http.path")) {
            return "healthPath";
        }
        if (serviceField.equals("healthCheck.command")) {
            return "healthCommand";
        }
        if (serviceField.equals("healthCheck.timeoutSeconds")) {
            return "healthTimeoutSeconds";
        }
        if (serviceField.equals("healthCheck")) {
            return "healthType";
        }
        if (serviceField.equals("runAs")) {
            return "runAs";
        }
        return null;
    }

    /** {@code NAME=value} lines; null after rejecting the field when one is not. */
    private static Map<String, String> vars(String field, String text, BindingResult result) {
        Map<String, String> vars = new LinkedHashMap<>();
        List<String> lines = lines(text);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int eq = line.indexOf('=');
            if (eq <= 0) {
                result.rejectValue(field, "format", "line " + (i + 1) + " must look like NAME=value");
                return null;
            }
            vars.put(line.substring(0, eq).trim(), line.substring(eq + 1));
        }
        return vars;
    }

    private static List<String> lines(String text) {
        return text == null
                ? List.of()
                : Arrays.stream(text.split("\\R"))
                        .map(String::strip)
                        .filter(s -> !s.isEmpty())
                        .toList();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    public String getVersion() {
        return version;
    }

    public void setVersion(String version) {
        this.version = version;
    }

    public String getArtifactSha256() {
        return artifactSha256;
    }

    public void setArtifactSha256(String artifactSha256) {
        this.artifactSha256 = artifactSha256;
    }

    public String getStart() {
        return start;
    }

    public void setStart(String start) {
        this.start = start;
    }

    public String getEnv() {
        return env;
    }

    public void setEnv(String env) {
        this.env = env;
    }

    public String getSecretEnv() {
        return secretEnv;
    }

    public void setSecretEnv(String secretEnv) {
        this.secretEnv = secretEnv;
    }

    public String getRunAs() {
        return runAs;
    }

    public void setRunAs(String runAs) {
        this.runAs = runAs;
    }

    public String getHealthType() {
        return healthType;
    }

    public void setHealthType(String healthType) {
        this.healthType = healthType;
    }

    public String getHealthPort() {
        return healthPort;
    }

    public void setHealthPort(String healthPort) {
        this.healthPort = healthPort;
    }

    public String getHealthPath() {
        return healthPath;
    }

    public void setHealthPath(String healthPath) {
        this.healthPath = healthPath;
    }

    public String getHealthCommand() {
        return healthCommand;
    }

    public void setHealthCommand(String healthCommand) {
        this.healthCommand = healthCommand;
    }

    public Integer getHealthTimeoutSeconds() {
        return healthTimeoutSeconds;
    }

    public void setHealthTimeoutSeconds(Integer healthTimeoutSeconds) {
        this.healthTimeoutSeconds = healthTimeoutSeconds;
    }
}
