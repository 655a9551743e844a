package dev.tide.agent.apply;

import dev.tide.agent.supervise.ProcessLauncher;
import dev.tide.agent.supervise.Workload;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * Probes real processes: HTTP GET on 127.0.0.1 (2xx), a TCP connect, or a command exiting 0 (run
 * like the application itself: its folder, user and environment).
 */
public final class ProbeHealthChecker implements HealthChecker {
    /** Probes start this close together, so an app that is up in 100 ms is seen then... */
    private static final Duration FIRST_INTERVAL = Duration.ofMillis(10);
    /** ...and space out, doubling, to this for apps that take seconds (a refused connect is cheap). */
    private static final Duration INTERVAL = Duration.ofMillis(100);

    private static final int PROBE_TIMEOUT_MS = 2000;

    private final Clock clock;
    private final ProcessLauncher launcher;

    public ProbeHealthChecker(Clock clock, ProcessLauncher launcher) {
        this.clock = clock;
        this.launcher = launcher;
    }

    @Override
    public Result await(ResolvedHealthCheck check, Path workDir, Workload workload) throws InterruptedException {
        Instant deadline = clock.instant().plus(check.timeout());
        String last = "no answer";
        Duration interval = FIRST_INTERVAL;
        while (true) {
            if (!workload.isAlive()) {
                String code = workload.onExit().isDone()
                        ? workload.onExit().join().stream()
                                .mapToObj(c -> " with code " + c)
                                .findFirst()
                                .orElse("")
                        : "";
                return Result.failed("process exited" + code + " before it became healthy");
            }
            String failure = probe(check, deadline);
            if (failure == null) {
                return Result.ok();
            }
            last = failure;
            if (!clock.instant().plus(interval).isBefore(deadline)) {
                return Result.failed("health check " + check + " failed for "
                        + check.timeout().toSeconds() + "s: " + last);
            }
            Thread.sleep(interval.toMillis());
            interval = nextInterval(interval);
        }
    }

    /**
     * One probe: HTTP and TCP within {@value #PROBE_TIMEOUT_MS} ms each, a command within the
     * check's timeout.
     */
    @Override
    public Result probe(ResolvedHealthCheck check, Path workDir, Workload workload) throws InterruptedException {
        if (!workload.isAlive()) {
            return Result.failed("process exited");
        }
        String failure = probe(check, clock.instant().plus(check.timeout()));
        return failure == null ? Result.ok() : Result.failed("health check " + check + ": " + failure);
    }

    static Duration nextInterval(Duration interval) {
        Duration doubled = interval.multipliedBy(2);
        return doubled.compareTo(INTERVAL) < 0 ? doubled : INTERVAL;
    }

    /** Null when healthy, otherwise what went wrong. */
    private String probe(ResolvedHealthCheck check, Instant deadline) throws InterruptedException {
        return switch (check.kind()) {
            case NONE -> null;
            case HTTP -> {
                // Until the app listens, a plain connect says so for a fraction of an HTTP client's
                // CPU: profiled with 50 agents, probing slow starters was a third of a deployment's.
                String closed = tcp(check.port());
                yield closed != null
                        ? "nothing listens on port " + check.port() + " (" + closed + ")"
                        : http(check.port(), check.path());
            }
            case TCP -> tcp(check.port());
            case COMMAND -> command(check, deadline);
        };
    }

    static String http(int port, String path) {
        HttpURLConnection conn = null;
        try {
            conn = (HttpURLConnection)
                    URI.create("http://127.0.0.1:" + port + path).toURL().openConnection(Proxy.NO_PROXY);
            conn.setConnectTimeout(PROBE_TIMEOUT_MS);
            conn.setReadTimeout(PROBE_TIMEOUT_MS);
            conn.setInstanceFollowRedirects(false);
            int status = conn.getResponseCode();
            try (InputStream in = status < 400 ? conn.getInputStream() : conn.getErrorStream()) {
                if (in != null) {
                    in.readAllBytes();
                }
            }
            return status >= 200 && status < 300 ? null : "HTTP " + status;
        } catch (IOException | IllegalArgumentException e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        } finally {
            if (conn != null) {
                conn.disconnect();
            }
        }
    }

    private static String tcp(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), PROBE_TIMEOUT_MS);
            return null;
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    private String command(ResolvedHealthCheck check, Instant deadline) throws InterruptedException {
        Process p = null;
        try {
            p = launcher.builder(check.argv(), check.app())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectErrorStream(true)
                    .start();
            long waitMs =
                    Math.max(100, Duration.between(clock.instant(), deadline).toMillis());
            if (!p.waitFor(waitMs, TimeUnit.MILLISECONDS)) {
                return "command did not finish in time";
            }
            return p.exitValue() == 0 ? null : "command exited with " + p.exitValue();
        } catch (IOException e) {
            return "cannot run command: " + e.getMessage();
        } finally {
            if (p != null && p.isAlive()) {
                p.destroyForcibly();
            }
        }
    }
}
