package dev.tide.agent.cli;

import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * The agent's logging: SLF4J's simple provider, set up by {@code simplelogger.properties} in the
 * jar (one line per meaningful step on stdout), with the root level from {@code
 * TIDE_AGENT_LOG_LEVEL}. Not logback: its configuration machinery loaded about 500 classes at
 * start-up and held 4 MB of the idle agent's memory.
 */
public final class AgentLogging {
    /** The environment variable with the root log level. */
    static final String LEVEL_VARIABLE = "TIDE_AGENT_LOG_LEVEL";

    /** The simple provider's root level; a {@code -D} on the command line wins over the variable. */
    static final String LEVEL_PROPERTY = "org.slf4j.simpleLogger.defaultLogLevel";

    private static final Set<String> LEVELS = Set.of("trace", "debug", "info", "warn", "error", "off");

    private AgentLogging() {}

    /**
     * Applies {@code TIDE_AGENT_LOG_LEVEL} to {@code system}. Must run before the first logger is
     * made, since the provider reads its settings once. A level it does not know leaves INFO.
     */
    static void configure(Map<String, String> env, Properties system) {
        String level = env.get(LEVEL_VARIABLE);
        if (level == null || system.getProperty(LEVEL_PROPERTY) != null) {
            return;
        }
        String normalized = level.trim().toLowerCase(Locale.ROOT);
        if (LEVELS.contains(normalized)) {
            system.setProperty(LEVEL_PROPERTY, normalized);
        }
    }
}
