package dev.tide.agent;

import dev.tide.agent.apply.UnpackLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Everything one agent needs, validated once. Built by the CLI from flags, environment and a
 * config file, or directly by a test or a bench. Validation errors name the flag they come from.
 *
 * @param controlPlane where the control plane serves AgentGateway
 * @param enrollToken single-use token, only needed while the data dir holds no identity (nullable)
 * @param name node name to enroll with (nullable once enrolled)
 * @param dataDir identity, state, artifacts, releases and logs live here
 * @param listen where to serve AgentSession for push; null means no push listener
 * @param advertise the push endpoint told to the control plane; defaults to {@code listen}
 * @param labels node labels sent at enrollment
 * @param stopAppsOnExit stop the applications when the agent stops (default: leave them running)
 * @param stopGrace how long a process gets between SIGTERM and SIGKILL
 * @param rpcTimeout deadline of ordinary calls to the control plane
 * @param fetchTimeout deadline of one artifact download
 * @param keepAlive gRPC keepalive ping interval on the control-plane channel
 * @param logMaxBytes size at which an application's stdout/stderr log is rotated
 * @param logKeep how many rotated log files are kept
 * @param unpackMaxBytes most bytes an artifact may unpack to; 0 for the default, relative to the
 *     artifact's size ({@link UnpackLimits})
 * @param unpackMaxEntries most entries an artifact may unpack to
 * @param checkInInterval how often a push-mode agent reports to the control plane anyway, with its
 *     push endpoint
 * @param upgradeDir the folder the tide-agent launcher shares with the agent for self-upgrades;
 *     null when the agent was not started by the launcher (it then cannot upgrade itself)
 * @param upgradeTimeout how long a new agent version has to reach the control plane before it is
 *     reverted
 * @param checkInterval how often running applications are health-probed and their release files
 *     compared with what was prepared ({@code PeriodicCheck}); zero turns it off
 */
