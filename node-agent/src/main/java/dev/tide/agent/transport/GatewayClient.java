package dev.tide.agent.transport;

import com.google.common.util.concurrent.ListenableFuture;
import dev.tide.proto.agent.v1.AgentGatewayGrpc;
import dev.tide.proto.agent.v1.ArtifactChunk;
import dev.tide.proto.agent.v1.EnrollRequest;
import dev.tide.proto.agent.v1.EnrollResponse;
import dev.tide.proto.agent.v1.FetchArtifactRequest;
import dev.tide.proto.agent.v1.GetDesiredStateRequest;
import dev.tide.proto.agent.v1.GetDesiredStateResponse;
import dev.tide.proto.agent.v1.ReportStatusResponse;
import dev.tide.proto.agent.v1.StatusReport;
import io.grpc.CallCredentials;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/**
 * The agent's side of AgentGateway: every call carries the node credential (once enrolled) and a
 * deadline.
 */
public final class GatewayClient implements AutoCloseable {
    /** Receives the chunks of one artifact download. */
    @FunctionalInterface
    public interface ChunkSink<E extends Exception> {
        /** Returns false to stop the download. */
        boolean accept(ArtifactChunk chunk) throws E;
    }

    private final ManagedChannel channel;
    private final Duration rpcTimeout;
    private final Duration fetchTimeout;
    private volatile CallCredentials credentials;

    public GatewayClient(ManagedChannel channel, Duration rpcTimeout, Duration fetchTimeout) {
        this.channel = channel;
        this.rpcTimeout = rpcTimeout;
        this.fetchTimeout = fetchTimeout;
    }

    public void useCredential(String nodeCredential) {
        this.credentials = new BearerCredentials(nodeCredential);
    }

    public EnrollResponse enroll(EnrollRequest request) {
        return AgentGatewayGrpc.newBlockingStub(channel)
                .withDeadlineAfter(rpcTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .enroll(request);
    }

    public GetDesiredStateResponse getDesiredState(GetDesiredStateRequest request, Duration deadline) {
        return blocking(deadline).getDesiredState(request);
    }

    /** The same call without blocking a thread: a parked long-poll is only a pending future. */
    public ListenableFuture<GetDesiredStateResponse> getDesiredStateAsync(
            GetDesiredStateRequest request, Duration deadline) {
        return AgentGatewayGrpc.newFutureStub(channel)
                .withCallCredentials(credentials)
                .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                .getDesiredState(request);
    }

    public ListenableFuture<ReportStatusResponse> reportStatus(StatusReport report) {
        return AgentGatewayGrpc.newFutureStub(channel)
                .withCallCredentials(credentials)
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
        return AgentGatewayGrpc.newBlockingStub(channel)
                .withCallCredentials(credentials)
                .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
