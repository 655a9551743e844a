package dev.tide.bench.swarm;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientStreamTracer;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerStreamTracer;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the bytes simulated agents exchange with the control plane, on their pull channels and
 * their push listeners: gRPC's wire sizes (messages after compression and framing, without HTTP/2
 * and TCP headers).
 */
public final class WireCounter {
    private final LongAdder sent = new LongAdder();
    private final LongAdder received = new LongAdder();

    /** Bytes the agents sent to the control plane. */
    public long sent() {
        return sent.sum();
    }

    /** Bytes the agents received from the control plane. */
    public long received() {
        return received.sum();
    }

    /** For the agents' channels to the control plane. */
    public ClientInterceptor clientInterceptor() {
        ClientStreamTracer.Factory factory = new ClientStreamTracer.Factory() {
            @Override
            public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
                return new ClientStreamTracer() {
                    @Override
                    public void outboundWireSize(long bytes) {
                        sent.add(bytes);
                    }

                    @Override
                    public void inboundWireSize(long bytes) {
                        received.add(bytes);
                    }
                };
            }
        };
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(
                    MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                return next.newCall(method, options.withStreamTracerFactory(factory));
            }
        };
    }

    /** For the agents' push listeners. */
    public ServerStreamTracer.Factory serverTracer() {
        return new ServerStreamTracer.Factory() {
            @Override
            public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
                return new ServerStreamTracer() {
                    @Override
                    public void outboundWireSize(long bytes) {
                        sent.add(bytes);
                    }

                    @Override
                    public void inboundWireSize(long bytes) {
                        received.add(bytes);
                    }
                };
            }
        };
    }
}
