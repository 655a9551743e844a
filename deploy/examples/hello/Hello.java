import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Tide's example application: a tiny HTTP server in one source file, run as {@code java
 * Hello.java} (no build step). Reads PORT (default 8080), GREETING (default "Hello") and
 * APP_VERSION (default: TIDE_VERSION, set by the agent). {@code /} answers the greeting with the
 * version and the node name; {@code /health} answers 200, or 503 on the nodes named in
 * UNHEALTHY_ON (comma-separated), which makes a release that is bad on some nodes easy to try
 * (see the rollback walkthrough in docs/orchestration.md). {@code /hang} makes it hang: it stops
 * answering every request, {@code /health} included, while its process stays up, which is what the
 * agent's periodic check restarts (docs/troubleshooting.md). Stops cleanly on SIGTERM.
 */
public class Hello {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(env("PORT", "8080"));
        String greeting = env("GREETING", "Hello");
        String version = env("APP_VERSION", env("TIDE_VERSION", "dev"));
        String node = env("TIDE_NODE_NAME", hostname());
        boolean healthy = !java.util.Arrays.asList(env("UNHEALTHY_ON", "").split(","))
                .contains(node);

        HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
        server.createContext("/", exchange -> {
            if (!exchange.getRequestURI().getPath().equals("/")) {
                send(exchange, 404, "not found\n");
                return;
            }
            send(exchange, 200, greeting + " from " + node + " (version " + version + ")\n");
        });
        server.createContext(
                "/health", exchange -> send(exchange, healthy ? 200 : 503, healthy ? "ok\n" : "unhealthy\n"));
        AtomicBoolean hanging = new AtomicBoolean();
        server.createContext("/hang", exchange -> {
            // The server's single thread never returns: no request is answered any more.
            hanging.set(true);
            while (true) {
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    // keep hanging
                }
            }
        });
        server.start();
        System.out.println("hello " + version + " listening on port " + port);

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("hello " + version + " stopping");
            if (!hanging.get()) {
                server.stop(1); // waits for the server's thread, which a hang keeps forever
            }
            stopped.countDown();
        }));
        stopped.await();
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
