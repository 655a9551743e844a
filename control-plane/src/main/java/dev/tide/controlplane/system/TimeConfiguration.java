package dev.tide.controlplane.system;

import java.time.Clock;
import java.time.Duration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The one {@link Clock} every component reads time from, so tests can replace it. */
@Configuration(proxyBeanMethods = false)
class TimeConfiguration {
    /**
     * Ticks in whole microseconds, the precision of PostgreSQL's {@code timestamptz}: otherwise
     * the answer to a write would show nanoseconds that every later read rounds away.
     */
    @Bean
    @ConditionalOnMissingBean
    Clock clock() {
        return Clock.tick(Clock.systemUTC(), Duration.ofNanos(1_000));
    }
}
