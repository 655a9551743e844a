package dev.tide.agent.cli;

import dev.tide.agent.AgentConfig;
import dev.tide.agent.HostPort;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds the {@link AgentConfig} from flags, environment variables and a properties file, in that
 * order of precedence. Labels merge key by key with the same precedence.
 */
final class AgentOptions {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)?");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|k|kb|m|mb|g|gb)?");

    /** The outcome: either help was asked for, or a validated config. */
    record Parsed(boolean help, AgentConfig config) {}

    private final Map<Flag, List<String>> flags = new LinkedHashMap<>();
    private final Map<String, String> env;
    private final Properties file = new Properties();
    private String fileName = "";

    private AgentOptions(Map<String, String> env) {
        this.env = env;
    }

    static Parsed parse(String[] args, Map<String, String> env) throws UsageException {
        AgentOptions options = new AgentOptions(env);
        options.readArgs(args);
        if (options.flags.containsKey(Flag.HELP)) {
            return new Parsed(true, null);
        }
        options.readFile();
        return new Parsed(false, options.build());
    }

    private void readArgs(String[] args) throws UsageException {
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("-h")) {
                arg = "--help";
            }
            if (!arg.startsWith("--")) {
                throw new UsageException("unexpected argument '" + arg + "' (see --help)");
            }
            int eq = arg.indexOf('=');
            String name = arg.substring(2, eq < 0 ? arg.length() : eq);
            Flag flag =
                    Flag.byName(name).orElseThrow(() -> new UsageException("unknown flag --" + name + " (see --help)"));
            String value;
            if (eq >= 0) {
                value = arg.substring(eq + 1);
            } else if (flag.isSwitch()) {
                value = "true";
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                value = args[++i];
            } else {
                throw new UsageException(flag.flag() + ": missing value " + flag.arg());
            }
            if (flag != Flag.LABEL && flags.containsKey(flag)) {
                throw new UsageException(flag.flag() + ": given more than once");
            }
            flags.computeIfAbsent(flag, f -> new ArrayList<>()).add(value);
        }
    }

    private void readFile() throws UsageException {
        String path = flagOrEnv(Flag.CONFIG);
        if (path == null) {
            return;
        }
        fileName = path;
        try (Reader reader = Files.newBufferedReader(Path.of(path), StandardCharsets.UTF_8)) {
            file.load(reader);
        } catch (IOException | RuntimeException e) {
            throw new UsageException("--config: cannot read " + path + ": " + e.getMessage());
        }
        for (String key : file.stringPropertyNames()) {
            boolean known = key.startsWith("label.")
                    || key.equals("labels")
                    || (Flag.byName(key).isPresent() && !key.equals("help") && !key.equals("config"));
            if (!known) {
                throw new UsageException("--config: unknown setting '" + key + "' in " + path);
            }
        }
    }

    private AgentConfig build() throws UsageException {
        try {
            HostPort controlPlane = hostPort(Flag.CONTROL_PLANE);
            String dataDir = value(Flag.DATA_DIR);
            if (controlPlane == null) {
                throw new UsageException("--control-plane: required (HOST:PORT of the control plane)");
            }
            if (dataDir == null || dataDir.isBlank()) {
                throw new UsageException("--data-dir: required");
            }
            AgentConfig.Builder b = AgentConfig.builder(controlPlane, Path.of(dataDir))
                    .enrollToken(value(Flag.ENROLL_TOKEN))
                    .name(value(Flag.NAME))
                    .listen(hostPort(Flag.LISTEN))
                    .advertise(hostPort(Flag.ADVERTISE))
                    .labels(labels());
            set(Flag.STOP_APPS_ON_EXIT, AgentOptions::bool, b::stopAppsOnExit);
            set(Flag.STOP_GRACE, AgentOptions::parseDuration, b::stopGrace);
            set(Flag.RPC_TIMEOUT, AgentOptions::parseDuration, b::rpcTimeout);
            set(Flag.FETCH_TIMEOUT, AgentOptions::parseDuration, b::fetchTimeout);
            set(Flag.KEEPALIVE, AgentOptions::parseDuration, b::keepAlive);
            set(Flag.LOG_MAX_SIZE, AgentOptions::size, b::logMaxBytes);
            set(Flag.LOG_KEEP, AgentOptions::integer, b::logKeep);
            set(Flag.UNPACK_MAX_SIZE, AgentOptions::size, b::unpackMaxBytes);
            set(Flag.UNPACK_MAX_ENTRIES, AgentOptions::integer, b::unpackMaxEntries);
            set(Flag.CHECK_IN_INTERVAL, AgentOptions::parseDuration, b::checkInInterval);
            set(Flag.UPGRADE_DIR, (flag, text) -> Path.of(text.trim()), b::upgradeDir);
            set(Flag.UPGRADE_TIMEOUT, AgentOptions::parseDuration, b::upgradeTimeout);
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** Flag, then environment, then file. */
    private String value(Flag flag) {
        String v = flagOrEnv(flag);
        return v != null ? v : file.getProperty(flag.name());
    }

    private String flagOrEnv(Flag flag) {
        List<String> given = flags.get(flag);
        if (given != null) {
            return given.get(given.size() - 1);
        }
        String fromEnv = env.get(flag.env());
        return fromEnv == null || fromEnv.isEmpty() ? null : fromEnv;
    }

    private Map<String, String> labels() throws UsageException {
        Map<String, String> labels = new LinkedHashMap<>();
        for (String key : file.stringPropertyNames()) {
            if (key.startsWith("label.")) {
                labels.put(key.substring("label.".length()), file.getProperty(key));
            }
        }
        addLabels(labels, file.getProperty("labels"), "--config " + fileName + " labels");
        addLabels(labels, env.get(Flag.LABEL.env()), Flag.LABEL.env());
        for (String label : flags.getOrDefault(Flag.LABEL, List.of())) {
            addLabels(labels, label, "--label");
        }
        return labels;
    }

    private static void addLabels(Map<String, String> labels, String list, String source) throws UsageException {
        if (list == null || list.isBlank()) {
            return;
        }
        for (String pair : list.split(",")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new UsageException(source + ": expected KEY=VALUE, got '" + pair.trim() + "'");
            }
            labels.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
        }
    }

    private HostPort hostPort(Flag flag) throws UsageException {
        String v = value(flag);
        if (v == null) {
            return null;
        }
        try {
            return HostPort.parse(v);
        } catch (IllegalArgumentException e) {
            throw new UsageException(flag.flag() + ": " + e.getMessage());
        }
    }

    /** Reads one typed setting; its parser names the flag when the text is wrong. */
    @FunctionalInterface
    private interface Parser<T> {
        T parse(Flag flag, String text) throws UsageException;
    }

    /** Hands the setting to {@code setter} when it is given anywhere. */
    private <T> void set(Flag flag, Parser<T> parser, java.util.function.Consumer<T> setter) throws UsageException {
        String v = value(flag);
        if (v != null) {
            setter.accept(parser.parse(flag, v));
        }
    }

    static Duration parseDuration(Flag flag, String text) throws UsageException {
        String v = text.trim().toLowerCase(Locale.ROOT);
        Matcher m = DURATION.matcher(v);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            return switch (unit) {
                case "ms" -> Duration.ofMillis(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofSeconds(n);
            };
        }
        try {
            return Duration.parse(text.trim());
        } catch (DateTimeParseException e) {
            throw new UsageException(flag.flag() + ": expected a duration like 10s, 500ms or 2m, got '" + text + "'");
        }
    }

    private static long size(Flag flag, String text) throws UsageException {
        Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new UsageException(flag.flag() + ": expected a size like 10MB, got '" + text + "'");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2);
        return switch (unit.charAt(0)) {
            case 'k' -> n * 1024;
            case 'm' -> n * 1024 * 1024;
            case 'g' -> n * 1024 * 1024 * 1024;
            default -> n;
        };
    }

    private static int integer(Flag flag, String text) throws UsageException {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(flag.flag() + ": expected a number, got '" + text + "'");
        }
    }

    private static boolean bool(Flag flag, String text) throws UsageException {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1", "on" -> true;
            case "false", "no", "0", "off" -> false;
            default -> throw new UsageException(flag.flag() + ": expected true or false, got '" + text + "'");
        };
    }
}
