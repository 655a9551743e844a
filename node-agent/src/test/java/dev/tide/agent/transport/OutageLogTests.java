package dev.tide.agent.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

class OutageLogTests {
    /** What was logged, as "LEVEL message". */
    static final class Captured extends LegacyAbstractLogger {
        final List<String> lines = new ArrayList<>();

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(
                Level level, Marker marker, String format, Object[] args, Throwable t) {
            lines.add(level + " " + MessageFormatter.basicArrayFormat(format, args));
        }

        @Override
        public boolean isTraceEnabled() {
            return false;
        }

        @Override
        public boolean isDebugEnabled() {
            return true;
        }

        @Override
        public boolean isInfoEnabled() {
            return true;
        }

        @Override
        public boolean isWarnEnabled() {
            return true;
        }

        @Override
        public boolean isErrorEnabled() {
            return true;
        }
    }

    @Test
    void anOutageIsOneWarningThenEveryTenthFailureAndItsEndIsOneLine() {
        Captured log = new Captured();
        AtomicLong now = new AtomicLong();
        OutageLog outage = new OutageLog(log, "the control plane (desired state)", now::get);

        for (int i = 1; i <= 25; i++) {
            outage.failed("control plane unreachable (UNAVAILABLE: refused); retry {} in {}ms", i, 1000);
            now.addAndGet(TimeUnit.SECONDS.toNanos(3));
        }
        outage.succeeded();

        assertThat(log.lines.stream().filter(l -> l.startsWith("WARN")))
                .containsExactly(
                        "WARN control plane unreachable (UNAVAILABLE: refused); retry 1 in 1000ms (until it answers,"
                                + " every 10th failure is logged at WARN, the others at DEBUG)",
                        "WARN control plane unreachable (UNAVAILABLE: refused); retry 10 in 1000ms"
                                + " (10 failures in a row, for 27 s)",
                        "WARN control plane unreachable (UNAVAILABLE: refused); retry 20 in 1000ms"
                                + " (20 failures in a row, for 57 s)");
        assertThat(log.lines.stream().filter(l -> l.startsWith("DEBUG"))).hasSize(22);
        assertThat(log.lines.get(log.lines.size() - 1))
                .isEqualTo(
                        "INFO the control plane (desired state) answered again after 25 failure(s) in a row, for 75 s");

        // The next outage starts over, and a call that works without an outage logs nothing.
        outage.succeeded();
        outage.failed("status report not delivered ({}); retry in {}ms", "UNAVAILABLE", 500);
        assertThat(log.lines.get(log.lines.size() - 1)).startsWith("WARN status report not delivered (UNAVAILABLE)");
        assertThat(outage.failures()).isOne();
    }
}
