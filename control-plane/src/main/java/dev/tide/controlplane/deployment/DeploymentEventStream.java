package dev.tide.controlplane.deployment;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Server-sent events per deployment: first what the journal holds after the client's
 * {@code Last-Event-ID}, then every new entry as it commits. Each SSE event carries the journal
 * id (so a reconnecting client resumes without gaps or repeats), is named {@code deployment} or
 * {@code target}, and holds the entry as JSON. When the deployment is finished and everything
 * has been sent, an {@code end} event closes the stream.
 */
@Component
public class DeploymentEventStream implements DisposableBean {
    private static final Duration HEARTBEAT = Duration.ofSeconds(15);
    private static final Duration MAX_LIFETIME = Duration.ofHours(1);
    private static final int PAGE = 500;

    private final DeploymentJournal journal;
    private final DeploymentRepository deployments;
    private final Map<UUID, List<Subscriber>> subscribers = new ConcurrentHashMap<>();
    private final ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tide-deployment-events");
        t.setDaemon(true);
        return t;
    });

    DeploymentEventStream(DeploymentJournal journal, DeploymentRepository deployments) {
        this.journal = journal;
        this.deployments = deployments;
        journal.onCommitted(this::wake);
        sender.scheduleWithFixedDelay(this::heartbeat, HEARTBEAT.toSeconds(), HEARTBEAT.toSeconds(), TimeUnit.SECONDS);
    }

    private static final class Subscriber {
        final SseEmitter emitter;
        volatile long lastId;
        volatile boolean closed;

        Subscriber(SseEmitter emitter, long lastId) {
            this.emitter = emitter;
            this.lastId = lastId;
        }
    }

    private final Map<UUID, AtomicBoolean> scheduled = new ConcurrentHashMap<>();

    /** Opens a stream of a deployment's events after {@code afterId} (0 for all of them). */
    public SseEmitter subscribe(UUID deploymentId, long afterId) {
        SseEmitter emitter = new SseEmitter(MAX_LIFETIME.toMillis());
        Subscriber s = new Subscriber(emitter, Math.max(0, afterId));
        // Added inside compute: the heartbeat drops empty lists, and must not drop this one under us.
        subscribers.compute(deploymentId, (id, list) -> {
            List<Subscriber> l = list == null ? new CopyOnWriteArrayList<>() : list;
            l.add(s);
            return l;
        });
        Runnable remove = () -> {
            s.closed = true;
            unsubscribe(deploymentId, s);
        };
        emitter.onCompletion(remove);
        emitter.onTimeout(remove);
        emitter.onError(e -> remove.run());
        wake(Set.of(deploymentId));
        return emitter;
    }

    private void unsubscribe(UUID deploymentId, Subscriber s) {
        subscribers.computeIfPresent(deploymentId, (id, list) -> {
            list.remove(s);
            if (list.isEmpty()) {
                scheduled.remove(id);
                return null;
            }
            return list;
        });
    }

    /** Sends the subscribers of these deployments what the journal holds that they have not seen. */
    void wake(Set<UUID> deploymentIds) {
        for (UUID id : deploymentIds) {
            if (!subscribers.getOrDefault(id, List.of()).isEmpty()
                    && scheduled.computeIfAbsent(id, k -> new AtomicBoolean()).compareAndSet(false, true)) {
                sender.execute(() -> {
                    AtomicBoolean flag = scheduled.get(id);
                    if (flag != null) {
                        flag.set(false);
                    }
                    flush(id);
                });
            }
        }
    }

    private void flush(UUID deploymentId) {
        List<Subscriber> list = subscribers.getOrDefault(deploymentId, List.of());
        for (Subscriber s : list) {
            try {
                List<DeploymentJournal.Entry> entries;
                do {
                    entries = journal.after(deploymentId, s.lastId, PAGE);
                    for (DeploymentJournal.Entry e : entries) {
                        s.emitter.send(SseEmitter.event()
                                .id(Long.toString(e.id()))
                                .name(e.category())
                                .data(e, MediaType.APPLICATION_JSON));
                        s.lastId = e.id();
                    }
                } while (entries.size() == PAGE && !s.closed);
                boolean finished = deployments
                        .findById(deploymentId)
                        .map(d -> d.getState().isFinished())
                        .orElse(true);
                if (finished && journal.after(deploymentId, s.lastId, 1).isEmpty()) {
                    s.emitter.send(SseEmitter.event().name("end").data("{}", MediaType.APPLICATION_JSON));
                    s.emitter.complete();
                    unsubscribe(deploymentId, s);
                }
            } catch (IOException | IllegalStateException e) {
                // The client went away; its container callbacks remove it.
                s.closed = true;
                unsubscribe(deploymentId, s);
                s.emitter.completeWithError(e);
            }
        }
    }

    /** Wakes every stream: entries committed by another replica whose notice was missed are sent. */
    void wakeAll() {
        wake(Set.copyOf(subscribers.keySet()));
    }

    private void heartbeat() {
        wakeAll(); // the fallback for a lost notice: at most one heartbeat late
        subscribers.forEach((id, list) -> {
            for (Subscriber s : list) {
                try {
                    s.emitter.send(SseEmitter.event().comment("keep-alive"));
                } catch (IOException | IllegalStateException e) {
                    s.closed = true;
                    unsubscribe(id, s);
                }
            }
        });
    }

    @Override
    public void destroy() {
        sender.shutdownNow();
        subscribers.values().forEach(list -> list.forEach(s -> s.emitter.complete()));
    }
}
