package dev.tide.controlplane.delivery;

import dev.tide.controlplane.application.Artifact;
import dev.tide.controlplane.application.ArtifactService;
import dev.tide.proto.agent.v1.AgentGatewayGrpc;
import dev.tide.proto.agent.v1.AppRelease;
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
import dev.tide.security.Pem;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import org.springframework.grpc.server.service.GrpcService;

/**
 * The agent-facing gRPC service: a thin adapter that checks the caller's node identity and
 * delegates to enrollment, the desired-state cache, the watch registry and the status ingestor.
 */
@GrpcService
class AgentGatewayService extends AgentGatewayGrpc.AgentGatewayImplBase {
    private final EnrollmentService enrollment;
    private final DesiredStateCache cache;
    private final WatchRegistry watches;
    private final PushEndpoints endpoints;
    private final StatusIngestor ingestor;
    private final LastSeenTracker lastSeen;
    private final ArtifactService artifacts;
    private final DeliveryProperties properties;
    private final MeterRegistry meters;
    private final AgentAdmission admission;
    private final PollCounters polls;
    private final java.util.Map<String, Counter> counters = new java.util.concurrent.ConcurrentHashMap<>();

    AgentGatewayService(
            EnrollmentService enrollment,
            DesiredStateCache cache,
            WatchRegistry watches,
            PushEndpoints endpoints,
            StatusIngestor ingestor,
            LastSeenTracker lastSeen,
            ArtifactService artifacts,
            DeliveryProperties properties,
            MeterRegistry meters,
            AgentAdmission admission) {
        this.enrollment = enrollment;
        this.cache = cache;
        this.watches = watches;
        this.endpoints = endpoints;
        this.ingestor = ingestor;
        this.lastSeen = lastSeen;
        this.artifacts = artifacts;
        this.properties = properties;
        this.meters = meters;
        this.admission = admission;
        this.polls = new PollCounters(meters);
        cache.onNodeChange(watches::wakeNode);
        cache.onEnvironmentChange(watches::wakeEnvironment);
    }

    @Override
    public void enroll(EnrollRequest request, StreamObserver<EnrollResponse> response) {
        count("Enroll", "none");
        response.onNext(enrollment.enroll(request));
        response.onCompleted();
    }

    @Override
    public void getDesiredState(GetDesiredStateRequest request, StreamObserver<GetDesiredStateResponse> response) {
        AgentIdentity me = callerFor(request.getNodeId());
        count("GetDesiredState", me.environment());
        lastSeen.seen(me.nodeId());
        DesiredStateCache.Entry entry = entry(me);
        long known = request.getKnownGeneration();
        long knownSchedule = request.getKnownScheduleVersion();
        if (entry.generation() != known || request.getWaitSeconds() == 0 || !scheduleKnown(me, knownSchedule)) {
            response.onNext(answer(me, known, request.getWaitSeconds() > 0));
            response.onCompleted();
            return;
        }
        Duration wait = Duration.ofSeconds(
                Math.min(request.getWaitSeconds(), properties.maxWait().toSeconds()));
        var observer = (ServerCallStreamObserver<GetDesiredStateResponse>) response;
        WatchRegistry.Watch watch = watches.watch(me.nodeId(), me.environment(), known, observer, w -> {
            lastSeen.seen(me.nodeId());
            return answer(me, w.knownGeneration, true);
        });
        watches.park(watch, wait, () -> entry(me).generation() == known && scheduleKnown(me, knownSchedule));
    }

    /** Whether the agent follows the schedule in force (an agent that does not say is assumed to). */
    private boolean scheduleKnown(AgentIdentity me, long knownVersion) {
        return knownVersion == 0 || cache.schedule(me.environment()).getVersion() == knownVersion;
    }

