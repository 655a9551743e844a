package dev.tide.controlplane.delivery;

import dev.tide.proto.agent.v1.GetDesiredStateResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.springframework.stereotype.Component;

/**
 * Parked long-polls ("watch"). A poll is answered as soon as its node's generation moves or its
 * environment's schedule changes, or with "unchanged" when its wait ends. No thread is held
 * while a poll is parked.
 */
@Component
class WatchRegistry {
    private final Map<UUID, Set<Watch>> byNode = new ConcurrentHashMap<>();
    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "tide-watch-timer");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger parked = new AtomicInteger();
    /** Answers woken polls off the thread that committed the change. */
    private final java.util.concurrent.ExecutorService answering = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "tide-watch-answer");
        t.setDaemon(true);
        return t;
    });

    WatchRegistry(MeterRegistry meters) {
        timer.setRemoveOnCancelPolicy(true);
        Gauge.builder("tide.watch.parked", parked, AtomicInteger::get)
                .description("Long-polls currently held open")
                .register(meters);
    }

    /** One parked poll; answered exactly once. */
    final class Watch {
        final UUID nodeId;
        final String environment;
        final long knownGeneration;
        private final ServerCallStreamObserver<GetDesiredStateResponse> observer;
        private final Function<Watch, GetDesiredStateResponse> answer;
        private final AtomicBoolean done = new AtomicBoolean();
        private volatile ScheduledFuture<?> timeout;

        Watch(
                UUID nodeId,
                String environment,
                long knownGeneration,
                ServerCallStreamObserver<GetDesiredStateResponse> observer,
                Function<Watch, GetDesiredStateResponse> answer) {
            this.nodeId = nodeId;
            this.environment = environment;
            this.knownGeneration = knownGeneration;
            this.observer = observer;
            this.answer = answer;
        }

        void complete() {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            remove(this);
            try {
                if (!observer.isCancelled()) {
                    observer.onNext(answer.apply(this));
                    observer.onCompleted();
                }
            } catch (RuntimeException e) {
                observer.onError(GrpcErrors.toStatus(e).asRuntimeException());
            }
        }

        void abandon() {
            if (done.compareAndSet(false, true)) {
                remove(this);
            }
        }
    }

    /**
     * Parks a poll for up to {@code wait}. {@code stillCurrent} is checked after the poll is
     * registered, so a change that happened in between is never missed.
     */
    void park(Watch watch, Duration wait, java.util.function.BooleanSupplier stillCurrent) {
        byNode.computeIfAbsent(watch.nodeId, id -> ConcurrentHashMap.newKeySet())
                .add(watch);
        parked.incrementAndGet();
        watch.observer.setOnCancelHandler(watch::abandon);
        watch.timeout = timer.schedule(watch::complete, wait.toMillis(), TimeUnit.MILLISECONDS);
        if (!stillCurrent.getAsBoolean()) {
            watch.complete();
        }
    }

    Watch watch(
            UUID nodeId,
            String environment,
            long knownGeneration,
            ServerCallStreamObserver<GetDesiredStateResponse> observer,
            Function<Watch, GetDesiredStateResponse> answer) {
        return new Watch(nodeId, environment, knownGeneration, observer, answer);
    }

    /** Answers every poll parked for this node. */
    void wakeNode(UUID nodeId) {
        Set<Watch> watches = byNode.get(nodeId);
        if (watches != null) {
            watches.forEach(w -> answering.execute(w::complete));
        }
    }

    /** Answers every poll parked for a node of this environment (its schedule changed). */
    void wakeEnvironment(String environment) {
        byNode.values()
                .forEach(set -> set.stream()
                        .filter(w -> w.environment.equals(environment))
                        .forEach(w -> answering.execute(w::complete)));
    }

    int parked() {
        return parked.get();
    }

    private void remove(Watch watch) {
        ScheduledFuture<?> t = watch.timeout;
        if (t != null) {
            t.cancel(false);
        }
        byNode.computeIfPresent(watch.nodeId, (id, set) -> {
            if (set.remove(watch)) {
                parked.decrementAndGet();
            }
            return set.isEmpty() ? null : set;
        });
    }

    @PreDestroy
    void shutdown() {
        byNode.values()
                .forEach(set -> set.forEach(w -> {
                    if (w.done.compareAndSet(false, true) && !w.observer.isCancelled()) {
                        w.observer.onError(Status.UNAVAILABLE
                                .withDescription("control plane shutting down")
                                .asRuntimeException());
                    }
                }));
        timer.shutdownNow();
        answering.shutdownNow();
    }
}
