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
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
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
 * it returns. For PULL environments it hands remaining sessions over to polling.
 */
@Component
class PushDispatcher implements SmartLifecycle {
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

    private final Map<UUID, PushSession> sessions = new ConcurrentHashMap<>();
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final Map<String, Semaphore> permits = new ConcurrentHashMap<>();
    private final Map<String, Integer> permitSizes = new ConcurrentHashMap<>();
    private final Map<UUID, Backoff> backoffs = new ConcurrentHashMap<>();
    private final Map<String, Queue<PushSession>> waiting = new ConcurrentHashMap<>();
    private final AtomicBoolean reconciling = new AtomicBoolean();
    /** Sessions to open, oldest request first; at most MAX_CONNECTING handshakes run at once. */
    private final Map<UUID, Dial> dials = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>());

    private final Set<UUID> connecting = ConcurrentHashMap.newKeySet();
    private ScheduledExecutorService scheduler;
    private volatile boolean running;

    private record Backoff(int failures, Instant nextAttempt) {}

    /** A session to open; {@code handOff} set when the agent is to be told to pull. */
    private record Dial(NodeRepository.PushTarget target, Schedule handOff) {}

    /**
     * Handshakes in flight at once. Ten thousand agents dialled together after a restart made
     * every handshake slow, many time out and back off; a bounded number completes quickly, and the
     * next dial starts as soon as one ends.
     */
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
            MeterRegistry meters) {
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
        Gauge.builder("tide.push.connecting", this, PushDispatcher::connecting)
                .description("Push sessions waiting to be opened or handshaking")
                .register(meters);
        Gauge.builder("tide.push.sessions", sessions, Map::size)
                .description("Open push sessions to agents")
                .register(meters);
    }

    @Override
    public void start() {
        scheduler = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "tide-push");
            t.setDaemon(true);
            return t;
        });
        running = true;
        cache.onNodeChange(this::kick);
        cache.onEnvironmentChange(env -> scheduler.execute(this::reconcileSafely));
        long every = properties.pushReconcileInterval().toMillis();
        scheduler.scheduleWithFixedDelay(this::reconcileSafely, 500, every, TimeUnit.MILLISECONDS);
    }

    @Override
    public void stop() {
        running = false;
        sessions.values().forEach(PushSession::close);
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
        Instant now = now();
        List<Environment> envs = readOnly.execute(s -> environments.findAll());
        Set<UUID> wanted = new HashSet<>();
        Set<String> pulling = new HashSet<>();
        for (Environment env : envs) {
            if (env.getMode() == DeliveryMode.PULL) {
                pulling.add(env.getName());
                Schedule schedule = cache.schedule(env.getName());
                sessions.values().stream()
                        .filter(s -> s.environment.equals(env.getName()))
                        .forEach(s -> s.handOff(schedule));
                // An agent that was down during the switch still waits for pushes: reach it to hand it over.
                List<NodeRepository.PushTarget> stillPushed =
                        readOnly.execute(s -> nodes.findPushTargets(env.getName()).stream()
                                .filter(n -> n.ackedMode() == DeliveryMode.PUSH)
                                .toList());
                for (NodeRepository.PushTarget t : stillPushed) {
                    PushSession session = sessions.get(t.id());
                    Backoff b = backoffs.get(t.id());
                    if ((session == null || session.isClosed()) && (b == null || !now.isBefore(b.nextAttempt()))) {
                        dial(t, schedule);
                    }
                }
                continue;
            }
            resize(env);
            List<NodeRepository.PushTarget> targets = readOnly.execute(s -> nodes.findPushTargets(env.getName()));
            for (NodeRepository.PushTarget t : targets) {
                wanted.add(t.id());
                PushSession session = sessions.get(t.id());
                if (session == null || session.isClosed()) {
                    Backoff b = backoffs.get(t.id());
                    if (b == null || !now.isBefore(b.nextAttempt())) {
                        dial(t, null);
                    }
                } else {
                    session.keepAlive(properties.pushPingInterval());
                    session.maybeApply();
                }
            }
        }
        // Sessions of nodes that were removed, or whose environment is gone.
        sessions.values().stream()
                .filter(s -> !wanted.contains(s.nodeId) && !pulling.contains(s.environment))
                .forEach(PushSession::close);
    }

    /** Removing a node revokes it: its session ends now, not at the next reconcile. */
    @org.springframework.transaction.event.TransactionalEventListener
    void nodeRemoved(dev.tide.controlplane.node.NodeService.NodeRemoved event) {
        PushSession session = sessions.get(event.id());
        if (session != null) {
            log.info("Node {} was removed; closing its push session", session.nodeName);
            session.close();
        }
        backoffs.remove(event.id());
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
    String renewCertificate(UUID nodeId, byte[] csr) {
        return Pem.certificates(enrollment.renew(nodeId, csr));
    }

    /** Queues a session to open; opened at once while fewer than MAX_CONNECTING handshakes run. */
    private void dial(NodeRepository.PushTarget target, Schedule handOff) {
        dials.put(target.id(), new Dial(target, handOff)); // a newer request replaces a queued one
        drainDials();
    }

    /** Opens queued sessions while there is room; called on every dial, Hello and session end. */
    private void drainDials() {
        while (running && connecting.size() < MAX_CONNECTING) {
            Dial next;
            synchronized (dials) {
                var it = dials.values().iterator();
                if (!it.hasNext()) {
                    return;
                }
                next = it.next();
                it.remove();
            }
            NodeRepository.PushTarget t = next.target();
            PushSession existing = sessions.get(t.id());
            if (existing != null && !existing.isClosed()) {
                continue;
            }
            connecting.add(t.id());
            PushSession session = connect(t.id(), t.name(), t.environment(), t.pushEndpoint());
            if (next.handOff() != null) {
                session.handOff(next.handOff());
            }
            ScheduledExecutorService s = scheduler;
            if (s != null) {
                s.schedule(
                        session::connectTimedOut,
                        properties.pushConnectTimeout().toMillis(),
                        TimeUnit.MILLISECONDS);
            }
        }
    }

    /** Sessions being opened (queued or handshaking), for metrics and tests. */
    int connecting() {
        return connecting.size() + dials.size();
    }

    private PushSession connect(UUID nodeId, String name, String environment, String endpoint) {
        ManagedChannel channel = channels.computeIfAbsent(
                endpoint,
                e -> Grpc.newChannelBuilder(e, NettySslContextChannelCredentials.create(tls))
                        .keepAliveTime(30, TimeUnit.SECONDS)
                        .keepAliveTimeout(10, TimeUnit.SECONDS)
                        .maxInboundMessageSize(16 * 1024 * 1024)
                        .build());
        PushSession session = new PushSession(nodeId, name, environment, this, now());
        PushSession previous = sessions.put(nodeId, session);
        if (previous != null) {
            previous.close();
        }
        log.debug("Opening push session to {} at {}", name, endpoint);
        AgentSessionGrpc.newStub(channel).withInterceptors(peerOf(session)).session(session);
        return session;
    }

    /** A session received its agent's Hello. */
    void connected(PushSession session, dev.tide.proto.agent.v1.DeliveryMode agentMode) {
        connecting.remove(session.nodeId);
        drainDials();
        backoffs.remove(session.nodeId);
        seen(session.nodeId);
        log.info("Push session to {} open (agent mode {})", session.nodeName, agentMode);
    }

    /** A session ended; a failed one is retried after a jittered, growing delay. */
    void closed(PushSession session, boolean failed) {
        sessions.remove(session.nodeId, session);
        if (connecting.remove(session.nodeId)) {
            drainDials();
        }
        if (failed) {
            Backoff previous = backoffs.get(session.nodeId);
            int failures = previous == null ? 1 : Math.min(previous.failures() + 1, 16);
            long capMillis = Math.min(60_000L, 1000L << Math.min(failures - 1, 6));
            long delay = ThreadLocalRandom.current().nextLong(capMillis + 1);
            backoffs.put(session.nodeId, new Backoff(failures, now().plusMillis(delay)));
        }
    }

    /** Desired state changed for a node: push now if it has a session. */
    private void kick(UUID nodeId) {
        PushSession session = sessions.get(nodeId);
        if (session != null && scheduler != null) {
            scheduler.execute(session::maybeApply);
        }
    }

    /** A permit came back: let waiting sessions of the environment try again. */
    /** A permit came back: let the longest-waiting session of the environment try again. */
    void permitFreed(String environment) {
        if (scheduler == null) {
            return;
        }
        scheduler.execute(() -> {
            Queue<PushSession> queue = waiting.get(environment);
            PushSession next;
            while (queue != null && (next = queue.poll()) != null) {
                next.dequeuedForPermit();
                if (!next.isClosed()) {
                    next.maybeApply();
                    return;
                }
            }
        });
    }

    /** A session found no free permit; it is woken when one frees, first come first served. */
    void waitForPermit(PushSession session) {
        waiting.computeIfAbsent(session.environment, e -> new ConcurrentLinkedQueue<>())
                .add(session);
    }

    Semaphore permits(String environment) {
        return permits.computeIfAbsent(environment, e -> new Permits(permitSizes.getOrDefault(e, 50)));
    }

    /** Apply permits of one environment; their number follows pushMaxParallel. */
    static final class Permits extends Semaphore {
        Permits(int size) {
            super(size, true);
        }

        /**
         * Grows or shrinks the limit in place, so that the applies in flight stay counted: a
         * smaller limit admits nothing new until enough of them finish (never old plus new).
         */
        void resize(int from, int to) {
            if (to > from) {
                release(to - from);
            } else if (to < from) {
                reducePermits(from - to);
            }
        }
    }

    /** Follows a changed pushMaxParallel: the same permits, resized. */
    private void resize(Environment env) {
        int size = env.getPushMaxParallel();
        Integer old = permitSizes.put(env.getName(), size);
        if (old != null && old != size && permits.get(env.getName()) instanceof Permits p) {
            p.resize(old, size);
        }
    }

    Optional<DesiredStateCache.Entry> desired(UUID nodeId) {
        return cache.get(nodeId);
    }

    Schedule schedule(String environment) {
        return cache.schedule(environment);
    }

    /** Relays a report from a session; a report whose batch failed is queued again. */
    void ingest(UUID nodeId, StatusReport report) {
        seen(nodeId);
        submit(nodeId, report, 0);
    }

    private void submit(UUID nodeId, StatusReport report, int attempt) {
        ingestor.submit(nodeId, report).whenComplete((ok, error) -> {
            if (error != null && attempt < 5 && scheduler != null && running) {
                scheduler.schedule(() -> submit(nodeId, report, attempt + 1), 1L << attempt, TimeUnit.SECONDS);
            }
        });
    }

    void modeAcknowledged(UUID nodeId, dev.tide.proto.agent.v1.DeliveryMode mode) {
        submit(
                nodeId,
                StatusReport.newBuilder()
                        .setNodeId(nodeId.toString())
                        .setMode(mode)
                        .build(),
                0);
    }

    void seen(UUID nodeId) {
        lastSeen.seen(nodeId);
    }

    void applied(String environment) {
        Counter.builder("tide.push.applies")
                .description("Apply messages sent to agents")
                .tag("environment", environment)
                .register(meters)
                .increment();
    }

    ArtifactChunks artifactChunks(String sha256) {
        Artifact artifact = artifacts.get(sha256);
        try {
            return new ArtifactChunks(
                    sha256, artifact.getSize(), 0, (int) properties.chunkSize().toBytes(), artifacts.open(sha256, 0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Duration applyTimeout() {
        return properties.pushApplyTimeout();
    }

    Instant now() {
        return clock.instant();
    }
}
