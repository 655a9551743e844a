package dev.tide.agent.apply;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.agent.supervise.ProcessLauncher;
import dev.tide.agent.supervise.Workload;
import dev.tide.agent.supervise.WorkloadSpec;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ProbeHealthCheckerTests {
    @Test
    void probesStartCloseTogetherAndSpaceOutToATenthOfASecond() {
        List<Long> intervals = new ArrayList<>();
        Duration d = Duration.ofMillis(10);
        for (int i = 0; i < 8; i++) {
            intervals.add(d.toMillis());
            d = ProbeHealthChecker.nextInterval(d);
        }

        assertThat(intervals).containsExactly(10L, 20L, 40L, 80L, 100L, 100L, 100L, 100L);
    }

    /** A process that stays up for the whole check. */
    private static final Workload RUNNING = new Workload() {
        @Override
        public long pid() {
            return 1;
        }

        @Override
        public java.time.Instant startedAt() {
            return java.time.Instant.now();
        }

        @Override
        public boolean isAlive() {
            return true;
        }

        @Override
        public CompletableFuture<OptionalInt> onExit() {
            return new CompletableFuture<>();
        }

        @Override
        public void stop(Duration grace) {}
    };

    private static ResolvedHealthCheck httpCheck(int port, Duration timeout) {
        WorkloadSpec app = new WorkloadSpec(
                "web", "1", Path.of("."), java.util.List.of("true"), java.util.Map.of(), null, null, null);
        return new ResolvedHealthCheck(
                ResolvedHealthCheck.Kind.HTTP, port, "/health", java.util.List.of(), timeout, app);
    }

    @Test
    void anAppThatStartsListeningLateIsHealthyOnceItAnswers2xx() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        int appPort = port;
        Thread app = new Thread(() -> {
            try {
                Thread.sleep(300); // not listening for the first probes
                try (ServerSocket server = new ServerSocket(appPort, 5, InetAddress.getLoopbackAddress())) {
                    while (true) {
                        try (Socket s = server.accept()) {
                            s.getInputStream().read(new byte[1024]);
                            OutputStream out = s.getOutputStream();
                            out.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                                    .getBytes(StandardCharsets.US_ASCII));
                        }
                    }
                }
            } catch (Exception e) {
                // test over
            }
        });
        app.setDaemon(true);
        app.start();

        HealthChecker.Result result = new ProbeHealthChecker(Clock.systemUTC(), ProcessLauncher.system())
                .await(httpCheck(appPort, Duration.ofSeconds(20)), Path.of("."), RUNNING);

        assertThat(result.healthy()).isTrue();
    }

    @Test
    void nothingListeningFailsNamingThePort() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }

        HealthChecker.Result result = new ProbeHealthChecker(Clock.systemUTC(), ProcessLauncher.system())
                .await(httpCheck(port, Duration.ofSeconds(1)), Path.of("."), RUNNING);

        assertThat(result.healthy()).isFalse();
        assertThat(result.message()).contains("nothing listens on port " + port);
    }

    @Test
    void oneProbeOfAnAppThatListensButDoesNotAnswerFailsWithinTheProbeTimeout() throws Exception {
        try (ServerSocket hung = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            // accepts connections (the backlog does) but never answers: a hung app
            long start = System.nanoTime();
            HealthChecker.Result result = new ProbeHealthChecker(Clock.systemUTC(), ProcessLauncher.system())
                    .probe(httpCheck(hung.getLocalPort(), Duration.ofSeconds(60)), Path.of("."), RUNNING);

            assertThat(result.healthy()).isFalse();
            assertThat(result.message()).contains("health check").contains("timed out");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        }
    }
}
