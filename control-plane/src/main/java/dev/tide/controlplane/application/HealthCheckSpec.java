package dev.tide.controlplane.application;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * How an agent decides a release is healthy: exactly one of {@code http}, {@code tcp} or
 * {@code command}. Ports are strings so they may hold placeholders such as
 * {@code ${node.label.port}}; a JSON number is accepted too.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HealthCheckSpec(Http http, Tcp tcp, List<String> command, Integer timeoutSeconds) {
    public static final int DEFAULT_TIMEOUT_SECONDS = 30;

    /** GET http://127.0.0.1:port/path answers 2xx. */
    public record Http(String port, String path) {
        /** The path checked: {@code /} when none was given. Agents and signatures see this one. */
        public String effectivePath() {
            return path == null ? "/" : path;
        }
    }

    /** A TCP connection to 127.0.0.1:port succeeds. */
    public record Tcp(String port) {}

    public int effectiveTimeoutSeconds() {
        return timeoutSeconds == null ? DEFAULT_TIMEOUT_SECONDS : timeoutSeconds;
    }
}
