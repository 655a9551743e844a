package dev.tide.bench.floor;

import dev.tide.bench.floor.FloorProtocol.Kind;
import dev.tide.bench.floor.FloorProtocol.Report;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The floor's server: plain grpc-java on Netty NIO (the transport the control plane runs on), handlers on
 * the event loop (direct executor) since they only record and hand over. It keeps the open streams and the
 * parked polls, sends to them when told, and collects the clients' reports.
 */
final class FloorServer implements AutoCloseable {
    private final int clients;
    private final EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final EventLoopGroup workers =
            new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(), NioIoHandler.newFactory());
    private final Queue<StreamObserver<byte[]>> streams = new ConcurrentLinkedQueue<>();
    private final AtomicInteger subscribed = new AtomicInteger();
    private final ConcurrentMap<Integer, Parked> parked = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Tally> tallies = new ConcurrentHashMap<>();
    private final Object changes = new Object();
    private final Server server;

    private FloorServer(int clients, SslContext tls) throws IOException {
        this.clients = clients;
        ServerServiceDefinition service = ServerServiceDefinition.builder(FloorProtocol.SERVICE)
                .addMethod(FloorProtocol.SUBSCRIBE, ServerCalls.asyncServerStreamingCall(this::subscribe))
                .addMethod(FloorProtocol.POLL, ServerCalls.asyncUnaryCall(this::poll))
                .addMethod(FloorProtocol.REPORT, ServerCalls.asyncUnaryCall(this::report))
                .build();
        NettyServerBuilder builder =
                NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        if (tls != null) {
            builder.sslContext(tls);
        }
        this.server = builder.bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers)
                .channelType(NioServerSocketChannel.class)
                .directExecutor()
                .addService(service)
                .build();
    }

    /** {@code tls}: the server's TLS context, or null for plaintext. */
    static FloorServer start(int clients, SslContext tls) throws IOException {
        FloorServer floor = new FloorServer(clients, tls);
        try {
            floor.server.start();
            return floor;
        } catch (IOException | RuntimeException e) {
            floor.close();
            throw e;
        }
    }

    int port() {
        return server.getPort();
    }

    int subscribed() {
        return subscribed.get();
    }

    int parked(int round) {
        return parked(round, false).count().get();
    }

    Tally tally(Kind kind, int round) {
        return tallies.computeIfAbsent(kind + "/" + round, key -> new Tally(clients));
    }

    /** Sends {@code frame} on every open stream, from the calling thread. */
    void broadcast(byte[] frame) {
        for (StreamObserver<byte[]> stream : streams) {
            stream.onNext(frame);
        }
    }

    /** Answers every call parked for {@code round} with {@code frame}. */
    void answer(int round, byte[] frame) {
        for (StreamObserver<byte[]> call : parked(round, true).calls()) {
            call.onNext(frame);
            call.onCompleted();
        }
    }

    private Parked parked(int round, boolean remove) {
        Parked calls =
                parked.computeIfAbsent(round, r -> new Parked(new ConcurrentLinkedQueue<>(), new AtomicInteger()));
        if (remove) {
            parked.remove(round);
        }
        return calls;
    }

    /** Ends every stream: the clients take this as the end of the measurement and exit. */
    void finish() {
        streams.forEach(StreamObserver::onCompleted);
    }

    /** Waits until {@code done} holds, for at most {@code millis}; woken when a count reaches the number of clients. */
    void await(BooleanSupplier done, long millis) throws InterruptedException {
        synchronized (changes) {
            if (!done.getAsBoolean()) {
                changes.wait(Math.max(1, millis));
            }
        }
    }

    private void reached(int count) {
        if (count >= clients) {
            synchronized (changes) {
                changes.notifyAll();
            }
        }
    }

    private void subscribe(byte[] request, StreamObserver<byte[]> stream) {
        streams.add(stream);
        stream.onNext(FloorProtocol.stamp(FloorProtocol.frame(FloorProtocol.HELLO, 0, 0), System.nanoTime()));
        reached(subscribed.incrementAndGet());
    }

    private void poll(byte[] request, StreamObserver<byte[]> call) {
        int round = FloorProtocol.intAt(request, 1);
        Parked calls = parked(round, false);
        calls.calls().add(call);
        reached(calls.count().incrementAndGet());
    }

    private void report(byte[] request, StreamObserver<byte[]> reply) {
        Report report = Report.read(request);
        Tally tally = tally(report.kind(), report.round());
        if (!tally.add(report.delaysNanos())) {
            reply.onError(Status.INVALID_ARGUMENT
                    .withDescription("more reports than clients for " + report.kind() + " round " + report.round())
                    .asRuntimeException());
            return;
        }
        reply.onNext(new byte[0]);
        reply.onCompleted();
        reached(tally.filled());
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        try {
            boss.terminationFuture().await(5, TimeUnit.SECONDS);
            workers.terminationFuture().await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The calls parked for one long-poll round, and how many (a queue's size is not constant-time). */
    private record Parked(Queue<StreamObserver<byte[]>> calls, AtomicInteger count) {}

    /** The delays reported for one round, from all client JVMs together. */
    static final class Tally {
        private final long[] delaysNanos;
        private int filled;

        Tally(int clients) {
            this.delaysNanos = new long[clients];
        }

        synchronized boolean add(long[] part) {
            if (filled + part.length > delaysNanos.length) {
                return false;
            }
            System.arraycopy(part, 0, delaysNanos, filled, part.length);
            filled += part.length;
            return true;
        }

        synchronized int filled() {
            return filled;
        }

        synchronized long[] delaysNanos() {
            return delaysNanos.clone();
        }
    }
}
