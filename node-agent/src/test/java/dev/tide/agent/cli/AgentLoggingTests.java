package dev.tide.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class AgentLoggingTests {

    @Test
    void theLevelComesFromTheEnvironment() {
        Properties system = new Properties();

        AgentLogging.configure(Map.of(AgentLogging.LEVEL_VARIABLE, " DEBUG "), system);

        assertThat(system.getProperty(AgentLogging.LEVEL_PROPERTY)).isEqualTo("debug");
    }

    @Test
    void aSystemPropertyWinsAndAnUnknownLevelOrNoVariableLeavesTheDefault() {
        Properties system = new Properties();
        system.setProperty(AgentLogging.LEVEL_PROPERTY, "warn");
        AgentLogging.configure(Map.of(AgentLogging.LEVEL_VARIABLE, "debug"), system);
        assertThat(system.getProperty(AgentLogging.LEVEL_PROPERTY)).isEqualTo("warn");

        for (Map<String, String> env : java.util.List.of(
                Map.of(AgentLogging.LEVEL_VARIABLE, "chatty"),
                Map.of(AgentLogging.LEVEL_VARIABLE, ""),
                Map.<String, String>of())) {
            Properties fresh = new Properties();
            AgentLogging.configure(env, fresh);
            assertThat(fresh.getProperty(AgentLogging.LEVEL_PROPERTY))
                    .as(env.toString())
                    .isNull();
        }
    }

    @Test
    void theJarLogsStepsToStdoutAtInfoAndQuietsGrpc() throws IOException {
        Properties settings = new Properties();
        try (InputStream in = AgentLogging.class.getResourceAsStream("/simplelogger.properties")) {
            assertThat(in).isNotNull();
            settings.load(in);
        }
        assertThat(settings)
                .containsEntry("org.slf4j.simpleLogger.logFile", "System.out")
                .containsEntry("org.slf4j.simpleLogger.defaultLogLevel", "info")
                .containsEntry("org.slf4j.simpleLogger.log.io.grpc", "warn");
        // the provider the jar ships is the one SLF4J binds
        assertThat(LoggerFactory.getILoggerFactory().getClass().getName()).startsWith("org.slf4j.simple.");
        assertThat(LoggerFactory.getLogger("io.grpc.netty.shaded.io.netty.channel.Foo")
                        .isInfoEnabled())
                .isFalse();
        assertThat(LoggerFactory.getLogger(AgentLoggingTests.class).isInfoEnabled())
                .isTrue();
    }
}
