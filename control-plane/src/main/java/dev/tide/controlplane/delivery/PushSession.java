package dev.tide.controlplane.delivery;

import dev.tide.proto.agent.v1.AgentMessage;
import dev.tide.proto.agent.v1.AppRelease;
import dev.tide.proto.agent.v1.Apply;
import dev.tide.proto.agent.v1.ControlMessage;
import dev.tide.proto.agent.v1.DeliveryMode;
import dev.tide.proto.agent.v1.Ping;
import dev.tide.proto.agent.v1.Schedule;
import dev.tide.proto.agent.v1.SetMode;
import dev.tide.proto.agent.v1.StatusReport;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One open push session to one agent. Sends Apply when the node's desired generation is ahead of
 * what the agent applied, streams the artifacts it asks for, relays its status reports, and hands
 * the agent over to pull when its environment switches mode.
 */
final class PushSession implements ClientResponseObserver<ControlMessage, AgentMessage> {
    private static final Logger log = LoggerFactory.getLogger(PushSession.class);

    final UUID nodeId;
    final String nodeName;
    final String environment;
    private final PushDispatcher dispatcher;
    private Outbox<ControlMessage> outbox;
    private ClientCallStreamObserver<ControlMessage> out;

    private boolean helloReceived;
    private boolean closed;
    private long agentGeneration = -1;
    private long inFlightGeneration;
    private Instant inFlightSince = Instant.EPOCH;
    private Semaphore heldPermit;
    private Schedule handOff;
    private Instant handOffSentAt = Instant.EPOCH;
    private Instant lastHeard;
    private Instant lastPing = Instant.EPOCH;

    PushSession(UUID nodeId, String nodeName, String environment, PushDispatcher dispatcher, Instant now) {
        this.nodeId = nodeId;
        this.nodeName = nodeName;
        this.environment = environment;
        this.dispatcher = dispatcher;
        this.lastHeard = now;
    }

    @Override
    public synchronized void beforeStart(ClientCallStreamObserver<ControlMessage> requestStream) {
        this.out = requestStream;
        this.outbox = new Outbox<>(requestStream);
    }

    @Override
    public void onNext(AgentMessage message) {
        synchronized (this) {
            lastHeard = dispatcher.now();
        }
        switch (message.getKindCase()) {
            case HELLO -> onHello(message.getHello());
            case ARTIFACT_REQUEST ->
                message.getArtifactRequest().getSha256List().forEach(this::sendArtifact);
            case STATUS -> onStatus(message.getStatus());
            case MODE_ACK -> onModeAck(message.getModeAck().getMode());
            case PONG -> dispatcher.seen(nodeId);
            default -> {}
        }
    }

    private void onHello(dev.tide.proto.agent.v1.Hello hello) {
        if (!hello.getNodeId().equals(nodeId.toString())) {
            log.warn(
                    "Push session to {}: the agent at its endpoint is node {}, not {}; closing",
                    nodeName,
                    hello.getNodeId(),
                    nodeId);
            fail();
            return;
        }
        synchronized (this) {
            helloReceived = true;
            agentGeneration = hello.getAppliedGeneration();
        }
        dispatcher.connected(this, hello.getMode());
        if (hello.getMode() != DeliveryMode.PUSH && handOff == null) {
            send(ControlMessage.newBuilder()
                    .setSetMode(SetMode.newBuilder().setSchedule(dispatcher.schedule(environment)))
                    .build());
        }
        maybeApply();
    }

    private void onStatus(StatusReport report) {
        dispatcher.ingest(nodeId, report);
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
        dispatcher.modeAcknowledged(nodeId, mode);
        boolean done;
        synchronized (this) {
            done = handOff != null && mode == DeliveryMode.PULL;
        }
        if (done) {
            log.info("Node {} now pulls; closing its push session", nodeName);
            close();
        }
    }

