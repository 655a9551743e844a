package dev.tide.controlplane.delivery;

import dev.tide.proto.agent.v1.AgentGatewayGrpc;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.grpc.server.GlobalServerInterceptor;
import org.springframework.stereotype.Component;

/**
 * Load shedding for agent calls. At most {@code tide.delivery.max-concurrent-agent-calls} agent
 * call handlers run at once (the synchronous part: authentication, a desired-state read on a cold
 * cache, an enrolment; a parked watch or a queued status report does not count). A call beyond
 * that is answered at once with RESOURCE_EXHAUSTED and the gRPC retry pushback trailer
 * ({@code grpc-retry-pushback-ms}, gRFC A6) instead of queueing behind the others until its
 * deadline, which would make its agent retry into the same crowd.
 *
 * <p>The pushback spreads the callers turned away over time: each gets a random wait between 1 s
 * and 1 s plus (calls shed in the last second / calls admitted in the last second) seconds, capped
 * at a minute, so they come back at about the rate the control plane has been serving. Agents
 * honour it (and never give up); {@code tide_agent_shed_total} counts what was shed.
 */
@Component
@GlobalServerInterceptor
class AgentAdmission implements ServerInterceptor {
    static final Metadata.Key<String> PUSHBACK =
            Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER);
    static final Duration SHORTEST_PUSHBACK = Duration.ofSeconds(1);
    static final Duration LONGEST_SPREAD = Duration.ofMinutes(1);

    private final int limit;
    private final AtomicInteger running = new AtomicInteger();
    private final PerSecond admitted;
    private final PerSecond shed;
    private final MeterRegistry meters;
    private final Map<String, Counter> shedCounters = new ConcurrentHashMap<>();

    @Autowired
    AgentAdmission(DeliveryProperties properties, MeterRegistry meters) {
        this(properties.maxConcurrentAgentCalls(), System::nanoTime, meters);
    }

    AgentAdmission(int limit, LongSupplier nanoTime, MeterRegistry meters) {
        this.limit = limit;
        this.admitted = new PerSecond(nanoTime);
        this.shed = new PerSecond(nanoTime);
        this.meters = meters;
        Gauge.builder("tide.agent.calls.running", running, AtomicInteger::get)
                .description("Agent call handlers running now (load shedding starts above the limit)")
                .register(meters);
        // Every method's counter from the start: a rate of 0 on a dashboard, rather than no data.
        AgentGatewayGrpc.getServiceDescriptor().getMethods().forEach(m -> shedCounter(m.getBareMethodName()));
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (!AgentGatewayGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName())) {
            return next.startCall(call, headers);
        }
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
            @Override
            public void onHalfClose() {
                if (running.incrementAndGet() > limit) {
                    running.decrementAndGet();
                    shed.add();
                    shedCounter(call.getMethodDescriptor().getBareMethodName()).increment();
                    call.close(
                            Status.RESOURCE_EXHAUSTED.withDescription(
                                    "the control plane is busy; come back after the pushback"),
                            pushbackTrailers());
                    return;
                }
                admitted.add();
                try {
                    super.onHalfClose();
                } finally {
                    running.decrementAndGet();
                }
            }
        };
    }

    /** Trailers asking a caller turned away to come back after a spread-out wait. */
    Metadata pushbackTrailers() {
        Metadata trailers = new Metadata();
        trailers.put(PUSHBACK, Long.toString(pushback().toMillis()));
        return trailers;
    }

    /** A random wait from 1 s to 1 s plus the time the recent crowd needs at the recent pace. */
    Duration pushback() {
        long spreadMillis =
                Math.min(LONGEST_SPREAD.toMillis(), 1000L * shed.lastSecond() / Math.max(limit, admitted.lastSecond()));
        return SHORTEST_PUSHBACK.plusMillis(ThreadLocalRandom.current().nextLong(spreadMillis + 1));
    }

    int running() {
        return running.get();
    }

    private Counter shedCounter(String method) {
        return shedCounters.computeIfAbsent(
                method,
                m -> Counter.builder("tide.agent.shed")
                        .description("Agent calls answered RESOURCE_EXHAUSTED with a retry pushback")
                        .tag("method", m)
                        .register(meters));
    }

    /** Events in the last full second and the current one, without a thread or a lock. */
    static final class PerSecond {
        private final LongSupplier nanoTime;
        private final AtomicLong second = new AtomicLong(Long.MIN_VALUE);
        private final AtomicLong current = new AtomicLong();
        private final AtomicLong previous = new AtomicLong();

        PerSecond(LongSupplier nanoTime) {
            this.nanoTime = nanoTime;
        }

        void add() {
            roll();
            current.incrementAndGet();
        }

        /** Events in the previous second, or in this one if more (a burst that started just now). */
        long lastSecond() {
            roll();
            return Math.max(previous.get(), current.get());
        }

        private void roll() {
            long now = nanoTime.getAsLong() / 1_000_000_000L;
            long seen = second.get();
            if (now != seen && second.compareAndSet(seen, now)) {
                previous.set(now == seen + 1 ? current.getAndSet(0) : 0);
                if (now != seen + 1) {
                    current.set(0);
                }
            }
        }
    }
}
