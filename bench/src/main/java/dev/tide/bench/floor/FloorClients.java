package dev.tide.bench.floor;

import dev.tide.bench.floor.FloorProtocol.Frame;
import dev.tide.bench.floor.FloorProtocol.Kind;
import dev.tide.bench.floor.FloorProtocol.Report;
import dev.tide.security.PeerTrustManager;
import dev.tide.security.Pem;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;

/**
 * A child JVM of the floor: {@code count} clients, each with its own channel (its own TCP connection, as
 * real agents have), all sharing one Netty event loop group and running callbacks on it (no thread per
 * client). Each client holds a {@code Subscribe} stream, answers ARM frames with a {@code Poll}, and
 * timestamps what it receives; the JVM reports a round's delays once all its clients have it.
 *
 * <p>Arguments: {@code host port worker firstClient count timeoutMillis lifetimeMillis connectBatch}. Exit
 * code 0 when the server ended the streams, 1 on any failure, 3 when the parent went away (stdin closed).
 */
public final class FloorClients {
    private final String host;
    private final int port;
    private final int worker;
    private final int firstClient;
    private final long timeoutMillis;
    private final long lifetimeMillis;
    /** The CA to trust over TLS; null for plaintext. */
    private final X509Certificate ca;

    private final EventLoopGroup group;
    private final ManagedChannel[] channels;
    private final ManagedChannel control;
    private final Semaphore opened = new Semaphore(0);
    private final AtomicInteger ended = new AtomicInteger();
    private final CompletableFuture<Void> finished = new CompletableFuture<>();
    private final ConcurrentMap<String, Collector> rounds = new ConcurrentHashMap<>();