    /** Sends Apply if the agent is behind and a parallelism permit is free. */
    void maybeApply() {
        DesiredStateCache.Entry entry = dispatcher.desired(nodeId).orElse(null);
        Instant now = dispatcher.now();
        synchronized (this) {
            if (closed || !helloReceived || handOff != null || entry == null) {
                return;
            }
            if (entry.generation() <= agentGeneration) {
                return;
            }
            boolean stillInFlight = inFlightGeneration == entry.generation()
                    && Duration.between(inFlightSince, now).compareTo(dispatcher.applyTimeout()) < 0;
            if (stillInFlight) {
                return;
            }
            if (heldPermit == null) {
                Semaphore permits = dispatcher.permits(environment);
                if (!permits.tryAcquire()) {
                    return; // woken when a permit frees
                }
                heldPermit = permits;
            }
            inFlightGeneration = entry.generation();
            inFlightSince = now;
        }
        dispatcher.applied(environment);
        send(ControlMessage.newBuilder()
                .setApply(Apply.newBuilder().setState(entry.state()))
                .build());
    }

    /** Asks the agent to pull from now on; repeated until it acknowledges. */
    void handOff(Schedule schedule) {
        Instant now = dispatcher.now();
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
        send(ControlMessage.newBuilder()
                .setSetMode(SetMode.newBuilder().setSchedule(schedule))
                .build());
    }

    /** Pings an idle session; closes one that stayed silent for three ping intervals. */
    void keepAlive(Duration interval) {
        Instant now = dispatcher.now();
        boolean ping;
        boolean dead;
        synchronized (this) {
            dead = Duration.between(lastHeard, now).compareTo(interval.multipliedBy(3)) > 0;
            ping = !dead && Duration.between(lastPing, now).compareTo(interval) >= 0;
            if (ping) {
                lastPing = now;
            }
        }
        if (dead) {
            log.warn("Push session to {} silent for too long; reconnecting", nodeName);
            fail();
        } else if (ping) {
            send(ControlMessage.newBuilder()
                    .setPing(Ping.newBuilder().setNonce(now.toEpochMilli()))
                    .build());
        }
    }

    private void sendArtifact(String sha256) {
        DesiredStateCache.Entry entry = dispatcher.desired(nodeId).orElse(null);
        boolean referenced = entry != null
                && entry.state().getApplicationsList().stream()
                        .map(AppRelease::getArtifactSha256)
                        .anyMatch(sha256::equals);
        if (!referenced) {
            log.warn("Node {} asked for artifact {} which is not in its desired state; ignored", nodeName, sha256);
            return;
        }
        var chunks = dispatcher.artifactChunks(sha256);
        Outbox<ControlMessage> box;
        synchronized (this) {
            box = outbox;
        }
        box.sendAll(new java.util.Iterator<ControlMessage>() {
            @Override
            public boolean hasNext() {
                return chunks.hasNext();
            }

            @Override
            public ControlMessage next() {
                return ControlMessage.newBuilder()
                        .setArtifactChunk(chunks.next())
                        .build();
            }
        });
    }

    private void send(ControlMessage message) {
        Outbox<ControlMessage> box;
        synchronized (this) {
            if (closed) {
                return;
            }
            box = outbox;
        }
        box.send(message);
    }

    synchronized boolean isClosed() {
        return closed;
    }

    synchronized boolean waitingForPermit() {
        return !closed && helloReceived && handOff == null && heldPermit == null;
    }

    /** Ends the session normally. */
    void close() {
        ClientCallStreamObserver<ControlMessage> o;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            releasePermit();
            o = out;
            outbox.close();
        }
        dispatcher.closed(this, false);
        try {
            o.onCompleted();
        } catch (RuntimeException ignored) {
            // already gone
        }
    }

    private void fail() {
        ClientCallStreamObserver<ControlMessage> o;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            releasePermit();
            o = out;
            outbox.close();
        }
        dispatcher.closed(this, true);
        o.cancel("closing session", null);
    }

    private void releasePermit() {
        if (heldPermit != null) {
            heldPermit.release();
            heldPermit = null;
            dispatcher.permitFreed(environment);
        }
    }

    @Override
    public void onError(Throwable t) {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            releasePermit();
            if (outbox != null) {
                outbox.close();
            }
        }
        log.debug("Push session to {} ended: {}", nodeName, t.getMessage());
        dispatcher.closed(this, true);
    }

    @Override
    public void onCompleted() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            releasePermit();
            outbox.close();
        }
        dispatcher.closed(this, false);
    }
}
