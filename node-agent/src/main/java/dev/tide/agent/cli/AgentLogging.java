package dev.tide.agent.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The agent's logging: one line per meaningful step on stdout, {@code TIDE_AGENT_LOG_LEVEL=DEBUG}
 * for more. Set up in code rather than from a logback.xml because parsing XML at start-up loaded
 * about 400 classes (an XML parser, logback's Joran) and cost a fifth of the agent's start time and
 * a few MB of its idle memory. A logback.xml or logback-test.xml on the classpath, or
 * {@code -Dlogback.configurationFile}, still wins.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_LOW_PRIORITY)
public final class AgentLogging extends ContextAwareBase implements Configurator {
    /** The environment variable with the root log level. */
    static final String LEVEL_VARIABLE = "TIDE_AGENT_LOG_LEVEL";

    static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{0}: %msg%n";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        ClassLoader loader = AgentLogging.class.getClassLoader();
        boolean fileConfigured = System.getProperty("logback.configurationFile") != null
                || loader.getResource("logback-test.xml") != null
                || loader.getResource("logback.xml") != null;
        return configure(context, fileConfigured, System.getenv(LEVEL_VARIABLE));
    }

    static ExecutionStatus configure(LoggerContext context, boolean fileConfigured, String level) {
        if (fileConfigured) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("CONSOLE");
        console.setEncoder(encoder);
        console.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(level, Level.INFO));
        root.addAppender(console);
        context.getLogger("io.grpc").setLevel(Level.WARN);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
