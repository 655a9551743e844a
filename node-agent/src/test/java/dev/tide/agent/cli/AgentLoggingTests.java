package dev.tide.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.core.ConsoleAppender;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class AgentLoggingTests {

    @Test
    void logsStepsToStdoutAtTheLevelFromTheEnvironmentAndQuietsGrpc() {
        LoggerContext context = new LoggerContext();

        assertThat(AgentLogging.configure(context, false, "DEBUG"))
                .isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);

        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        assertThat(root.getLevel()).isEqualTo(Level.DEBUG);
        assertThat(root.getAppender("CONSOLE")).isInstanceOf(ConsoleAppender.class);
        assertThat(context.getLogger("io.grpc.netty").getEffectiveLevel()).isEqualTo(Level.WARN);
    }

    @Test
    void infoWithoutTheVariableOrWithAValueItDoesNotKnow() {
        for (String level : new String[] {null, "", "chatty"}) {
            LoggerContext context = new LoggerContext();
            AgentLogging.configure(context, false, level);
            assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getLevel())
                    .as(level)
                    .isEqualTo(Level.INFO);
        }
    }

    @Test
    void aLogbackFileOnTheClasspathWins() {
        LoggerContext context = new LoggerContext();

        assertThat(AgentLogging.configure(context, true, "DEBUG")).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
        assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("CONSOLE"))
                .isNull();
    }

    @Test
    void logbackFindsItAsAService() {
        assertThat(ServiceLoader.load(ch.qos.logback.classic.spi.Configurator.class).stream()
                        .map(p -> p.type().getName()))
                .contains(AgentLogging.class.getName());
    }
}
