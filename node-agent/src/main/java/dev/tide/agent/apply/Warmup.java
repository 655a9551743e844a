package dev.tide.agent.apply;

import dev.tide.agent.state.AgentState;
import dev.tide.agent.state.AppRecord;
import dev.tide.agent.state.FileStateStore;
import dev.tide.proto.agent.v1.AppRelease;
import dev.tide.proto.agent.v1.AppState;
import dev.tide.proto.agent.v1.DesiredState;
import dev.tide.proto.agent.v1.HealthCheck;
import dev.tide.proto.agent.v1.HttpCheck;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Walks the apply path once on a tiny release of its own, in a scratch folder, right after the
 * agent starts: hash, unpack, protect, the state file, a process start and an HTTP probe. A JVM
 * loads and compiles each of these the first time it needs them; measured with 10 real agents,
 * that made an agent's first deployment cost 2–4 times the CPU of the next one, and on a node
 * running many agents (or a small one) the first deployment waited for it. The agent is idle at
 * start, so it pays the cost then. Nothing outside the scratch folder is touched, and a failure
 * here only means the first deployment pays it instead.
 */
public final class Warmup {
    private static final Logger log = LoggerFactory.getLogger(Warmup.class);

    private Warmup() {}

    /** Runs the walk under {@code dataDir}; never throws. */
    public static void run(Path dataDir) {
        long start = System.nanoTime();
        Path scratch = dataDir.resolve(
                ".warmup-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try {
            Files.createDirectories(scratch);
            walk(scratch);
            log.debug("apply path warmed up in {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        } catch (IOException | ApplyException | RuntimeException e) {
            log.debug("apply path warm-up skipped: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            SafePaths.deleteTree(scratch);
        }
    }

    private static void walk(Path scratch) throws IOException, ApplyException, InterruptedException {
        Path artifact = scratch.resolve("artifact.tar.gz");
        Files.write(artifact, tarGz());
        String sha = Sha256.hex(artifact);
        Path release = scratch.resolve("release");
        Unpacker.unpack(artifact, "application/gzip", release, UnpackLimits.defaults());
        FileModes.protectRelease(release, null);

        AppRelease app = AppRelease.newBuilder()
                .setApplication("warmup")
                .setVersion("1")
                .setArtifactSha256(sha)
                .addStart("true")
                .putEnv("PORT", "0")
                .setHealthCheck(HealthCheck.newBuilder()
                        .setHttp(HttpCheck.newBuilder().setPort("0").setPath("/")))
                .build();
        DesiredState.parseFrom(
                DesiredState.newBuilder().addApplications(app).build().toByteArray());
        FileStateStore store = new FileStateStore(scratch);
        store.save(AgentState.EMPTY.withApp(
                "warmup", new AppRecord(app, app, null, 1, Instant.now(), AppState.HEALTHY, "")));
        store.load();

        Path tru = Path.of("/bin/true");
        if (Files.isExecutable(tru)) {
            Process p = new ProcessBuilder(tru.toString())
                    .directory(release.toFile())
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(
                            scratch.resolve("out.log").toFile()))
                    .redirectError(ProcessBuilder.Redirect.appendTo(
                            scratch.resolve("err.log").toFile()))
                    .start();
            p.toHandle().info().startInstant();
            p.onExit();
            p.waitFor(5, TimeUnit.SECONDS);
        }
        probeOnce();
    }

    /** One HTTP probe against a one-shot local server that answers 200. */
    private static void probeOnce() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            server.setSoTimeout(5000);
            Thread answer = new Thread(
                    () -> {
                        try (Socket s = server.accept()) {
                            InputStream in = s.getInputStream();
                            byte[] buf = new byte[1024];
                            in.read(buf);
                            OutputStream out = s.getOutputStream();
                            out.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                                    .getBytes(StandardCharsets.US_ASCII));
                            out.flush();
                        } catch (IOException e) {
                            // the probe reports it
                        }
                    },
                    "tide-warmup-probe");
            answer.setDaemon(true);
            answer.start();
            ProbeHealthChecker.http(server.getLocalPort(), "/");
        }
    }

    private static byte[] tarGz() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes))) {
            byte[] content = "warm-up\n".getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry entry = new TarArchiveEntry("bin/app.txt");
            entry.setSize(content.length);
            entry.setMode(0644);
            tar.putArchiveEntry(entry);
            tar.write(content);
            tar.closeArchiveEntry();
        }
        return bytes.toByteArray();
    }
}
