package dev.tide.agent.support;

import com.google.protobuf.ByteString;
import dev.tide.agent.HostPort;
import dev.tide.agent.apply.Sha256;
import dev.tide.proto.agent.v1.AgentGatewayGrpc;
import dev.tide.proto.agent.v1.AppRelease;
import dev.tide.proto.agent.v1.AppStatus;
import dev.tide.proto.agent.v1.ArtifactChunk;
import dev.tide.proto.agent.v1.DeliveryMode;
import dev.tide.proto.agent.v1.DesiredState;
import dev.tide.proto.agent.v1.EnrollRequest;
import dev.tide.proto.agent.v1.EnrollResponse;
import dev.tide.proto.agent.v1.Event;
import dev.tide.proto.agent.v1.FetchArtifactRequest;
import dev.tide.proto.agent.v1.GetDesiredStateRequest;
import dev.tide.proto.agent.v1.GetDesiredStateResponse;
import dev.tide.proto.agent.v1.ReportStatusResponse;
import dev.tide.proto.agent.v1.Schedule;
import dev.tide.proto.agent.v1.StatusReport;
import dev.tide.security.Fingerprints;
import dev.tide.security.KeyMaterial;
import dev.tide.security.PeerIdentity;
import dev.tide.security.PeerTrustManager;
import dev.tide.security.Pem;
import dev.tide.security.ReloadableKeyManager;
import dev.tide.security.ca.CertificateAuthority;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * A small control plane for tests: serves AgentGateway over real gRPC with mutual TLS on a
 * localhost port, with its own CA (issuing the node's certificate from the agent's request at
 * enrollment, as the real one does), holds one node's desired state and records what the agent
 * sent.
 */
public final class FakeControlPlane implements AutoCloseable {
    /** One CA for every fake, so the token (which pins it) can be a constant. */
    public static final CertificateAuthority CA =
            CertificateAuthority.generate("fake control plane CA", Duration.ofDays(1), Clock.systemUTC());

    public static final String ENROLL_SECRET = "enroll-token-1";
    public static final String ENROLL_TOKEN = ENROLL_SECRET + "." + Fingerprints.sha256(CA.certificate());
    public static final String NODE_ID = "7f1c1a52-0000-4000-8000-000000000001";
    public static final String ENVIRONMENT = "staging";
    /** Names the fake's own server threads, so tests can tell them from the agent's. */
    public static final String SERVER_THREAD_PREFIX = "fake-control-plane-";

    private static final AtomicInteger THREADS = new AtomicInteger();

    public final List<EnrollRequest> enrollments = new CopyOnWriteArrayList<>();
    public final List<GetDesiredStateRequest> polls = new CopyOnWriteArrayList<>();
    /** Milliseconds left before each poll's deadline, as the server saw it. */
    public final List<Long> pollDeadlineMillis = new CopyOnWriteArrayList<>();

    public final List<StatusReport> reports = new CopyOnWriteArrayList<>();
    public final List<FetchArtifactRequest> fetches = new CopyOnWriteArrayList<>();
    /** Why calls without a valid node certificate were refused. */
    public final List<String> rejectedCredentials = new CopyOnWriteArrayList<>();