    private FloorClients(String[] args) {
        host = args[0];
        port = Integer.parseInt(args[1]);
        worker = Integer.parseInt(args[2]);
        firstClient = Integer.parseInt(args[3]);
        channels = new ManagedChannel[Integer.parseInt(args[4])];
        timeoutMillis = Long.parseLong(args[5]);
        lifetimeMillis = Long.parseLong(args[6]);
        ca = args[8].equals("-") ? null : readCa(Path.of(args[8]));
        group = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(), NioIoHandler.newFactory());
        control = channel();
    }

    public static void main(String[] args) {
        if (args.length != 9) {
            System.out.println("usage: FloorClients host port worker firstClient count timeoutMillis lifetimeMillis"
                    + " connectBatch caFile|-");
            System.exit(2);
        }
        exitWhenParentGoes();
        int code = 1;
        FloorClients clients = null;
        try {
            clients = new FloorClients(args);
            clients.run(Integer.parseInt(args[7]));
            code = 0;
        } catch (Throwable t) {
            log("failed: " + t);
            t.printStackTrace(System.out);
        } finally {
            if (clients != null) {
                clients.shutdown();
            }
        }
        log("exit " + code);
        System.out.flush();
        System.exit(code);
    }

    private void run(int batch) throws Exception {
        long start = System.nanoTime();
        log("worker " + worker + ": " + channels.length + " clients from " + firstClient + " to " + host + ":" + port
                + ", batches of " + batch);
        for (int from = 0; from < channels.length; from += batch) {
            int to = Math.min(channels.length, from + batch);
            for (int i = from; i < to; i++) {
                channels[i] = channel();
                subscribe(i);
            }
            if (!opened.tryAcquire(to - from, timeoutMillis, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("only " + (from + opened.availablePermits()) + " of " + to
                        + " streams open after " + timeoutMillis + " ms");
            }
            failIfFinishedExceptionally();
        }
        log("worker " + worker + ": " + channels.length + " streams open in "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
        try {
            finished.get(lifetimeMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the server did not end the streams within " + lifetimeMillis + " ms");
        }
        log("worker " + worker + ": the server ended the streams");
    }

    private ManagedChannel channel() {
        NettyChannelBuilder builder = NettyChannelBuilder.forAddress(new InetSocketAddress(host, port))
                .eventLoopGroup(group)
                .channelType(NioSocketChannel.class)
                // Close with a reset: 10,000 closed connections would otherwise hold 10,000 ephemeral ports
                // in TIME_WAIT for a minute, which the next run on this machine needs.
                .withOption(ChannelOption.SO_LINGER, 0)
                .directExecutor();
        if (ca == null) {
            builder.usePlaintext();
        } else {
            // A context per client, as every Tide agent has its own: each connection pays a full handshake
            // instead of resuming the session of the one before.
            try {
                builder.sslContext(GrpcSslContexts.forClient()
                        .trustManager(PeerTrustManager.controlPlane(() -> ca, Clock.systemUTC()))
                        .build());
            } catch (SSLException e) {
                throw new IllegalStateException(e);
            }
        }
        return builder.build();
    }

    private static X509Certificate readCa(Path file) {
        try {
            return Pem.parseCertificates(Files.readString(file, StandardCharsets.US_ASCII))
                    .get(0);
        } catch (IOException | CertificateException e) {
            throw new IllegalStateException("cannot read the CA from " + file + ": " + e.getMessage(), e);
        }
    }

    private void subscribe(int index) {
        ManagedChannel channel = channels[index];
        int client = firstClient + index;
        ClientCalls.asyncServerStreamingCall(
                channel.newCall(
                        FloorProtocol.SUBSCRIBE,
                        CallOptions.DEFAULT.withDeadlineAfter(lifetimeMillis, TimeUnit.MILLISECONDS)),
                FloorProtocol.ints(client),
                new StreamObserver<>() {
                    @Override
                    public void onNext(byte[] bytes) {
                        long received = System.nanoTime();
                        Frame frame = Frame.read(bytes);
                        switch (frame.type()) {
                            case FloorProtocol.HELLO -> opened.release();
                            case FloorProtocol.DATA -> record(Kind.STREAM, frame.round(), received - frame.t0Nanos());
                            case FloorProtocol.ARM -> poll(channel, client, frame.round());
                            default -> fail("client " + client + ": unknown frame " + frame);
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        fail("client " + client + ": stream failed: " + t);
                    }

                    @Override
                    public void onCompleted() {
                        if (ended.incrementAndGet() == channels.length) {
                            finished.complete(null);
                        }
                    }
                });
    }

    private void poll(ManagedChannel channel, int client, int round) {
        ClientCalls.asyncUnaryCall(
                channel.newCall(
                        FloorProtocol.POLL,
                        CallOptions.DEFAULT.withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS)),
                FloorProtocol.ints(client, round),
                new StreamObserver<>() {
                    @Override
                    public void onNext(byte[] bytes) {
                        long received = System.nanoTime();
                        Frame frame = Frame.read(bytes);
                        record(Kind.POLL, frame.round(), received - frame.t0Nanos());
                    }

                    @Override
                    public void onError(Throwable t) {
                        fail("client " + client + ": poll of round " + round + " failed: " + t);
                    }

                    @Override
                    public void onCompleted() {}
                });
    }

    private void record(Kind kind, int round, long delayNanos) {
        Collector collector = rounds.computeIfAbsent(kind + "/" + round, key -> new Collector(channels.length));
        long[] full = collector.add(delayNanos);
        if (full != null) {
            rounds.remove(kind + "/" + round);
            report(new Report(kind, round, worker, full));
        }
    }

    private void report(Report report) {
        ClientCalls.asyncUnaryCall(
                control.newCall(
                        FloorProtocol.REPORT,
                        CallOptions.DEFAULT.withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS)),
                report.bytes(),
                new StreamObserver<>() {
                    @Override
                    public void onNext(byte[] reply) {}

                    @Override
                    public void onError(Throwable t) {
                        fail("report of " + report.kind() + " round " + report.round() + " failed: " + t);
                    }

                    @Override
                    public void onCompleted() {}
                });
    }

    private void fail(String message) {
        if (finished.completeExceptionally(new IllegalStateException(message))) {
            log(message);
        }
    }

    private void failIfFinishedExceptionally() throws InterruptedException {
        if (finished.isCompletedExceptionally()) {
            try {
                finished.get();
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
            }
        }
    }

    private void shutdown() {
        for (ManagedChannel channel : channels) {
            if (channel != null) {
                channel.shutdownNow();
            }
        }
        control.shutdownNow();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** The parent holds our stdin open; end of input means it is gone, and we must not outlive it. */
    private static void exitWhenParentGoes() {
        Thread watcher = new Thread(
                () -> {
                    try {
                        while (System.in.read() >= 0) {
                            // The parent never writes; keep reading until the pipe closes.
                        }
                    } catch (java.io.IOException ignored) {
                        // Same as end of input.
                    }
                    log("parent gone (stdin closed); exiting");
                    Runtime.getRuntime().halt(3);
                },
                "floor-parent-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    private static void log(String message) {
        System.out.println(Instant.now() + " " + message);
    }

    /** One round's delays in this JVM; hands them back once every client has one. */
    private static final class Collector {
        private final long[] delays;
        private int filled;

        Collector(int clients) {
            delays = new long[clients];
        }

        synchronized long[] add(long delayNanos) {
            delays[filled++] = delayNanos;
            return filled == delays.length ? delays : null;
        }
    }
}
