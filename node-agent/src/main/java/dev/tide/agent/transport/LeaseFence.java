package dev.tide.agent.transport;

import dev.tide.agent.state.LocalState;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * The agent's end of push lease fencing. Each control-plane replica dials only the nodes whose
 * push lease it holds, and says which epoch of that lease it holds (the {@code tide-lease-epoch}
 * header and every ControlMessage). The agent keeps the highest epoch it has accepted in its state
 * file, so a restart keeps it, and refuses anything from a lower one: a replica that lost its lease
 * during a pause or a partition, and still believes it owns the node, cannot apply stale state.
 *
 * <p>Epoch 0 comes from a control plane without leases (an older version). It is accepted only
 * while the agent has never accepted an epoch; once it has, a control plane without leases could
 * be a replica that never took part in them, and is refused like any older epoch.
 */
final class LeaseFence {
    /** Request header of a push session: the epoch of the dialling replica's lease. */
    static final Metadata.Key<String> EPOCH_HEADER =
            Metadata.Key.of("tide-lease-epoch", Metadata.ASCII_STRING_MARSHALLER);

    /** The session's epoch, from its header, for the service method. */
    static final Context.Key<Long> SESSION_EPOCH = Context.key("tide-lease-epoch");

    private final LocalState state;

    LeaseFence(LocalState state) {
        this.state = state;
    }

    /** The highest epoch accepted so far. */
    long highest() {
        return state.current().leaseEpoch();
    }

    /**
     * Accepts {@code epoch} (raising the recorded one, saved before this returns) or says why not:
     * null when accepted, else the status to end the session with.
     */
    synchronized Status admit(long epoch) {
        long highest = highest();
        if (epoch < highest || (epoch == 0 && highest > 0)) {
            return Status.FAILED_PRECONDITION.withDescription("stale lease epoch " + epoch
                    + ": this agent follows epoch " + highest + " of another control-plane replica");
        }
        if (epoch > highest) {
            state.update(s -> s.withLeaseEpoch(epoch));
        }
        return null;
    }

    /** Puts the session header's epoch into the call's context (0 when absent or not a number). */
    static ServerInterceptor interceptor() {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(
                    ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                long epoch = parse(headers.get(EPOCH_HEADER));
                return Contexts.interceptCall(Context.current().withValue(SESSION_EPOCH, epoch), call, headers, next);
            }
        };
    }

    private static long parse(String value) {
        if (value == null) {
            return 0;
        }
        try {
            return Math.max(0, Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
