package dev.tide.controlplane.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tide.proto.agent.v1.AgentGatewayGrpc;
import dev.tide.proto.agent.v1.GetDesiredStateRequest;
import dev.tide.proto.agent.v1.GetDesiredStateResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Load shedding over real gRPC: beyond the limit of running handlers a call is answered at once
 * with RESOURCE_EXHAUSTED and a retry pushback that grows with the crowd turned away.
 */
class AgentAdmissionTests {
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch entered = new CountDownLatch(2);
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final ExecutorService callers = Executors.newCachedThreadPool();
    private Server server;
    private ManagedChannel channel;

    @AfterEach
    void stop() throws InterruptedException {
        release.countDown();
        callers.shutdownNow();
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** A gateway whose desired-state handler blocks until released, as a cold read of a busy database does. */
    private final class SlowGateway extends AgentGatewayGrpc.AgentGatewayImplBase {
        @Override
        public void getDesiredState(GetDesiredStateRequest request, StreamObserver<GetDesiredStateResponse> out) {
            entered.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            out.onNext(GetDesiredStateResponse.newBuilder().setUnchanged(true).build());
            out.onCompleted();
        }
    }

    private AgentGatewayGrpc.AgentGatewayBlockingStub start(AgentAdmission admission) throws Exception {
        HealthStatusManager health = new HealthStatusManager();
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(ServerInterceptors.intercept(new SlowGateway(), admission))
                .addService(ServerInterceptors.intercept(health.getHealthService(), admission))
                .build()
                .start();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort())
                .usePlaintext()
                .build();
        return AgentGatewayGrpc.newBlockingStub(channel);
    }

    private static GetDesiredStateResponse poll(AgentGatewayGrpc.AgentGatewayBlockingStub stub) {
        return stub.withDeadlineAfter(20, TimeUnit.SECONDS)
                .getDesiredState(GetDesiredStateRequest.getDefaultInstance());
    }

    @Test
    void aCallBeyondTheLimitIsShedAtOnceWithAPushbackAndTheNextIsServedOnceOneEnds() throws Exception {
        AgentAdmission admission = new AgentAdmission(2, System::nanoTime, meters);
        var stub = start(admission);
        Future<GetDesiredStateResponse> first = callers.submit(() -> poll(stub));
        Future<GetDesiredStateResponse> second = callers.submit(() -> poll(stub));
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();

        long before = System.nanoTime();
        assertThatThrownBy(() -> poll(stub)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            String pushback = e.getTrailers().get(AgentAdmission.PUSHBACK);
            assertThat(pushback).isNotNull();
            assertThat(Long.parseLong(pushback)).isBetween(1000L, 61_000L);
        });
        assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofSeconds(5));
        // other services are not limited
        assertThat(HealthGrpc.newBlockingStub(channel)
                        .check(HealthCheckRequest.getDefaultInstance())
                        .getStatus())
                .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        assertThat(meters.get("tide.agent.shed")
                        .tag("method", "GetDesiredState")
                        .counter()
                        .count())
                .isEqualTo(1.0);

        // a crowd turned away: the pushback now spreads over (shed / admitted per second) seconds
        assertThat(admission.pushback()).isLessThanOrEqualTo(Duration.ofMillis(1500));
        for (int i = 0; i < 40; i++) {
            assertThatThrownBy(() -> poll(stub)).isInstanceOf(StatusRuntimeException.class);
        }
        java.util.List<Duration> spread = java.util.stream.IntStream.range(0, 200)
                .mapToObj(i -> admission.pushback())
                .toList();
        assertThat(spread).allSatisfy(d -> assertThat(d).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(61)));
        assertThat(spread.stream().max(Duration::compareTo).orElseThrow()).isGreaterThan(Duration.ofSeconds(5));

        release.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS).getUnchanged()).isTrue();
        assertThat(second.get(10, TimeUnit.SECONDS).getUnchanged()).isTrue();
        assertThat(poll(stub).getUnchanged()).isTrue();
        assertThat(admission.running()).isZero();
    }

    @Test
    void thePushbackSpreadsTheCrowdTurnedAwayOverTheTimeTheRecentPaceNeeds() {
        AtomicLong now = new AtomicLong(TimeUnit.SECONDS.toNanos(100));
        AgentAdmission admission = new AgentAdmission(10, now::get, meters);
        assertThat(admission.pushback()).isEqualTo(Duration.ofSeconds(1)); // nothing shed: the shortest

        AgentAdmission.PerSecond shed = new AgentAdmission.PerSecond(now::get);
        for (int i = 0; i < 500; i++) {
            shed.add();
        }
        assertThat(shed.lastSecond()).isEqualTo(500);
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        assertThat(shed.lastSecond()).isEqualTo(500); // the previous second still counts
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        assertThat(shed.lastSecond()).isZero();
        now.addAndGet(TimeUnit.SECONDS.toNanos(5));
        assertThat(shed.lastSecond()).isZero();
    }
}
