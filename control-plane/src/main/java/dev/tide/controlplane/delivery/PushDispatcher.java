package dev.tide.controlplane.delivery;

import dev.tide.controlplane.application.Artifact;
import dev.tide.controlplane.application.ArtifactService;
import dev.tide.controlplane.environment.DeliveryMode;
import dev.tide.controlplane.environment.Environment;
import dev.tide.controlplane.environment.EnvironmentRepository;
import dev.tide.controlplane.node.NodeRepository;
import dev.tide.controlplane.pki.ControlPlanePki;
import dev.tide.proto.agent.v1.AgentSessionGrpc;
import dev.tide.proto.agent.v1.Schedule;
import dev.tide.proto.agent.v1.StatusReport;
import dev.tide.security.PeerIdentity;
import dev.tide.security.Pem;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettySslContextChannelCredentials;
import io.grpc.stub.MetadataUtils;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Push delivery. For every node of a PUSH environment it keeps one session to the node's agent
 * and sends Apply whenever the node's desired generation is ahead of what the agent applied, at
 * most {@code pushMaxParallel} applies in flight per environment. A periodic reconcile reconnects
 * lost sessions (exponential backoff with full jitter) so an agent that was down converges when
 * it returns. For PULL environments it hands remaining sessions over to polling. The sessions and
 * their dials are a {@link PushSessionPool}, the permits {@link ApplyPermits}; this class wires
 * them together and is the {@link PushSession.Host} every session talks to.
 *
 * <p>With several replicas on one database, a replica dials only the nodes whose push lease it
 * holds ({@link PushLeases}), and each session carries the lease's epoch; a session whose lease
 * this replica lost, or whose agent refused its epoch, is closed and not dialled again until a
 * lease round gives this replica the node with a newer epoch.
 */
@Component
class PushDispatcher implements SmartLifecycle, PushSession.Host {
    private static final Logger log = LoggerFactory.getLogger(PushDispatcher.class);
    private final EnvironmentRepository environments;
    private final NodeRepository nodes;
    private final DesiredStateCache cache;
    private final StatusIngestor ingestor;
    private final LastSeenTracker lastSeen;
    private final EnrollmentService enrollment;
    private final SslContext tls;
    private final ArtifactService artifacts;
    private final DeliveryProperties properties;
    private final TransactionTemplate readOnly;
    private final Clock clock;
    private final MeterRegistry meters;
    private final PushLeases leases;

    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    /** tide.push.applies per environment, looked up once rather than built on every apply. */
    private final Map<String, Counter> applyCounters = new ConcurrentHashMap<>();

    private final ApplyPermits permits = new ApplyPermits(this::later);
    private final PushSessionPool<PushSession> pool;
    private final AtomicBoolean reconciling = new AtomicBoolean();
    private volatile ScheduledExecutorService scheduler;
    private volatile boolean running;

    /** Request header of a push session: the epoch of the lease it is opened under (see agent.proto). */
    static final Metadata.Key<String> LEASE_EPOCH =
            Metadata.Key.of("tide-lease-epoch", Metadata.ASCII_STRING_MARSHALLER);

    /** The most handshakes in flight at once; the pool adapts its window below it (see {@link PushSessionPool}). */
    static final int MAX_CONNECTING = 256;

    PushDispatcher(
            EnvironmentRepository environments,
            NodeRepository nodes,
            DesiredStateCache cache,
            StatusIngestor ingestor,
            LastSeenTracker lastSeen,
            ControlPlanePki pki,
            EnrollmentService enrollment,
            ArtifactService artifacts,
            DeliveryProperties properties,
            TransactionTemplate transactions,
            Clock clock,
            MeterRegistry meters,
            PushLeases leases,
            AgentConnectionLimit connectionLimit) {
        this.leases = leases;
        this.environments = environments;
        this.nodes = nodes;
        this.cache = cache;
        this.ingestor = ingestor;
        this.lastSeen = lastSeen;
        this.enrollment = enrollment;
        this.tls = clientTls(pki);
        this.artifacts = artifacts;
        this.properties = properties;
        this.readOnly = new TransactionTemplate(transactions.getTransactionManager());
        this.readOnly.setReadOnly(true);
        this.clock = clock;
        this.meters = meters;
        this.pool = new PushSessionPool<>(
                MAX_CONNECTING,
                properties.pushConnectTimeout(),
                new Backoff(clock, () -> ThreadLocalRandom.current().nextLong()),
                this::later,
                new PushSessionPool.Opener<>() {
                    @Override
                    public PushSession create(NodeRepository.PushTarget target) {
                        return new PushSession(
                                target.id(),
                                target.name(),
                                target.environment(),
                                leases.epoch(target.id()),
                                permits.of(target.environment()),
                                PushDispatcher.this);
                    }

                    @Override
                    public void start(PushSession session, NodeRepository.PushTarget target) {
                        if (session.epoch == 0 || leases.epoch(target.id()) != session.epoch) {
                            pool.closed(session.nodeId, session, false); // the lease went while it queued
                            return;
                        }
                        connect(session, target.pushEndpoint());
                    }
                });
        Gauge.builder("tide.push.connecting", pool, PushSessionPool::connecting)
                .description("Push sessions waiting to be opened or handshaking")
                .register(meters);
        Gauge.builder("tide.push.connect.window", pool, PushSessionPool::window)
                .description("Push handshakes allowed at once: halved when dials time out, grown by one per success")
                .register(meters);
        Gauge.builder("tide.push.sessions", pool, PushSessionPool::size)
                .description("Open push sessions to agents")
                .register(meters);
        connectionLimit.countOutbound(pool::size);
    }

