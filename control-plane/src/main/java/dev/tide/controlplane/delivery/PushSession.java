package dev.tide.controlplane.delivery;

import dev.tide.proto.agent.v1.AgentMessage;
import dev.tide.proto.agent.v1.AppRelease;
import dev.tide.proto.agent.v1.Apply;
import dev.tide.proto.agent.v1.CertificateIssued;
import dev.tide.proto.agent.v1.ControlMessage;
import dev.tide.proto.agent.v1.DeliveryMode;
import dev.tide.proto.agent.v1.Hello;
import dev.tide.proto.agent.v1.Ping;
import dev.tide.proto.agent.v1.Schedule;
import dev.tide.proto.agent.v1.SetMode;
import dev.tide.proto.agent.v1.StatusAck;
import dev.tide.proto.agent.v1.StatusReport;
import dev.tide.security.PeerIdentity;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One open push session to one agent. Sends Apply when the node's desired generation is ahead of
 * what the agent applied, streams the artifacts it asks for, relays its status reports, and hands
 * the agent over to pull when its environment switches mode.
 *
 * <p>State is guarded by {@code this}; nothing that calls into gRPC or the host runs while holding
 * it, except releasing a permit (which only schedules work).
 */
final class PushSession
        implements ClientResponseObserver<ControlMessage, AgentMessage>, PushSessionPool.Member, ApplyPermits.Waiter {
    private static final Logger log = LoggerFactory.getLogger(PushSession.class);

    /** What a session needs from the control plane (the push dispatcher). */
    interface Host {
        Instant now();

        Optional<DesiredStateCache.Entry> desired(UUID nodeId);

        Schedule schedule(String environment);

        /** An Apply without a final status after this long is sent again. */
        Duration applyTimeout();

        ArtifactChunks artifactChunks(String sha256);

        String renewCertificate(UUID nodeId, byte[] csr);

        /** The session received its agent's Hello. */
        void connected(PushSession session, DeliveryMode agentMode);

        /**
         * The session ended; {@code failed} when it is to be retried after a backoff. {@code
         * reason} is one of a few words: {@code closed} (this replica ended it), {@code completed}
         * (the agent did), {@code fenced}, {@code protocol} (the agent broke the protocol),
         * {@code silent}, {@code connect_timeout}, {@code keepalive}, or the gRPC status code of
         * the error that ended it, in lower case.
         */
        void closed(PushSession session, boolean failed, String reason);

        /** Stores the report; completes once it is committed (exceptionally when given up on). */
        java.util.concurrent.CompletableFuture<Void> ingest(UUID nodeId, StatusReport report);

        void modeAcknowledged(UUID nodeId, DeliveryMode mode);

        void seen(UUID nodeId);

        /** An Apply was sent to an agent of the environment. */
        void applied(String environment);

        /** The agent follows a newer lease epoch than this session's: another replica owns the node. */
        void fenced(PushSession session, String reason);
    }

    final UUID nodeId;
    final String nodeName;
    final String environment;
    /** The epoch of the push lease this session was opened under, stamped on every message; 0 without leases. */
    final long epoch;

    private final ApplyPermits.Permits permits;
    private final Host host;
    private Outbox<ControlMessage> outbox;
    private ClientCallStreamObserver<ControlMessage> out;

    /** Who the TLS handshake proved the agent to be; set before the first message arrives. */
    private volatile PeerIdentity peer;

    private boolean callStarted;
    private boolean helloReceived;
    private boolean closed;
    private boolean queuedForPermit;
    private long agentGeneration = -1;
    private long inFlightGeneration;
    private Instant inFlightSince = Instant.EPOCH;
    private boolean holdsPermit;
    private Schedule handOff;
    private Instant handOffSentAt = Instant.EPOCH;
    private Instant lastHeard;
    private Instant lastPing = Instant.EPOCH;

    PushSession(UUID nodeId, String nodeName, String environment, ApplyPermits.Permits permits, Host host) {
        this(nodeId, nodeName, environment, 0, permits, host);
    }

    PushSession(UUID nodeId, String nodeName, String environment, long epoch, ApplyPermits.Permits permits, Host host) {
        this.nodeId = nodeId;
        this.nodeName = nodeName;
        this.environment = environment;
        this.epoch = epoch;
        this.permits = permits;
        this.host = host;
        this.lastHeard = host.now();
    }

    @Override
    public synchronized void beforeStart(ClientCallStreamObserver<ControlMessage> requestStream) {
        this.out = requestStream;
        this.outbox = new Outbox<>(requestStream, false);
    }

    /**
     * The call has started (gRPC's {@code start()} returned on the dialling thread): messages
     * queued meanwhile, e.g. a hand-off from the reconcile thread, are sent now, and a session
     * closed meanwhile ends its call now (a call cannot be ended before it has started).
     */
    void callStarted() {
        Outbox<ControlMessage> box;
        ClientCallStreamObserver<ControlMessage> call;
        boolean closedMeanwhile;
        synchronized (this) {
            callStarted = true;
            box = outbox;
            call = out;
            closedMeanwhile = closed;
        }
        if (closedMeanwhile) {
            if (call != null) {
                call.cancel("the session was closed while its call was starting", null);
            }
        } else if (box != null) {
            box.started();
        }
    }

    /** The identity in the agent's certificate, from the TLS session (called before any message). */
    void peerIdentity(PeerIdentity identity) {
        this.peer = identity;
    }

    @Override
    public void onNext(AgentMessage message) {
        boolean authenticated;
        synchronized (this) {
            lastHeard = host.now();
            authenticated = helloReceived;
        }
        if (!authenticated && message.getKindCase() != AgentMessage.KindCase.HELLO) {
            log.warn("Push session to {}: the agent sent {} before Hello; closing", nodeName, message.getKindCase());
            fail("protocol");
            return;
        }
        switch (message.getKindCase()) {
            case HELLO -> onHello(message.getHello());
            case ARTIFACT_REQUEST ->
                message.getArtifactRequest().getSha256List().forEach(this::sendArtifact);
            case STATUS -> onStatus(message.getStatus());
            case MODE_ACK -> onModeAck(message.getModeAck().getMode());
            case PONG -> host.seen(nodeId);
            case CERTIFICATE_REQUEST ->
                onCertificateRequest(message.getCertificateRequest().getCsr().toByteArray());
            default -> {}
        }
    }

    private void onHello(Hello hello) {
        PeerIdentity expected = PeerIdentity.node(nodeId);
        if (!expected.equals(peer) || !hello.getNodeId().equals(nodeId.toString())) {
            log.warn(
                    "Push session to {}: the agent at its endpoint proved to be {} (and says it is {}), not {};"
                            + " closing",
                    nodeName,
                    peer,
                    hello.getNodeId(),
                    expected);
            fail("protocol");
            return;
        }
        synchronized (this) {
            if (helloReceived) {
                return; // one Hello per session
            }
        }
        if (hello.getLeaseEpoch() > epoch) {
            // an agent with fencing refuses the session before Hello; this one said Hello anyway
            host.fenced(this, "the agent follows lease epoch " + hello.getLeaseEpoch() + ", this session has " + epoch);
            close();
            return;
        }
        if (epoch > 0 && hello.getLeaseEpoch() == 0) {
            log.debug("Push session to {}: the agent does not check lease epochs (an older version)", nodeName);
        }
        boolean handingOff;
        synchronized (this) {
            helloReceived = true;
            agentGeneration = hello.getAppliedGeneration();
            handingOff = handOff != null;
        }
        host.connected(this, hello.getMode());
        if (hello.getMode() != DeliveryMode.PUSH && !handingOff) {
            sendFirst(ControlMessage.newBuilder()
                    .setSetMode(SetMode.newBuilder().setSchedule(host.schedule(environment)))
                    .build());
        }
        maybeApply();
    }

    private void onStatus(StatusReport report) {
        if (!report.getNodeId().isEmpty() && !report.getNodeId().equals(nodeId.toString())) {
            log.warn("Push session to {}: a status report for node {}; closing", nodeName, report.getNodeId());
            fail("protocol");
            return;
        }
        long seq = report.getReportSeq();
        host.ingest(nodeId, report).thenRun(() -> {
            if (seq > 0) { // acknowledged once stored: until then the agent keeps its events
                send(ControlMessage.newBuilder()
                        .setStatusAck(StatusAck.newBuilder().setReportSeq(seq))
                        .build());
            }
        });
        synchronized (this) {
            agentGeneration = Math.max(agentGeneration, report.getAppliedGeneration());
            if (inFlightGeneration > 0 && agentGeneration >= inFlightGeneration) {
                inFlightGeneration = 0;
                releasePermit();
            }
        }
        maybeApply();
    }

    private void onModeAck(DeliveryMode mode) {
        host.modeAcknowledged(nodeId, mode);
        boolean done;
        synchronized (this) {
            done = handOff != null && mode == DeliveryMode.PULL;
        }
        if (done) {
            log.info("Node {} now pulls; closing its push session", nodeName);
            close();
        }
    }

    private void onCertificateRequest(byte[] csr) {
        CertificateIssued.Builder answer = CertificateIssued.newBuilder();
        try {
            answer.setCertificateChainPem(host.renewCertificate(nodeId, csr));
        } catch (RuntimeException e) {
            log.warn("Push session to {}: certificate renewal refused: {}", nodeName, e.getMessage());
            answer.setError(
                    GrpcErrors.toStatus(e).getDescription() == null
                            ? "renewal failed"
                            : GrpcErrors.toStatus(e).getDescription());
        }
        send(ControlMessage.newBuilder().setCertificateIssued(answer).build());
    }

    /** Sends Apply if the agent is behind and a parallelism permit is free. */
    void maybeApply() {
        DesiredStateCache.Entry entry = host.desired(nodeId).orElse(null);
        Instant now = host.now();
        synchronized (this) {
            if (closed || !helloReceived || handOff != null || entry == null) {
                return;
            }
            if (entry.generation() <= agentGeneration) {
                return;
            }
            boolean stillInFlight = inFlightGeneration == entry.generation()
                    && Duration.between(inFlightSince, now).compareTo(host.applyTimeout()) < 0;
            if (stillInFlight) {
                return;
            }
            if (!holdsPermit) {
                if (!permits.tryAcquire()) {
                    if (!queuedForPermit) {
                        queuedForPermit = true;
                        permits.await(this);
                    }
                    return;
                }
                holdsPermit = true;
            }
            inFlightGeneration = entry.generation();
            inFlightSince = now;
        }
        host.applied(environment);
        send(ControlMessage.newBuilder()
                .setApply(Apply.newBuilder().setState(entry.state()))
                .build());
    }

    /**
     * A permit came back and this session was next in line: it tries again, unless it closed.
     * False when it took no permit and waits for none (its agent caught up meanwhile, e.g. through
     * another replica, or it is handing off): the next in line gets the permit instead.
     */
    @Override
    public boolean permitFreed() {
        boolean held;
        synchronized (this) {
            queuedForPermit = false;
            if (closed) {
                return false;
            }
            held = holdsPermit; // took one meanwhile, through a status report's maybeApply
        }
        maybeApply();
        synchronized (this) {
            return (!held && holdsPermit) || queuedForPermit;
        }
    }

    /** Asks the agent to pull from now on; repeated until it acknowledges. */
    @Override
    public void handOff(Schedule schedule) {
        Instant now = host.now();
        synchronized (this) {
            if (closed) {
                return;
            }
            handOff = schedule;
            if (inFlightGeneration > 0) {
                inFlightGeneration = 0;
                releasePermit();
            }
            if (Duration.between(handOffSentAt, now).compareTo(Duration.ofSeconds(5)) < 0) {
                return;
            }
            handOffSentAt = now;
        }
        sendFirst(ControlMessage.newBuilder()
                .setSetMode(SetMode.newBuilder().setSchedule(schedule))
                .build());
    }

    /**
     * Pings an idle session; closes one where nothing moved either way for three ping intervals
     * (a long artifact transfer keeps a session alive as long as its chunks are being read).
     *
     * <p>Not before the agent's Hello: until then the connect timeout guards the session.
     */
    void keepAlive(Duration interval) {
        Instant now = host.now();
        boolean ping;
        boolean dead;
        synchronized (this) {
            if (closed || !helloReceived) { // Hello implies the outbox (beforeStart)
                return;
            }
            Duration limit = interval.multipliedBy(3);
            boolean silent = Duration.between(lastHeard, now).compareTo(limit) > 0;
            boolean stalled =
                    Duration.ofNanos(System.nanoTime() - outbox.lastSentNanos()).compareTo(limit) > 0;
            dead = silent && stalled;
            ping = !dead && Duration.between(lastPing, now).compareTo(interval) >= 0;
            if (ping) {
                lastPing = now;
            }
        }
        if (dead) {
            log.warn("Push session to {} silent for too long; reconnecting", nodeName);
            fail("silent");
        } else if (ping) {
            sendFirst(ControlMessage.newBuilder()
                    .setPing(Ping.newBuilder().setNonce(now.toEpochMilli()))
                    .build());
        }
    }

    private void sendArtifact(String sha256) {
        DesiredStateCache.Entry entry = host.desired(nodeId).orElse(null);
        boolean referenced = entry != null
                && entry.state().getApplicationsList().stream()
                        .map(AppRelease::getArtifactSha256)
                        .anyMatch(sha256::equals);
        if (!referenced) {
            log.warn("Node {} asked for artifact {} which is not in its desired state; ignored", nodeName, sha256);
            return;
        }
        ArtifactChunks chunks;
        try {
            chunks = host.artifactChunks(sha256);
        } catch (RuntimeException e) {
            // The session stays: the agent's apply times out and is reported like any failed apply.
            log.warn(
                    "Cannot send artifact {} to node {}: {}. With several replicas every replica needs every artifact:"
                            + " set tide.artifacts.store=database, or share tide.artifacts.dir",
                    sha256,
                    nodeName,
                    e.getCause() != null ? e.getCause().toString() : e.toString());
            return;
        }
        Outbox<ControlMessage> box = openOutbox();
        if (box != null) {
            box.sendAll(new ChunkMessages(chunks, epoch));
        } else {
            try {
                chunks.close();
            } catch (IOException e) {
                log.debug("closing artifact {}: {}", sha256, e.toString());
            }
        }
    }

    /** Artifact chunks as control messages; closing it closes the artifact file. */
    private record ChunkMessages(ArtifactChunks chunks, long epoch) implements Iterator<ControlMessage>, AutoCloseable {
        @Override
        public boolean hasNext() {
            return chunks.hasNext();
        }

        @Override
        public ControlMessage next() {
            return ControlMessage.newBuilder()
                    .setArtifactChunk(chunks.next())
                    .setLeaseEpoch(epoch)
                    .build();
        }

        @Override
        public void close() throws IOException {
            chunks.close();
        }
    }

    private void send(ControlMessage message) {
        Outbox<ControlMessage> box = openOutbox();
        if (box != null) {
            box.send(stamped(message));
        }
    }

    private void sendFirst(ControlMessage message) {
        Outbox<ControlMessage> box = openOutbox();
        if (box != null) {
            box.sendFirst(stamped(message));
        }
    }

    /** Every message says which lease epoch sent it: the agent refuses commands of an older one. */
    private ControlMessage stamped(ControlMessage message) {
        return epoch == 0 ? message : message.toBuilder().setLeaseEpoch(epoch).build();
    }

    private synchronized Outbox<ControlMessage> openOutbox() {
        return closed ? null : outbox;
    }

    @Override
    public synchronized boolean isClosed() {
        return closed;
    }

    /** Ends the session normally. */
    @Override
    public void close() {
        if (!markClosed()) {
            return;
        }
        host.closed(this, false, "closed");
        ClientCallStreamObserver<ControlMessage> o = startedStream();
        if (o == null) {
            return; // callStarted ends it
        }
        try {
            o.onCompleted();
        } catch (RuntimeException ignored) {
            // the call is already gone
        }
    }

    /** Whether the agent's Hello arrived: the session is open. */
    synchronized boolean isOpen() {
        return helloReceived && !closed;
    }

    /** The agent did not say Hello within the connect timeout: the session failed. */
    @Override
    public void connectTimedOut() {
        synchronized (this) {
            if (helloReceived) {
                return;
            }
        }
        log.debug("Push session to {}: no Hello within the connect timeout", nodeName);
        fail("connect_timeout");
    }

    private void fail(String reason) {
        if (!markClosed()) {
            return;
        }
        host.closed(this, true, reason);
        ClientCallStreamObserver<ControlMessage> o = startedStream();
        if (o != null) { // else callStarted ends it
            o.cancel("closing session", null);
        }
    }

    /** Marks the session closed once; false if it already was. */
    private synchronized boolean markClosed() {
        if (closed) {
            return false;
        }
        closed = true;
        releasePermit();
        if (outbox != null) {
            outbox.close();
        }
        return true;
    }

    /** The request stream once its call has started, else null. */
    private synchronized ClientCallStreamObserver<ControlMessage> startedStream() {
        return callStarted ? out : null;
    }

    private void releasePermit() {
        if (holdsPermit) {
            holdsPermit = false;
            permits.release();
        }
    }

    @Override
    public void onError(Throwable t) {
        if (!markClosed() && out != null) {
            return;
        }
        io.grpc.Status status = io.grpc.Status.fromThrowable(t);
        if (status.getCode() == io.grpc.Status.Code.FAILED_PRECONDITION
                && status.getDescription() != null
                && status.getDescription().startsWith(STALE_EPOCH)) {
            host.fenced(this, status.getDescription());
            host.closed(this, false, "fenced");
            return;
        }
        log.debug("Push session to {} ended: {}", nodeName, t.getMessage());
        host.closed(this, true, reason(status));
    }

    /** The reason word for a session that ended in an error (see {@link Host#closed}). */
    static String reason(io.grpc.Status status) {
        String description = status.getDescription();
        if (status.getCode() == io.grpc.Status.Code.UNAVAILABLE
                && description != null
                && description.startsWith("Keepalive failed")) {
            return "keepalive";
        }
        return status.getCode().name().toLowerCase(java.util.Locale.ROOT);
    }

    /** How an agent's refusal of an older lease epoch begins (node-agent's LeaseFence). */
    static final String STALE_EPOCH = "stale lease epoch";

    @Override
    public void onCompleted() {
        if (!markClosed() && out != null) {
            return;
        }
        host.closed(this, false, "completed");
    }
}
