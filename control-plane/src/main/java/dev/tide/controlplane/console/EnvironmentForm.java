package dev.tide.controlplane.console;

import dev.tide.controlplane.environment.DeliveryMode;
import dev.tide.controlplane.environment.Environment;
import dev.tide.controlplane.environment.EnvironmentSettings;
import org.springframework.validation.BindingResult;

/** The environment form: create (with name and mode) and the settings of an existing one. */
public class EnvironmentForm {
    private String name;
    private String description = "";
    private DeliveryMode mode = EnvironmentSettings.DEFAULTS.mode();
    private Integer pullIntervalSeconds = EnvironmentSettings.DEFAULTS.pullIntervalSeconds();
    private Integer pullJitterSeconds = EnvironmentSettings.DEFAULTS.pullJitterSeconds();
    private boolean watch = EnvironmentSettings.DEFAULTS.watch();
    private Integer pushMaxParallel = EnvironmentSettings.DEFAULTS.pushMaxParallel();

    static EnvironmentForm of(Environment env) {
        EnvironmentForm f = new EnvironmentForm();
        f.name = env.getName();
        f.description = env.getDescription();
        f.mode = env.getMode();
        f.pullIntervalSeconds = env.getPullIntervalSeconds();
        f.pullJitterSeconds = env.getPullJitterSeconds();
        f.watch = env.isWatchEnabled();
        f.pushMaxParallel = env.getPushMaxParallel();
        return f;
    }

    /** Empty number inputs are reported here; the ranges are the service's to check. */
    boolean complete(BindingResult result) {
        requireNumber(result, "pullIntervalSeconds", pullIntervalSeconds);
        requireNumber(result, "pullJitterSeconds", pullJitterSeconds);
        requireNumber(result, "pushMaxParallel", pushMaxParallel);
        return !result.hasErrors();
    }

    private static void requireNumber(BindingResult result, String field, Integer value) {
        if (value == null && !result.hasFieldErrors(field)) {
            result.rejectValue(field, "required", "is required");
        }
    }

    /** These settings with {@code mode}; the mode switch is a separate, confirmed action. */
    EnvironmentSettings settings(DeliveryMode mode) {
        return new EnvironmentSettings(
                description == null ? "" : description,
                mode,
                pullIntervalSeconds,
                pullJitterSeconds,
                watch,
                pushMaxParallel);
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name == null ? null : name.trim();
    }

    public String getDescription() {
        return description;
    }

    public void setDescription(String description) {
        this.description = description;
    }

    public DeliveryMode getMode() {
        return mode;
    }

    public void setMode(DeliveryMode mode) {
        this.mode = mode;
    }

    public Integer getPullIntervalSeconds() {
        return pullIntervalSeconds;
    }

    public void setPullIntervalSeconds(Integer pullIntervalSeconds) {
        this.pullIntervalSeconds = pullIntervalSeconds;
    }

    public Integer getPullJitterSeconds() {
        return pullJitterSeconds;
    }

    public void setPullJitterSeconds(Integer pullJitterSeconds) {
        this.pullJitterSeconds = pullJitterSeconds;
    }

    public boolean isWatch() {
        return watch;
    }

    public void setWatch(boolean watch) {
        this.watch = watch;
    }

    public Integer getPushMaxParallel() {
        return pushMaxParallel;
    }

    public void setPushMaxParallel(Integer pushMaxParallel) {
        this.pushMaxParallel = pushMaxParallel;
    }
}