public record AgentConfig(
        HostPort controlPlane,
        String enrollToken,
        String name,
        Path dataDir,
        HostPort listen,
        HostPort advertise,
        Map<String, String> labels,
        boolean stopAppsOnExit,
        Duration stopGrace,
        Duration rpcTimeout,
        Duration fetchTimeout,
        Duration keepAlive,
        long logMaxBytes,
        int logKeep,
        long unpackMaxBytes,
        int unpackMaxEntries,
        Duration checkInInterval,
        Path upgradeDir,
        Duration upgradeTimeout,
        Duration checkInterval) {

    /**
     * The port of the push listener wherever Tide sets one up: the systemd unit, the container
     * image and the docs ({@code --listen 0.0.0.0:7070}); the control plane dials it in push mode.
     */
    public static final int PUSH_PORT = 7070;

    /** Node names as the control plane accepts them. */
    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-_.]{0,62}");

    private static final Pattern LABEL_KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]{0,62}");

    public AgentConfig {
        require(controlPlane != null, "--control-plane", "is required (HOST:PORT of the control plane)");
        require(controlPlane.port() > 0, "--control-plane", "port must be 1-65535");
        require(dataDir != null, "--data-dir", "is required");
        require(
                name == null || NAME.matcher(name).matches(),
                "--name",
                "must match " + NAME.pattern() + ", got '" + name + "'");
        require(enrollToken == null || !enrollToken.isBlank(), "--enroll-token", "is empty");
        require(
                enrollToken == null || pinned(enrollToken),
                "--enroll-token",
                "must end with '.' and the control plane's CA fingerprint, as the control plane shows the token");
        labels = Collections.unmodifiableMap(new TreeMap<>(labels == null ? Map.of() : labels));
        labels.forEach((k, v) -> require(
                LABEL_KEY.matcher(k).matches(),
                "--label",
                "key must match " + LABEL_KEY.pattern() + ", got '" + k + "'"));
        positive(stopGrace, "--stop-grace");
        positive(rpcTimeout, "--rpc-timeout");
        positive(fetchTimeout, "--fetch-timeout");
        positive(keepAlive, "--keepalive");
        require(logMaxBytes >= 1024, "--log-max-size", "must be at least 1KB");
        require(logKeep >= 1 && logKeep <= 100, "--log-keep", "must be 1-100");
        require(unpackMaxBytes == 0 || unpackMaxBytes >= 1 << 20, "--unpack-max-size", "must be at least 1MB");
        require(unpackMaxEntries >= 1, "--unpack-max-entries", "must be at least 1");
        positive(upgradeTimeout, "--upgrade-timeout");
        require(
                checkInInterval != null && checkInInterval.compareTo(Duration.ofSeconds(1)) >= 0,
                "--check-in-interval",
                "must be at least 1s");
        require(
                checkInterval != null
                        && (checkInterval.isZero() || checkInterval.compareTo(Duration.ofMillis(100)) >= 0),
                "--check-interval",
                "must be 0 (off) or at least 100ms");
        dataDir = dataDir.toAbsolutePath().normalize();
        upgradeDir = upgradeDir == null ? null : upgradeDir.toAbsolutePath().normalize();
    }

    private static boolean pinned(String token) {
        try {
            return dev.tide.security.EnrollmentToken.parse(token)
                    .caFingerprint()
                    .isPresent();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The endpoint the control plane should dial for push sessions, if the agent listens. */
    public Optional<HostPort> pushEndpoint() {
        return Optional.ofNullable(advertise != null ? advertise : listen);
    }

    public UnpackLimits unpackLimits() {
        return new UnpackLimits(unpackMaxBytes, unpackMaxEntries);
    }

    public Optional<String> enrollTokenValue() {
        return Optional.ofNullable(enrollToken);
    }

    public static Builder builder(HostPort controlPlane, Path dataDir) {
        return new Builder(controlPlane, dataDir);
    }

    public Builder toBuilder() {
        Builder b = new Builder(controlPlane, dataDir);
        b.enrollToken = enrollToken;
        b.name = name;
        b.listen = listen;
        b.advertise = advertise;
        b.labels = labels;
        b.stopAppsOnExit = stopAppsOnExit;
        b.stopGrace = stopGrace;
        b.rpcTimeout = rpcTimeout;
        b.fetchTimeout = fetchTimeout;
        b.keepAlive = keepAlive;
        b.logMaxBytes = logMaxBytes;
        b.logKeep = logKeep;
        b.unpackMaxBytes = unpackMaxBytes;
        b.unpackMaxEntries = unpackMaxEntries;
        b.checkInInterval = checkInInterval;
        b.upgradeDir = upgradeDir;
        b.upgradeTimeout = upgradeTimeout;
        b.checkInterval = checkInterval;
        return b;
    }

    /** Never prints the enrollment token. */
    @Override
    public String toString() {
        return "AgentConfig[controlPlane=" + controlPlane + ", name=" + name + ", dataDir=" + dataDir + ", listen="
                + listen + ", advertise=" + advertise + ", labels=" + labels + ", enrollToken="
                + (enrollToken == null ? "none" : "***") + ", stopAppsOnExit=" + stopAppsOnExit + ", stopGrace="
                + stopGrace + "]";
    }

    private static void require(boolean condition, String flag, String message) {
        if (!condition) {
            throw new IllegalArgumentException(flag + ": " + message);
        }
    }

    private static void positive(Duration d, String flag) {
        require(d != null && !d.isNegative() && !d.isZero(), flag, "must be a positive duration");
    }

    /**
     * Defaults: stop grace 10s, rpc timeout 10s, fetch timeout 10m, keepalive 60s, logs 10MB x 3,
     * unpack limits relative to the artifact and 100,000 entries, check-in every 5m, no upgrade
     * folder, 2m upgrade timeout.
     */
    public static final class Builder {
        private HostPort controlPlane;
        private Path dataDir;
        private String enrollToken;
        private String name;
        private HostPort listen;
        private HostPort advertise;
        private Map<String, String> labels = Map.of();
        private boolean stopAppsOnExit;
        private Duration stopGrace = Duration.ofSeconds(10);
        private Duration rpcTimeout = Duration.ofSeconds(10);
        private Duration fetchTimeout = Duration.ofMinutes(10);
        private Duration keepAlive = Duration.ofSeconds(60);
        private long logMaxBytes = 10L * 1024 * 1024;
        private int logKeep = 3;
        private long unpackMaxBytes;
        private int unpackMaxEntries = UnpackLimits.DEFAULT_MAX_ENTRIES;
        private Duration checkInInterval = Duration.ofMinutes(5);
        private Path upgradeDir;
        private Duration upgradeTimeout = Duration.ofMinutes(2);
        private Duration checkInterval = Duration.ofSeconds(30);

        private Builder(HostPort controlPlane, Path dataDir) {
            this.controlPlane = controlPlane;
            this.dataDir = dataDir;
        }

        public Builder controlPlane(HostPort v) {
            controlPlane = v;
            return this;
        }

        public Builder dataDir(Path v) {
            dataDir = v;
            return this;
        }

        public Builder enrollToken(String v) {
            enrollToken = v;
            return this;
        }

        public Builder name(String v) {
            name = v;
            return this;
        }

        public Builder listen(HostPort v) {
            listen = v;
            return this;
        }

        public Builder advertise(HostPort v) {
            advertise = v;
            return this;
        }

        public Builder labels(Map<String, String> v) {
            labels = Objects.requireNonNull(v);
            return this;
        }

        public Builder stopAppsOnExit(boolean v) {
            stopAppsOnExit = v;
            return this;
        }

        public Builder stopGrace(Duration v) {
            stopGrace = v;
            return this;
        }

        public Builder rpcTimeout(Duration v) {
            rpcTimeout = v;
            return this;
        }

        public Builder fetchTimeout(Duration v) {
            fetchTimeout = v;
            return this;
        }

        public Builder keepAlive(Duration v) {
            keepAlive = v;
            return this;
        }

        public Builder logMaxBytes(long v) {
            logMaxBytes = v;
            return this;
        }

        public Builder logKeep(int v) {
            logKeep = v;
            return this;
        }

        public Builder unpackMaxBytes(long v) {
            unpackMaxBytes = v;
            return this;
        }

        public Builder unpackMaxEntries(int v) {
            unpackMaxEntries = v;
            return this;
        }

        public Builder checkInInterval(Duration v) {
            checkInInterval = v;
            return this;
        }

        public Builder upgradeDir(Path v) {
            upgradeDir = v;
            return this;
        }

        public Builder upgradeTimeout(Duration v) {
            upgradeTimeout = v;
            return this;
        }

        public Builder checkInterval(Duration v) {
            checkInterval = v;
            return this;
        }

        public AgentConfig build() {
            return new AgentConfig(
                    controlPlane,
                    enrollToken,
                    name,
                    dataDir,
                    listen,
                    advertise,
                    labels,
                    stopAppsOnExit,
                    stopGrace,
                    rpcTimeout,
                    fetchTimeout,
                    keepAlive,
                    logMaxBytes,
                    logKeep,
                    unpackMaxBytes,
                    unpackMaxEntries,
                    checkInInterval,
                    upgradeDir,
                    upgradeTimeout,
                    checkInterval);
        }
    }
}