    @Override
    public void start() {
        scheduler = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "tide-push");
            t.setDaemon(true);
            return t;
        });
        running = true;
        pool.start();
        cache.onNodeChange(this::kick);
        cache.onEnvironmentChange(env -> scheduler.execute(this::reconcileSafely));
        leases.onChange(() -> later(this::reconcileSafely));
        long every = properties.pushReconcileInterval().toMillis();
        scheduler.scheduleWithFixedDelay(this::reconcileSafely, 500, every, TimeUnit.MILLISECONDS);
    }

    @Override
    public void stop() {
        running = false;
        pool.stop();
        channels.values().forEach(ManagedChannel::shutdownNow);
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** One reconcile at a time: a request while one runs is dropped (the next round comes soon). */
    private void reconcileSafely() {
        if (!reconciling.compareAndSet(false, true)) {
            return;
        }
        try {
            reconcile();
        } catch (RuntimeException e) {
            log.warn("Push reconcile failed; retrying on the next round: {}", e.getMessage());
        } finally {
            reconciling.set(false);
        }
    }

    /** Opens missing sessions, re-sends overdue applies, hands pull environments over. */
    void reconcile() {
        if (!running) {
            return;
        }
        List<Environment> envs = readOnly.execute(s -> environments.findAll());
        Set<UUID> wanted = new HashSet<>();
        Set<String> pulling = new HashSet<>();
        int pushNodes = 0;
        for (Environment env : envs) {
            if (env.getMode() == DeliveryMode.PULL) {
                pulling.add(env.getName());
                Schedule schedule = cache.schedule(env.getName());
                pool.sessions().stream()
                        .filter(s -> s.environment.equals(env.getName()))
                        .forEach(s -> s.handOff(schedule));
                // An agent that was down during the switch still waits for pushes: reach it to hand it over.
                List<NodeRepository.PushTarget> stillPushed =
                        readOnly.execute(s -> nodes.findPushTargets(env.getName()).stream()
                                .filter(n -> n.ackedMode() == DeliveryMode.PUSH)
                                .toList());
                for (NodeRepository.PushTarget t : stillPushed) {
                    if (leases.epoch(t.id()) == 0) {
                        continue; // another replica hands it over
                    }
                    PushSession session = pool.get(t.id());
                    if (session == null || session.isClosed()) {
                        pool.dialWhenDue(t, schedule);
                    }
                }
                continue;
            }
            permits.resize(env.getName(), env.getPushMaxParallel());
            List<NodeRepository.PushTarget> targets = readOnly.execute(s -> nodes.findPushTargets(env.getName()));
            pushNodes += targets.size();
            for (NodeRepository.PushTarget t : targets) {
                long epoch = leases.epoch(t.id());
                if (epoch == 0) {
                    continue; // another replica's node, or no one's until the next lease round
                }
                wanted.add(t.id());
                PushSession session = pool.get(t.id());
                if (session != null && !session.isClosed() && session.epoch != epoch) {
                    session.close(); // opened under an older lease of this replica
                    session = null;
                }
                if (session == null || session.isClosed()) {
                    pool.dialWhenDue(t, null);
                } else {
                    session.keepAlive(properties.pushPingInterval());
                    session.maybeApply();
                }
            }
        }
        int replicas = leases.replicas();
        if (leases.held().size() < (pushNodes + replicas - 1) / replicas) {
            leases.roundSoon(); // new nodes, or a replica's share to take over: no need to wait a renewal interval
        }
        // Sessions of nodes that were removed, whose environment is gone, or whose lease this replica lost.
        pool.sessions().stream()
                .filter(s -> !wanted.contains(s.nodeId) && !pulling.contains(s.environment))
                .forEach(PushSession::close);
        pool.sessions().stream()
                .filter(s -> !s.isClosed() && leases.epoch(s.nodeId) != s.epoch)
                .forEach(s -> {
                    log.info("Push session to {} closed: this replica no longer holds its lease", s.nodeName);
                    s.close();
                });
    }

    /** The agent follows a newer epoch: another replica owns the node. This one stops dialling it. */
    @Override
    public void fenced(PushSession session, String reason) {
        log.warn(
                "Push session to {} refused by its agent ({}): another replica holds the node's lease;"
                        + " this replica stops dialling it",
                session.nodeName,
                reason);
        leases.refusedByAgent(session.nodeId, session.epoch);
    }

    /** Nodes with an open session (Hello received) on this replica, for tests. */
    Set<UUID> openSessions() {
        Set<UUID> open = new HashSet<>();
        pool.sessions().stream().filter(PushSession::isOpen).forEach(s -> open.add(s.nodeId));
        return open;
    }

    /** A node that moved is dialled at its new endpoint now, not after the backoff of its failed dials. */
    @org.springframework.context.event.EventListener
    void endpointChanged(PushEndpoints.Changed event) {
        pool.forget(event.nodeId());
        PushSession session = pool.get(event.nodeId());
        if (running && (session == null || session.isClosed())) {
            scheduler.execute(this::reconcileSafely);
        }
    }

    /** Removing a node revokes it: its session ends now, not at the next reconcile. */
    @org.springframework.transaction.event.TransactionalEventListener
    void nodeRemoved(dev.tide.controlplane.node.NodeService.NodeRemoved event) {
        PushSession session = pool.get(event.id());
        if (session != null) {
            log.info("Node {} was removed; closing its push session", session.nodeName);
            session.close();
        }
        pool.forget(event.id());
    }

    /**
     * A node enrolled again: a session with its old agent ends now, and its new endpoint is
     * dialled without the backoff of the old one's failed dials.
     */
    @org.springframework.transaction.event.TransactionalEventListener
    void nodeReenrolled(EnrollmentService.NodeReenrolled event) {
        PushSession session = pool.get(event.nodeId());
        if (session != null) {
            log.info("Node {} enrolled again; closing the push session with its previous agent", session.nodeName);
            session.close();
        }
        pool.forget(event.nodeId());
        if (running) {
            scheduler.execute(this::reconcileSafely);
        }
    }

    /**
     * The control plane dials agents with its own certificate and trusts only node certificates
     * under its CA; which node answered is checked per session, at Hello.
     */
    private static SslContext clientTls(ControlPlanePki pki) {
        try {
            return GrpcSslContexts.forClient()
                    .keyManager(pki.keyManager())
                    .trustManager(pki.nodeTrust())
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot set up TLS for push sessions: " + e.getMessage(), e);
        }
    }

    /** Hands the identity the agent's certificate proved to its session, before any message. */
    private static ClientInterceptor peerOf(PushSession session) {
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(
                    MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                ClientCall<Q, R> call = next.newCall(method, options);
                return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        super.start(
                                new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                                    @Override
                                    public void onHeaders(Metadata responseHeaders) {
                                        session.peerIdentity(
                                                identity(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION)));
                                        super.onHeaders(responseHeaders);
                                    }
                                },
                                headers);
                    }
                };
            }
        };
    }

    private static PeerIdentity identity(SSLSession ssl) {
        if (ssl == null) {
            return null;
        }
        try {
            Certificate[] chain = ssl.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate leaf
                    ? PeerIdentity.of(leaf).orElse(null)
                    : null;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    /** A push-mode agent renews its certificate over its session. */
    @Override
    public String renewCertificate(UUID nodeId, byte[] csr) {
        return Pem.certificates(enrollment.renew(nodeId, csr));
    }

    /** Starts a session's call over the channel to its endpoint (one channel per endpoint). */
    private void connect(PushSession session, String endpoint) {
        ManagedChannel channel = channels.computeIfAbsent(
                endpoint,
                e -> Grpc.newChannelBuilder(e, NettySslContextChannelCredentials.create(tls))
                        .keepAliveTime(30, TimeUnit.SECONDS)
                        .keepAliveTimeout(10, TimeUnit.SECONDS)
                        .maxInboundMessageSize(16 * 1024 * 1024)
                        .build());
        log.debug("Opening push session to {} at {} (lease epoch {})", session.nodeName, endpoint, session.epoch);
        Metadata headers = new Metadata();
        headers.put(LEASE_EPOCH, Long.toString(session.epoch));
        AgentSessionGrpc.newStub(channel)
                .withInterceptors(peerOf(session), MetadataUtils.newAttachHeadersInterceptor(headers))
                .session(session);
        session.callStarted();
    }

    /** Runs a task on the push threads once they run; dropped before start. */
    private void later(Runnable task) {
        later(task, Duration.ZERO);
    }

    private void later(Runnable task, Duration delay) {
        ScheduledExecutorService s = scheduler;
        if (s == null) {
            return;
        }
        s.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void connected(PushSession session, dev.tide.proto.agent.v1.DeliveryMode agentMode) {
        pool.connected(session.nodeId);
        seen(session.nodeId);
        log.info("Push session to {} open (agent mode {})", session.nodeName, agentMode);
    }

    @Override
    public void closed(PushSession session, boolean failed, String reason) {
        Counter.builder("tide.push.sessions.ended")
                .description("Push sessions that ended, by reason (closed and completed are the normal ends)")
                .tag("reason", reason)
                .register(meters)
                .increment();
        if (failed) {
            log.info("Push session to {} ended ({}); dialling it again after a backoff", session.nodeName, reason);
        }
        pool.closed(session.nodeId, session, failed, "connect_timeout".equals(reason));
    }

    /** Desired state changed for a node: push now if it has a session. */
    private void kick(UUID nodeId) {
        PushSession session = pool.get(nodeId);
        if (session != null && scheduler != null) {
            scheduler.execute(session::maybeApply);
        }
    }

    @Override
    public Optional<DesiredStateCache.Entry> desired(UUID nodeId) {
        return cache.get(nodeId);
    }

    @Override
    public Schedule schedule(String environment) {
        return cache.schedule(environment);
    }

    /** Relays a report from a session; a report whose batch failed is queued again. */
    @Override
    public CompletableFuture<Void> ingest(UUID nodeId, StatusReport report) {
        seen(nodeId);
        CompletableFuture<Void> stored = new CompletableFuture<>();
        submit(nodeId, report, 0, stored);
        return stored;
    }

    /**
     * Hands a report from a push session to the ingestor; one that could not be written is tried
     * again after a jittered, doubling wait (up to 1, 2, 4, 8, 16 s, each drawn from its upper
     * half so that reports refused together do not return together), then given up with a WARN.
     */
    private void submit(UUID nodeId, StatusReport report, int attempt, CompletableFuture<Void> stored) {
        ingestor.submit(nodeId, report).whenComplete((ok, error) -> {
            if (error == null) {
                stored.complete(null);
                return;
            }
            if (scheduler == null || !running) {
                stored.completeExceptionally(error);
                return;
            }
            if (attempt >= REPORT_ATTEMPTS - 1) {
                // not acknowledged: the agent keeps the events and sends them on its next session
                log.warn(
                        "A status report from push node {} was not written after {} attempts: {}",
                        nodeId,
                        REPORT_ATTEMPTS,
                        error.toString());
                stored.completeExceptionally(error);
                return;
            }
            long ceiling = 1000L << attempt;
            long delay = ThreadLocalRandom.current().nextLong(ceiling / 2, ceiling + 1);
            scheduler.schedule(() -> submit(nodeId, report, attempt + 1, stored), delay, TimeUnit.MILLISECONDS);
        });
    }

    /** Tries of a push status report before the session gives up on it (the agent still has it). */
    private static final int REPORT_ATTEMPTS = 6;

    @Override
    public void modeAcknowledged(UUID nodeId, dev.tide.proto.agent.v1.DeliveryMode mode) {
        submit(
                nodeId,
                StatusReport.newBuilder()
                        .setNodeId(nodeId.toString())
                        .setMode(mode)
                        .build(),
                0,
                new CompletableFuture<>());
    }

    @Override
    public void seen(UUID nodeId) {
        lastSeen.seen(nodeId);
    }

    @Override
    public void applied(String environment) {
        applyCounters
                .computeIfAbsent(
                        environment,
                        env -> Counter.builder("tide.push.applies")
                                .description("Apply messages sent to agents")
                                .tag("environment", env)
                                .register(meters))
                .increment();
    }

    @Override
    public ArtifactChunks artifactChunks(String sha256) {
        Artifact artifact = artifacts.get(sha256);
        try {
            return new ArtifactChunks(
                    sha256, artifact.getSize(), 0, (int) properties.chunkSize().toBytes(), artifacts.open(sha256, 0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Duration applyTimeout() {
        return properties.pushApplyTimeout();
    }

    @Override
    public Instant now() {
        return clock.instant();
    }
}