    public final AtomicInteger authorizedCalls = new AtomicInteger();
    private final Map<String, byte[]> artifacts = new ConcurrentHashMap<>();
    private final Object lock = new Object();
    private final ExecutorService serverThreads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, SERVER_THREAD_PREFIX + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });
    private final Server server;
    private volatile boolean refuseEnroll;
    private final AtomicInteger shedPolls = new AtomicInteger();
    private volatile String shedPushback;
    private final AtomicInteger enrollmentRepliesToDrop = new AtomicInteger();
    private volatile Duration certificateValidity = Duration.ofHours(1);
    public final List<String> renewals = new CopyOnWriteArrayList<>();
    private Schedule schedule = watch(5);
    private dev.tide.proto.agent.v1.ReleaseKeySet releaseKeys =
            dev.tide.proto.agent.v1.ReleaseKeySet.getDefaultInstance();
    private DesiredState desired;
    private long generation;
    private Map<String, String> labels = Map.of();
    private String nodeName = "node-1";

    public FakeControlPlane() throws IOException {
        KeyMaterial own = CA.issueWithNewKey(
                PeerIdentity.controlPlane(), "fake control plane", List.of("127.0.0.1"), Duration.ofHours(1));
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .sslContext(GrpcSslContexts.configure(SslContextBuilder.forServer(new ReloadableKeyManager(own)))
                        .trustManager(PeerTrustManager.anyNode(CA::certificate, Clock.systemUTC()))
                        .clientAuth(ClientAuth.OPTIONAL)
                        .build())
                .executor(serverThreads) // its own threads: a parked long-poll holds one here
                .addService(ServerInterceptors.intercept(new Gateway(), new CredentialCheck()))
                .build()
                .start();
    }

    public static Schedule watch(int maxWait) {
        return Schedule.newBuilder()
                .setMode(DeliveryMode.PULL)
                .setIntervalSeconds(30)
                .setWatch(true)
                .setMaxWaitSeconds(maxWait)
                .setVersion(7)
                .build();
    }

    public static Schedule push() {
        return Schedule.newBuilder()
                .setMode(DeliveryMode.PUSH)
                .setIntervalSeconds(30)
                .setMaxWaitSeconds(5)
                .build();
    }

    public HostPort address() {
        return HostPort.of((InetSocketAddress) server.getListenSockets().get(0));
    }

    /**
     * Answers the next {@code count} polls RESOURCE_EXHAUSTED with this pushback trailer value
     * (null: none), as a control plane shedding load does.
     */
    public void shedPolls(int count, String pushbackMillis) {
        shedPushback = pushbackMillis;
        shedPolls.set(count);
    }

    public void refuseEnrollment() {
        refuseEnroll = true;
    }

    /** The next {@code count} enrollments are done but their replies are lost (UNAVAILABLE). */
    public void dropEnrollmentReplies(int count) {
        enrollmentRepliesToDrop.set(count);
    }

    /** How long the certificates issued from now on are valid. */
    public void issueCertificatesFor(Duration validity) {
        certificateValidity = validity;
    }

    /** Key material the control plane would present, for playing its push dispatcher. */
    public static KeyMaterial controlPlaneIdentity() {
        return CA.issueWithNewKey(PeerIdentity.controlPlane(), "fake control plane", List.of(), Duration.ofHours(1));
    }

    /** What an enrolled agent presents when it calls: the node's certificate, trusting only the control plane. */
    public static io.grpc.netty.shaded.io.netty.handler.ssl.SslContext nodeClientTls() {
        KeyMaterial node = CA.issueWithNewKey(
                PeerIdentity.node(UUID.fromString(NODE_ID)), "node-1", List.of(), Duration.ofHours(1));
        try {
            return GrpcSslContexts.forClient()
                    .keyManager(new ReloadableKeyManager(node))
                    .trustManager(PeerTrustManager.controlPlane(CA::certificate, Clock.systemUTC()))
                    .build();
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A certificate chain (PEM) for the node's request, as the control plane would issue it. */
    public String issue(byte[] csr) {
        try {
            List<X509Certificate> chain = CA.issue(
                    CertificateAuthority.verifyRequest(csr),
                    PeerIdentity.node(UUID.fromString(NODE_ID)),
                    nodeName,
                    List.of("127.0.0.1"),
                    certificateValidity);
            return Pem.certificates(chain);
        } catch (CertificateAuthority.InvalidRequestException e) {
            throw Status.INVALID_ARGUMENT
                    .withDescription("csr " + e.getMessage())
                    .asRuntimeException();
        }
    }

    public void setSchedule(Schedule newSchedule) {
        synchronized (lock) {
            schedule = newSchedule;
            lock.notifyAll(); // a mode switch ends long-polls early
        }
    }

    public String addArtifact(byte[] bytes) {
        String sha = Sha256.hex(bytes);
        artifacts.put(sha, bytes);
        return sha;
    }

    /** Serves {@code bytes} under a name that may not be their hash (a corrupt or tampered store). */
    public void addArtifactAs(String sha, byte[] bytes) {
        artifacts.put(sha, bytes);
    }

    /** The release key set sent at enrollment and with every desired state published from now on. */
    public void setReleaseKeys(dev.tide.proto.agent.v1.ReleaseKeySet keys) {
        synchronized (lock) {
            releaseKeys = keys;
        }
    }

    /** Publishes a new desired state; returns its generation. */
    public long publish(AppRelease... apps) {
        synchronized (lock) {
            generation++;
            desired = DesiredState.newBuilder()
                    .setNodeId(NODE_ID)
                    .setNodeName(nodeName)
                    .setEnvironment(ENVIRONMENT)
                    .setGeneration(generation)
                    .putAllLabels(labels)
                    .addAllApplications(List.of(apps))
                    .setReleaseKeys(releaseKeys)
                    .build();
            lock.notifyAll();
            return generation;
        }
    }

    public DesiredState desired() {
        synchronized (lock) {
            return desired;
        }
    }

    public Optional<StatusReport> latestReport() {
        return reports.isEmpty() ? Optional.empty() : Optional.of(reports.get(reports.size() - 1));
    }

    /** The application's status in the newest report. */
    public Optional<AppStatus> status(String app) {
        return latestReport()
                .flatMap(r -> r.getApplicationsList().stream()
                        .filter(s -> s.getApplication().equals(app))
                        .findFirst());
    }

    public List<Event> events() {
        return reports.stream().flatMap(r -> r.getEventsList().stream()).toList();
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow();
        synchronized (lock) {
            lock.notifyAll();
        }
        server.awaitTermination(5, TimeUnit.SECONDS);
        serverThreads.shutdownNow();
    }

    private final class CredentialCheck implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(
                ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            if (!call.getMethodDescriptor().getBareMethodName().equals("Enroll")) {
                String refusal = refusal(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
                if (refusal != null) {
                    rejectedCredentials.add(refusal);
                    call.close(Status.UNAUTHENTICATED.withDescription(refusal), new Metadata());
                    return new ServerCall.Listener<>() {};
                }
                authorizedCalls.incrementAndGet();
            }
            return next.startCall(call, headers);
        }
    }

    private static String refusal(SSLSession session) {
        try {
            X509Certificate leaf = (X509Certificate) session.getPeerCertificates()[0];
            return PeerIdentity.of(leaf).equals(Optional.of(PeerIdentity.node(UUID.fromString(NODE_ID))))
                    ? null
                    : "not the node's certificate";
        } catch (SSLPeerUnverifiedException | NullPointerException e) {
            return "no client certificate";
        }
    }

    private final class Gateway extends AgentGatewayGrpc.AgentGatewayImplBase {
        @Override
        public void enroll(EnrollRequest request, StreamObserver<EnrollResponse> out) {
            enrollments.add(request);
            if (refuseEnroll || !request.getToken().equals(ENROLL_SECRET)) {
                out.onError(Status.PERMISSION_DENIED
                        .withDescription("enrollment token is unknown, used or expired")
                        .asRuntimeException());
                return;
            }
            if (enrollmentRepliesToDrop.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                out.onError(Status.UNAVAILABLE.withDescription("reply lost").asRuntimeException());
                return;
            }
            synchronized (lock) {
                labels = new HashMap<>(request.getLabelsMap());
                nodeName = request.getName();
                out.onNext(EnrollResponse.newBuilder()
                        .setNodeId(NODE_ID)
                        .setEnvironment(ENVIRONMENT)
                        .setSchedule(schedule)
                        .setCertificateChainPem(issue(request.getCsr().toByteArray()))
                        .setCaCertificatePem(Pem.certificates(List.of(CA.certificate())))
                        .setReleaseKeys(releaseKeys)
                        .build());
            }
            out.onCompleted();
        }

        @Override
        public void renewCertificate(
                dev.tide.proto.agent.v1.RenewCertificateRequest request,
                StreamObserver<dev.tide.proto.agent.v1.RenewCertificateResponse> out) {
            String chain = issue(request.getCsr().toByteArray());
            renewals.add(chain);
            out.onNext(dev.tide.proto.agent.v1.RenewCertificateResponse.newBuilder()
                    .setCertificateChainPem(chain)
                    .build());
            out.onCompleted();
        }

        @Override
        public void getDesiredState(GetDesiredStateRequest request, StreamObserver<GetDesiredStateResponse> out) {
            io.grpc.Deadline deadline = io.grpc.Context.current().getDeadline();
            pollDeadlineMillis.add(deadline == null ? -1 : deadline.timeRemaining(TimeUnit.MILLISECONDS));
            polls.add(request);
            if (shedPolls.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                io.grpc.Metadata trailers = new io.grpc.Metadata();
                if (shedPushback != null) {
                    trailers.put(dev.tide.agent.transport.Backoff.PUSHBACK, shedPushback);
                }
                out.onError(io.grpc.Status.RESOURCE_EXHAUSTED
                        .withDescription("busy")
                        .asRuntimeException(trailers));
                return;
            }
            GetDesiredStateResponse response;
            synchronized (lock) {
                Schedule asked = schedule;
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.min(request.getWaitSeconds(), 5));
                while (generation == request.getKnownGeneration() && asked == schedule && !server.isShutdown()) {
                    long left = until - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    try {
                        TimeUnit.NANOSECONDS.timedWait(lock, left);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
                GetDesiredStateResponse.Builder b =
                        GetDesiredStateResponse.newBuilder().setSchedule(schedule);
                if (desired == null || generation == request.getKnownGeneration()) {
                    b.setUnchanged(true);
                } else {
                    b.setState(desired);
                }
                response = b.build();
            }
            out.onNext(response);
            out.onCompleted();
        }

        @Override
        public void reportStatus(StatusReport request, StreamObserver<ReportStatusResponse> out) {
            reports.add(request);
            synchronized (lock) {
                out.onNext(
                        ReportStatusResponse.newBuilder().setSchedule(schedule).build());
            }
            out.onCompleted();
        }

        @Override
        public void fetchArtifact(FetchArtifactRequest request, StreamObserver<ArtifactChunk> out) {
            fetches.add(request);
            byte[] data = artifacts.get(request.getSha256());
            if (data == null) {
                out.onError(Status.NOT_FOUND.withDescription("no such artifact").asRuntimeException());
                return;
            }
            int size = 16 * 1024;
            long offset = request.getOffset();
            do {
                int end = (int) Math.min(data.length, offset + size);
                out.onNext(ArtifactChunk.newBuilder()
                        .setSha256(request.getSha256())
                        .setOffset(offset)
                        .setData(ByteString.copyFrom(data, (int) offset, end - (int) offset))
                        .setTotalSize(data.length)
                        .setLast(end == data.length)
                        .build());
                offset = end;
            } while (offset < data.length);
            out.onCompleted();
        }
    }
}