    @Override
    public void reportStatus(StatusReport request, StreamObserver<ReportStatusResponse> response) {
        AgentIdentity me = callerFor(request.getNodeId());
        count("ReportStatus", me.environment());
        lastSeen.seen(me.nodeId());
        if (!request.getPushEndpoint().isEmpty()) {
            endpoints.reported(me.nodeId(), request.getPushEndpoint()); // a push-mode agent's check-in
        }
        ingestor.submit(me.nodeId(), request).whenComplete((ok, error) -> {
            if (error != null) {
                io.grpc.Status status = GrpcErrors.toStatus(error);
                // a full queue: come back after a spread-out wait, like a call shed on arrival
                response.onError(
                        status.getCode() == io.grpc.Status.Code.RESOURCE_EXHAUSTED
                                ? status.asRuntimeException(admission.pushbackTrailers())
                                : status.asRuntimeException());
            } else {
                response.onNext(ReportStatusResponse.newBuilder()
                        .setSchedule(cache.schedule(me.environment()))
                        .build());
                response.onCompleted();
            }
        });
    }

    @Override
    public void fetchArtifact(FetchArtifactRequest request, StreamObserver<ArtifactChunk> response) {
        AgentIdentity me = AgentIdentity.current();
        count("FetchArtifact", me.environment());
        String sha = request.getSha256();
        boolean referenced = entry(me).state().getApplicationsList().stream()
                .map(AppRelease::getArtifactSha256)
                .anyMatch(sha::equals);
        if (!referenced) {
            throw Status.PERMISSION_DENIED
                    .withDescription("artifact " + sha + " is not part of this node's desired state")
                    .asRuntimeException();
        }
        Artifact artifact = artifacts.get(sha);
        if (request.getOffset() < 0 || request.getOffset() > artifact.getSize()) {
            throw Status.INVALID_ARGUMENT
                    .withDescription("offset must be between 0 and " + artifact.getSize())
                    .asRuntimeException();
        }
        try {
            var observer = (ServerCallStreamObserver<ArtifactChunk>) response;
            Outbox<ArtifactChunk> outbox = new Outbox<>(observer);
            observer.setOnCancelHandler(outbox::close);
            outbox.sendAll(new ArtifactChunks(
                    sha,
                    artifact.getSize(),
                    request.getOffset(),
                    (int) properties.chunkSize().toBytes(),
                    artifacts.open(sha, request.getOffset())));
            outbox.completeWhenDrained();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void renewCertificate(RenewCertificateRequest request, StreamObserver<RenewCertificateResponse> response) {
        AgentIdentity me = AgentIdentity.current();
        count("RenewCertificate", me.environment());
        response.onNext(RenewCertificateResponse.newBuilder()
                .setCertificateChainPem(Pem.certificates(
                        enrollment.renew(me.nodeId(), request.getCsr().toByteArray())))
                .build());
        response.onCompleted();
    }

    private GetDesiredStateResponse answer(AgentIdentity me, long known, boolean watch) {
        DesiredStateCache.Entry entry = entry(me);
        GetDesiredStateResponse.Builder b =
                GetDesiredStateResponse.newBuilder().setSchedule(cache.schedule(me.environment()));
        boolean changed = entry.generation() != known;
        if (changed) {
            b.setState(entry.state());
        } else {
            b.setUnchanged(true);
        }
        polls.answered(watch, changed);
        return b.build();
    }

    private DesiredStateCache.Entry entry(AgentIdentity me) {
        return cache.get(me.nodeId())
                .orElseThrow(() -> Status.UNAUTHENTICATED
                        .withDescription("this node was removed; enroll again")
                        .asRuntimeException());
    }

    /** The caller, who may speak only for itself. */
    private static AgentIdentity callerFor(String nodeId) {
        AgentIdentity me = AgentIdentity.current();
        if (!nodeId.isEmpty() && !nodeId.equals(me.nodeId().toString())) {
            throw Status.PERMISSION_DENIED
                    .withDescription("a node may read and report only its own state")
                    .asRuntimeException();
        }
        return me;
    }

    /** Counts a call; counters are looked up once per method and environment, not per call. */
    private void count(String method, String environment) {
        counters.computeIfAbsent(
                        method + '\u0000' + environment,
                        key -> Counter.builder("tide.agent.requests")
                                .description("Agent RPCs served by the control plane")
                                .tag("method", method)
                                .tag("environment", environment)
                                .register(meters))
                .increment();
    }
}
