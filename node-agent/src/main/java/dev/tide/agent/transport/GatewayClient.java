package dev.tide.agent.transport;

import com.google.common.util.concurrent.ListenableFuture;
import dev.tide.proto.agent.v1.AgentGatewayGrpc;
import dev.tide.proto.agent.v1.ArtifactChunk;
import dev.tide.proto.agent.v1.EnrollRequest;
import dev.tide.proto.agent.v1.EnrollResponse;
import dev.tide.proto.agent.v1.FetchArtifactRequest;
import dev.tide.proto.agent.v1.GetDesiredStateRequest;
import dev.tide.proto.agent.v1.GetDesiredStateResponse;
import dev.tide.proto.agent.v1.RenewCertificateRequest;
import dev.tide.proto.agent.v1.RenewCertificateResponse;
import dev.tide.proto.agent.v1.ReportStatusResponse;
import dev.tide.proto.agent.v1.StatusReport;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The agent's side of AgentGateway: every call has a deadline, and goes over mutual TLS with the
 * node's certificate (once enrolled).
 */
public final class GatewayClient implements AutoCloseable {
    /** Receives the chunks of one artifact download. */
    @FunctionalInterface
    public interface ChunkSink<E extends Exception> {
        /** Returns false to stop the download. */
        boolean accept(ArtifactChunk chunk) throws E;
    }

    private final Supplier<ManagedChannel> opener;
    private final Duration rpcTimeout;
    private final Duration fetchTimeout;
    private volatile ManagedChannel channel;

    /**
     * {@code opener} makes the channel, now and again after {@link #reconnect()}: a renewed
     * certificate is presented only on a new connection.
     */
    public GatewayClient(Supplier<ManagedChannel> opener, Duration rpcTimeout, Duration fetchTimeout) {
        this.opener = opener;
        this.rpcTimeout = rpcTimeout;
        this.fetchTimeout = fetchTimeout;
        this.channel = opener.get();
    }

    /**
     * Opens a new channel for the next calls and lets calls in flight on the old one finish (a
     * parked long-poll ends within its wait).
     */
    public void reconnect() {
        ManagedChannel old = channel;
        channel = opener.get();
        old.shutdown();
    }

    public EnrollResponse enroll(EnrollRequest request) {
        return AgentGatewayGrpc.newBlockingStub(channel)
                .withDeadlineAfter(rpcTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .enroll(request);
    }

    public ListenableFuture<RenewCertificateResponse> renewCertificate(RenewCertificateRequest request) {
        return AgentGatewayGrpc.newFutureStub(channel)
                .withDeadlineAfter(rpcTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .renewCertificate(request);
    }

    public GetDesiredStateResponse getDesiredState(GetDesiredStateRequest request, Duration deadline) {
        return blocking(deadline).getDesiredState(request);
    }

    /** The same call without blocking a thread: a parked long-poll is only a pending future. */
    public ListenableFuture<GetDesiredStateResponse> getDesiredStateAsync(
            GetDesiredStateRequest request, Duration deadline) {
        return AgentGatewayGrpc.newFutureStub(channel)
                .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                .getDesiredState(request);
    }

    public ListenableFuture<ReportStatusResponse> reportStatus(StatusReport report) {
        return AgentGatewayGrpc.newFutureStub(channel)
                .withDeadlineAfter(rpcTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .reportStatus(report);
    }

    /** Streams an artifact into {@code sink}; the call is cancelled when the sink stops or throws. */
    public <E extends Exception> void fetchArtifact(FetchArtifactRequest request, ChunkSink<E> sink) throws E {
        Context.CancellableContext context = Context.current().withCancellation();
        Context previous = context.attach();
        try {
            Iterator<ArtifactChunk> chunks = blocking(fetchTimeout).fetchArtifact(request);
            while (chunks.hasNext()) {
                if (!sink.accept(chunks.next())) {
                    return;
                }
            }
        } finally {
            context.detach(previous);
            context.cancel(null);
        }
    }

    private AgentGatewayGrpc.AgentGatewayBlockingStub blocking(Duration deadline) {
        return AgentGatewayGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        ManagedChannel c = channel;
        c.shutdownNow();
        try {
            c.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
