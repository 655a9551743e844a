package dev.tide.controlplane.application;

import dev.tide.controlplane.system.InvalidInputException;
import dev.tide.controlplane.system.InvalidInputException.FieldError;
import dev.tide.controlplane.system.Names;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a user submits to create a release, validated field by field. Everything an agent will
 * execute or write to disk is checked here, before it is stored. {@code secretEnv} holds
 * environment values that are written but never read back (passwords, keys): validated like
 * {@code env}, and a name may be in only one of the two. {@code signature} is optional: an Ed25519
 * signature over the release's manifest, checked by {@link ReleaseService} against the trusted keys.
 */
public record ReleaseSpec(
        String version,
        String artifactSha256,
        List<String> start,
        Map<String, String> env,
        Map<String, String> secretEnv,
        Map<String, String> configFiles,
        HealthCheckSpec healthCheck,
        Signature signature,
        String runAs) {

    /**
     * A release signature as submitted: the signing key's id, when it was signed (part of the
     * signed manifest) and the base64 of the 64-byte Ed25519 signature.
     */
    public record Signature(String keyId, Instant issuedAt, String value) {
        private static final Pattern KEY_ID = Pattern.compile("^[A-Za-z0-9_-]{43}$");

        /** The signature bytes; only after {@link ReleaseSpec#validate()}. */
        byte[] bytes() {
            return Base64.getDecoder().decode(value);
        }

        private void validate(List<FieldError> errors) {
            if (keyId == null || !KEY_ID.matcher(keyId).matches()) {
                errors.add(new FieldError(
                        "signature.keyId", "must be a release key id (43 characters of base64url, the key's SHA-256)"));
            }
            if (issuedAt == null) {
                errors.add(new FieldError("signature.issuedAt", "is required: the issuedAt of the signed manifest"));
            }
            if (!isSignature(value)) {
                errors.add(new FieldError("signature.value", "must be the base64 of an Ed25519 signature (64 bytes)"));
            }
        }

        private static boolean isSignature(String value) {
            try {
                return value != null && Base64.getDecoder().decode(value).length == 64;
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
    }

    static final int MAX_ARGS = 128;
    static final int MAX_ARG_LENGTH = 4096;
    static final int MAX_ENV = 200;
    static final int MAX_ENV_VALUE = 32 * 1024;
    static final int MAX_FILES = 50;
    static final int MAX_FILE_SIZE = 1024 * 1024;
    private static final Pattern SHA256 = Pattern.compile("^[0-9a-f]{64}$");
    private static final Pattern ENV_NAME = Pattern.compile("^[A-Za-z_][A-Za-z0-9_]{0,127}$");
    private static final Pattern PATH_SEGMENT = Pattern.compile("^[A-Za-z0-9_.+@=-]{1,128}$");
    /** POSIX login names; the agent checks the same rule again before it switches user. */
    private static final Pattern USER_NAME = Pattern.compile("^[a-z_][a-z0-9_-]{0,31}$");

    public ReleaseSpec {
        start = start == null ? List.of() : start;
        env = env == null ? Map.of() : env;
        secretEnv = secretEnv == null ? Map.of() : secretEnv;
        configFiles = configFiles == null ? Map.of() : configFiles;
    }

    /** Throws naming every invalid field. */
    void validate() {
        validate(false);
    }

    /**
     * Throws naming every invalid field; a release of the agent ({@link AgentApplication}) is its
     * jar and nothing else.
     */
    void validate(boolean agent) {
        List<FieldError> errors = new ArrayList<>();
        if (agent) {
            validateAgentRelease(errors);
        }
        if (!Names.isVersion(version)) {
            errors.add(new FieldError("version", Names.VERSION_RULE));
        }
        if (artifactSha256 == null || !SHA256.matcher(artifactSha256).matches()) {
            errors.add(new FieldError("artifactSha256", "must be 64 lower-case hex characters"));
        }
        if (!agent) {
            validateStart(errors);
        }
        validateEnv("env", env, errors);
        validateEnv("secretEnv", secretEnv, errors);
        secretEnv.keySet().stream()
                .filter(env::containsKey)
                .sorted()
                .forEach(name -> errors.add(
                        new FieldError("secretEnv." + name, "is also in env; a variable is either plain or secret")));
        if (env.size() <= MAX_ENV && secretEnv.size() <= MAX_ENV && env.size() + secretEnv.size() > MAX_ENV) {
            errors.add(new FieldError(
                    "secretEnv", "env and secretEnv together must have at most " + MAX_ENV + " variables"));
        }
        validateConfigFiles(errors);
        validateHealthCheck(errors);
        if (signature != null) {
            signature.validate(errors);
        }
        if (runAs != null && !USER_NAME.matcher(runAs).matches()) {
            errors.add(new FieldError(
                    "runAs",
                    "must be a user name: 1-32 characters of lower-case letters, digits, '_' or '-',"
                            + " starting with a letter or '_'"));
        }
        if (!errors.isEmpty()) {
            throw InvalidInputException.fields(errors);
        }
    }

    private void validateAgentRelease(List<FieldError> errors) {
        String why = "must be left out: a " + AgentApplication.NAME
                + " release is the agent's jar, which the agent's launcher runs";
        if (start != null && !start.isEmpty()) {
            errors.add(new FieldError("start", why));
        }
        if (!env.isEmpty()) {
            errors.add(new FieldError("env", why));
        }
        if (!secretEnv.isEmpty()) {
            errors.add(new FieldError("secretEnv", why));
        }
        if (!configFiles.isEmpty()) {
            errors.add(new FieldError("configFiles", why));
        }
        if (healthCheck != null) {
            errors.add(new FieldError(
                    "healthCheck", "must be left out: a new agent is healthy once it reaches the control plane"));
        }
        if (runAs != null) {
            errors.add(new FieldError("runAs", why));
        }
    }

    private void validateStart(List<FieldError> errors) {
        if (start == null || start.isEmpty()) {
            errors.add(new FieldError("start", "must be a non-empty argv array, e.g. [\"java\", \"App.java\"]"));
            return;
        }
        if (start.size() > MAX_ARGS) {
            errors.add(new FieldError("start", "must have at most " + MAX_ARGS + " arguments"));
        }
        for (int i = 0; i < start.size(); i++) {
            String arg = start.get(i);
            if (arg == null || arg.length() > MAX_ARG_LENGTH || arg.indexOf('\0') >= 0) {
                errors.add(new FieldError(
                        "start[" + i + "]",
                        "must be a string of at most " + MAX_ARG_LENGTH + " characters without NUL"));
            } else if (i == 0 && arg.isBlank()) {
                errors.add(new FieldError("start[0]", "must name the program to run"));
            }
        }
    }

    /**
     * Names and values of one environment map. The agent fills in placeholders in secret values
     * too, so they follow the same rule; a problem with one is described without quoting it.
     */
    private static void validateEnv(String prefix, Map<String, String> vars, List<FieldError> errors) {
        boolean secret = prefix.equals("secretEnv");
        if (vars.size() > MAX_ENV) {
            errors.add(new FieldError(prefix, "must have at most " + MAX_ENV + " variables"));
        }
        vars.forEach((name, value) -> {
            String field = prefix + "." + name;
            if (!ENV_NAME.matcher(name).matches()) {
                errors.add(new FieldError(
                        field, "is not a valid variable name (letters, digits, '_', not starting with a digit)"));
            } else if (value == null || value.length() > MAX_ENV_VALUE || value.indexOf('\0') >= 0) {
                errors.add(new FieldError(field, "must be a string of at most " + MAX_ENV_VALUE + " characters"));
            } else {
                Placeholders.problem(value)
                        .ifPresent(p -> errors.add(new FieldError(field, secret ? Placeholders.RULE : p)));
            }
        });
    }

    private void validateConfigFiles(List<FieldError> errors) {
        if (configFiles.size() > MAX_FILES) {
            errors.add(new FieldError("configFiles", "must have at most " + MAX_FILES + " files"));
        }
        configFiles.forEach((path, content) -> {
            String field = "configFiles." + path;
            pathProblem(path).ifPresent(p -> errors.add(new FieldError(field, p)));
            if (content == null || content.length() > MAX_FILE_SIZE) {
                errors.add(new FieldError(field, "must be a string of at most " + MAX_FILE_SIZE + " characters"));
            } else {
                Placeholders.problem(content).ifPresent(p -> errors.add(new FieldError(field, p)));
            }
        });
    }

    /** A config file path must stay inside the release folder: relative, no '..', plain segments. */
    static java.util.Optional<String> pathProblem(String path) {
        if (path == null || path.isEmpty() || path.length() > 255) {
            return java.util.Optional.of("path must be 1-255 characters");
        }
        if (path.startsWith("/") || path.contains("\\")) {
            return java.util.Optional.of("path must be relative, with '/' as separator");
        }
        for (String segment : path.split("/", -1)) {
            if (segment.equals("..") || segment.equals(".")) {
                return java.util.Optional.of("path must not contain '.' or '..' segments");
            }
            if (!PATH_SEGMENT.matcher(segment).matches()) {
                return java.util.Optional.of("path segments must be 1-128 characters of letters, digits and _.+@=-");
            }
        }
        return java.util.Optional.empty();
    }

    private void validateHealthCheck(List<FieldError> errors) {
        if (healthCheck == null) {
            return;
        }
        int kinds = (healthCheck.http() != null ? 1 : 0)
                + (healthCheck.tcp() != null ? 1 : 0)
                + (healthCheck.command() != null ? 1 : 0);
        if (kinds != 1) {
            errors.add(new FieldError("healthCheck", "must have exactly one of http, tcp or command"));
        }
        if (healthCheck.http() != null) {
            portProblem(healthCheck.http().port())
                    .ifPresent(p -> errors.add(new FieldError("healthCheck.http.port", p)));
            String path = healthCheck.http().path();
            if (path != null
                    && (!path.startsWith("/")
                            || path.length() > 1024
                            || path.chars().anyMatch(c -> c < 0x21))) {
                errors.add(new FieldError("healthCheck.http.path", "must start with '/' and contain no spaces"));
            }
        }
        if (healthCheck.tcp() != null) {
            portProblem(healthCheck.tcp().port()).ifPresent(p -> errors.add(new FieldError("healthCheck.tcp.port", p)));
        }
        if (healthCheck.command() != null) {
            List<String> cmd = healthCheck.command();
            if (cmd.isEmpty()
                    || cmd.size() > MAX_ARGS
                    || cmd.stream().anyMatch(a -> a == null || a.indexOf('\0') >= 0)) {
                errors.add(new FieldError("healthCheck.command", "must be a non-empty argv array"));
            }
        }
        Integer timeout = healthCheck.timeoutSeconds();
        if (timeout != null && (timeout < 1 || timeout > 3600)) {
            errors.add(new FieldError("healthCheck.timeoutSeconds", "must be between 1 and 3600"));
        }
    }

    private static java.util.Optional<String> portProblem(String port) {
        if (port == null || port.isBlank()) {
            return java.util.Optional.of("is required");
        }
        if (Placeholders.isPlaceholder(port)) {
            return Placeholders.problem(port);
        }
        try {
            int p = Integer.parseInt(port);
            return p >= 1 && p <= 65535
                    ? java.util.Optional.empty()
                    : java.util.Optional.of("must be between 1 and 65535");
        } catch (NumberFormatException e) {
            return java.util.Optional.of("must be a port number or a placeholder such as ${node.label.port}");
        }
    }
}
