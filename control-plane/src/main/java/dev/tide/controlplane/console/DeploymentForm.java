package dev.tide.controlplane.console;

import dev.tide.controlplane.deployment.DeploymentRequest;
import dev.tide.controlplane.deployment.Strategy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.validation.BindingResult;

/** The new-deployment form: a version per application (or none), the strategy and a label selector. */
public class DeploymentForm {
    private String environment;
    private Map<String, String> releases = new TreeMap<>();
    private Integer canary = 0;
    private String batchSize = "100%";
    private Integer pauseSeconds = 0;
    private String failureThreshold = "0";
    private boolean autoRollback = true;
    private Integer targetTimeoutSeconds = 300;
    private String selector = "";

    /** The REST API's request for the same deployment, or null when the selector cannot be read. */
    DeploymentRequest request(BindingResult result) {
        List<DeploymentRequest.ReleaseRef> refs = new ArrayList<>();
        releases.forEach((app, version) -> {
            if (version != null && !version.isBlank()) {
                refs.add(new DeploymentRequest.ReleaseRef(app, version));
            }
        });
        Map<String, String> labels = new TreeMap<>();
        for (String part : (selector == null ? "" : selector).split("[,\\n]")) {
            String p = part.strip();
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            if (eq <= 0) {
                result.rejectValue("selector", "format", "write labels as key=value, separated by commas");
                return null;
            }
            labels.put(p.substring(0, eq).strip(), p.substring(eq + 1).strip());
        }
        return new DeploymentRequest(
                environment,
                refs,
                new Strategy(
                        blankToNull(batchSize),
                        canary,
                        pauseSeconds,
                        blankToNull(failureThreshold),
                        autoRollback,
                        targetTimeoutSeconds),
                new DeploymentRequest.Selector(labels));
    }

    /** Where the service's field names appear on this form. */
    static String fieldOf(String serviceField) {
        if (serviceField.startsWith("releases")) {
            return "releases";
        }
        if (serviceField.startsWith("strategy.")) {
            return serviceField.substring("strategy.".length());
        }
        if (serviceField.startsWith("selector")) {
            return "selector";
        }
        return serviceField;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    public String getEnvironment() {
        return environment;
    }

    public void setEnvironment(String environment) {
        this.environment = environment;
    }

    public Map<String, String> getReleases() {
        return releases;
    }

    public void setReleases(Map<String, String> releases) {
        this.releases = releases == null ? new TreeMap<>() : new TreeMap<>(releases);
    }

    public Integer getCanary() {
        return canary;
    }

    public void setCanary(Integer canary) {
        this.canary = canary;
    }

    public String getBatchSize() {
        return batchSize;
    }

    public void setBatchSize(String batchSize) {
        this.batchSize = batchSize;
    }

    public Integer getPauseSeconds() {
        return pauseSeconds;
    }

    public void setPauseSeconds(Integer pauseSeconds) {
        this.pauseSeconds = pauseSeconds;
    }

    public String getFailureThreshold() {
        return failureThreshold;
    }

    public void setFailureThreshold(String failureThreshold) {
        this.failureThreshold = failureThreshold;
    }

    public boolean isAutoRollback() {
        return autoRollback;
    }

    public void setAutoRollback(boolean autoRollback) {
        this.autoRollback = autoRollback;
    }

    public Integer getTargetTimeoutSeconds() {
        return targetTimeoutSeconds;
    }

    public void setTargetTimeoutSeconds(Integer targetTimeoutSeconds) {
        this.targetTimeoutSeconds = targetTimeoutSeconds;
    }

    public String getSelector() {
        return selector;
    }

    public void setSelector(String selector) {
        this.selector = selector;
    }
}
