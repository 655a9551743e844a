package dev.tide.agent.support;

import dev.tide.proto.agent.v1.AppRelease;
import dev.tide.proto.agent.v1.HealthCheck;
import dev.tide.proto.agent.v1.HttpCheck;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/** Real artifacts for tests: tar.gz archives built on the fly, the example Hello app, free ports. */
public final class TestApps {
    public static final Path HELLO_SOURCE = Path.of("../deploy/examples/hello/Hello.java");

    private TestApps() {}

    /** The java launcher of the test JVM. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * A port free now, below the ephemeral range (32768 and up): a port the OS picks from that
     * range can be taken by any outgoing connection on the machine before the app binds it.
     */
    public static int freePort() {
        java.util.random.RandomGenerator random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = 10_000 + random.nextInt(20_000);
            if (!HANDED_OUT.contains(port) && bindable(port)) {
                HANDED_OUT.add(port);
                return port;
            }
        }
        throw new IllegalStateException("no free port found between 10000 and 30000");
    }

    private static boolean bindable(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new java.net.InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public static String hashOf(byte[] bytes) {
        return dev.tide.agent.apply.Sha256.hex(bytes);
    }

    public static byte[] helloTarGz() {
        try {
            return tarGz(Map.of("Hello.java", Files.readAllBytes(HELLO_SOURCE)));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + HELLO_SOURCE.toAbsolutePath(), e);
        }
    }

    /** A .tar.gz of regular files. */
    public static byte[] tarGz(Map<String, byte[]> files) {
        return tarGz(tar -> {
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                TarArchiveEntry entry = new TarArchiveEntry(f.getKey());
                entry.setSize(f.getValue().length);
                tar.putArchiveEntry(entry);
                tar.write(f.getValue());
                tar.closeArchiveEntry();
            }
        });
    }

    /** Writes entries into a .tar.gz. */
    @FunctionalInterface
    public interface TarWriter {
        void write(TarArchiveOutputStream tar) throws IOException;
    }

    public static byte[] tarGz(TarWriter writer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            writer.write(tar);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * A gzip bomb: a .tar.gz of about a thousandth of {@code bytes} holding one file of {@code
     * bytes} zeros, {@code zeros.bin}.
     */
    public static byte[] gzipBomb(long bytes) {
        return tarGz(tar -> {
            TarArchiveEntry entry = new TarArchiveEntry("zeros.bin");
            entry.setSize(bytes);
            tar.putArchiveEntry(entry);
            byte[] zeros = new byte[1 << 20];
            for (long left = bytes; left > 0; left -= zeros.length) {
                tar.write(zeros, 0, (int) Math.min(zeros.length, left));
            }
            tar.closeArchiveEntry();
        });
    }

    /**
     * A release of the Hello app on the port of label {@code port}, healthy on {@code healthPath}
     * within {@code timeoutSeconds}.
     */
    public static AppRelease hello(String version, String sha, long size, String healthPath, int timeoutSeconds) {
        return AppRelease.newBuilder()
                .setApplication("hello")
                .setVersion(version)
                .setReleaseId("rel-" + version)
                .setArtifactSha256(sha)
                .setArtifactSize(size)
                .setArtifactMediaType("application/gzip")
                .addStart(java())
                .addStart("-XX:TieredStopAtLevel=1")
                .addStart("-XX:+UseSerialGC")
                .addStart("Hello.java")
                .putEnv("PORT", "${node.label.port}")
                .putEnv("GREETING", "Hi")
                .putEnv("APP_VERSION", version)
                .putConfigFiles("conf/app.properties", "node=${node.name}\nenv=${environment.name}\n")
                .setHealthCheck(HealthCheck.newBuilder()
                        .setHttp(HttpCheck.newBuilder()
                                .setPort("${node.label.port}")
                                .setPath(healthPath))
                        .setTimeoutSeconds(timeoutSeconds))
                .build();
    }

    /** GET http://127.0.0.1:port/path; the body, or null when it does not answer 200. */
    public static String get(int port, String path) {
        try {
            HttpURLConnection conn = (HttpURLConnection)
                    URI.create("http://127.0.0.1:" + port + path).toURL().openConnection(Proxy.NO_PROXY);
            conn.setConnectTimeout(1000);
            conn.setReadTimeout(2000);
            try {
                if (conn.getResponseCode() != 200) {
                    return null;
                }
                try (InputStream in = conn.getInputStream()) {
                    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            } finally {
                conn.disconnect();
            }
        } catch (IOException e) {
            return null;
        }
    }
}
