package dev.tide.agent.cli;

import dev.tide.agent.AgentConfig;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One setting of the agent: a flag {@code --name}, an environment variable {@code
 * TIDE_AGENT_NAME} and a config-file key {@code name}.
 *
 * @param name flag name without dashes, also the config-file key
 * @param arg placeholder for the value in --help; null for a switch
 * @param help one line for --help
 */
record Flag(String name, String arg, String help) {
    static final Flag CONTROL_PLANE = new Flag("control-plane", "HOST:PORT", "control plane gRPC address (required)");
    static final Flag ENROLL_TOKEN =
            new Flag("enroll-token", "TOKEN", "single-use enrollment token (needed on first start only)");
    static final Flag NAME = new Flag("name", "NAME", "node name to enroll with (needed on first start only)");
    static final Flag DATA_DIR =
            new Flag("data-dir", "DIR", "identity, state, artifacts, releases and app logs (required)");
    static final Flag LISTEN = new Flag(
            "listen",
            "HOST:PORT",
            "serve push sessions here, e.g. 0.0.0.0:" + AgentConfig.PUSH_PORT + "; without it the agent only pulls");
    static final Flag ADVERTISE =
            new Flag("advertise", "HOST:PORT", "push endpoint to tell the control plane (default: --listen)");
    static final Flag LABEL = new Flag("label", "KEY=VALUE", "node label, repeatable (env: TIDE_AGENT_LABELS=k=v,k=v)");
    static final Flag CONFIG =
            new Flag("config", "FILE", "properties file with these settings (keys without --, labels=k=v,k=v)");
    static final Flag STOP_APPS_ON_EXIT =
            new Flag("stop-apps-on-exit", null, "stop the applications when the agent stops (default: keep them)");
    static final Flag STOP_GRACE =
            new Flag("stop-grace", "DURATION", "time between SIGTERM and SIGKILL when stopping an app (default 10s)");
    static final Flag RPC_TIMEOUT =
            new Flag("rpc-timeout", "DURATION", "deadline of calls to the control plane (default 10s)");
    static final Flag FETCH_TIMEOUT =
            new Flag("fetch-timeout", "DURATION", "deadline of one artifact download (default 10m)");
    static final Flag KEEPALIVE =
            new Flag("keepalive", "DURATION", "gRPC keepalive ping interval during calls (default 60s)");
    static final Flag LOG_MAX_SIZE =
            new Flag("log-max-size", "SIZE", "rotate an app's stdout/stderr log at this size (default 10MB)");
    static final Flag LOG_KEEP = new Flag("log-keep", "N", "rotated app log files to keep (default 3)");
    static final Flag UNPACK_MAX_SIZE =
            new Flag("unpack-max-size", "SIZE", "most an artifact may unpack to (default 20x its size, 64MB to 2GB)");
    static final Flag UNPACK_MAX_ENTRIES =
            new Flag("unpack-max-entries", "N", "most files, folders and links in one artifact (default 100000)");
    static final Flag CHECK_IN_INTERVAL = new Flag(
            "check-in-interval",
            "DURATION",
            "in PUSH mode, report to the control plane this often anyway, with the push endpoint (default 5m)");
    static final Flag UPGRADE_DIR = new Flag(
            "upgrade-dir",
            "DIR",
            "folder for self-upgrades, shared with the tide-agent launcher, which sets it (default: none, no upgrades)");
    static final Flag UPGRADE_TIMEOUT = new Flag(
            "upgrade-timeout",
            "DURATION",
            "a new agent version that has not reached the control plane by then is reverted (default 2m)");
    static final Flag CHECK_INTERVAL = new Flag(
            "check-interval",
            "DURATION",
            "how often running apps are health-probed and their release files checked for drift; 0 turns it off"
                    + " (default 30s)");
    static final Flag HELP = new Flag("help", null, "print this help and exit");

    static final List<Flag> ALL = List.of(
            CONTROL_PLANE,
            ENROLL_TOKEN,
            NAME,
            DATA_DIR,
            LISTEN,
            ADVERTISE,
            LABEL,
            CONFIG,
            STOP_APPS_ON_EXIT,
            STOP_GRACE,
            RPC_TIMEOUT,
            FETCH_TIMEOUT,
            KEEPALIVE,
            LOG_MAX_SIZE,
            LOG_KEEP,
            UNPACK_MAX_SIZE,
            UNPACK_MAX_ENTRIES,
            CHECK_IN_INTERVAL,
            UPGRADE_DIR,
            UPGRADE_TIMEOUT,
            CHECK_INTERVAL,
            HELP);

    boolean isSwitch() {
        return arg == null;
    }

    String flag() {
        return "--" + name;
    }

    /** TIDE_AGENT_CONTROL_PLANE; labels come from TIDE_AGENT_LABELS. */
    String env() {
        String base = this == LABEL ? "labels" : name;
        return "TIDE_AGENT_" + base.replace('-', '_').toUpperCase(Locale.ROOT);
    }

    static Optional<Flag> byName(String name) {
        return ALL.stream().filter(f -> f.name.equals(name)).findFirst();
    }

    static String usage() {
        StringBuilder out = new StringBuilder();
        out.append("Usage: java -jar tide-agent.jar --control-plane HOST:PORT --data-dir DIR ")
                .append("[--enroll-token TOKEN --name NAME] [--listen HOST:PORT] [--label k=v]... [options]\n\n")
                .append("Runs the Tide node agent. Every flag may also be set with an environment variable\n")
                .append("TIDE_AGENT_<FLAG> (e.g. TIDE_AGENT_CONTROL_PLANE) or in the --config file;\n")
                .append("a flag wins over the environment, which wins over the file.\n\n");
        for (Flag f : ALL) {
            String left = "  " + f.flag() + (f.isSwitch() ? "" : " " + f.arg());
            out.append(String.format("%-34s %s%n", left, f.help()));
        }
        out.append("\nDURATION: 500ms, 10s, 2m, 1h (a bare number is seconds). SIZE: 512KB, 10MB, 1GB.\n")
                .append("Exit codes: 0 stopped, 1 runtime failure (e.g. enrollment refused), 2 bad input.\n");
        return out.toString();
    }
}
