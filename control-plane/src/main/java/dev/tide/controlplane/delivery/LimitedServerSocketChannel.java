package dev.tide.controlplane.delivery;

import io.netty.channel.Channel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent server's listening socket: a connection over {@link AgentConnectionLimit} is reset as it
 * is accepted, so it never costs a TLS handshake or holds a file descriptor; every other one gives
 * its place back when it closes, whichever way it closes.
 */
final class LimitedServerSocketChannel extends NioServerSocketChannel {
    private static final Logger log = LoggerFactory.getLogger(LimitedServerSocketChannel.class);

    private final AgentConnectionLimit limit;

    LimitedServerSocketChannel(AgentConnectionLimit limit) {
        this.limit = limit;
    }

    @Override
    protected int doReadMessages(List<Object> buf) throws Exception {
        SocketChannel accepted = javaChannel().accept();
        if (accepted == null) {
            return 0;
        }
        if (!limit.tryOpen()) {
            reset(accepted);
            // Nothing for the pipeline; the selector reports the next waiting connection again.
            return 0;
        }
        try {
            buf.add(new CountedSocketChannel(this, accepted, limit));
            return 1;
        } catch (RuntimeException e) {
            limit.closed();
            log.warn("Could not set up an accepted agent connection; closed it", e);
            close(accepted);
            return 0;
        }
    }

    private static void reset(SocketChannel accepted) {
        try {
            // An RST rather than a FIN: the agent sees a refusal at once, and no TIME_WAIT stays here.
            accepted.setOption(StandardSocketOptions.SO_LINGER, 0);
        } catch (IOException | RuntimeException ignored) {
            // Closed anyway below.
        }
        close(accepted);
    }

    private static void close(SocketChannel accepted) {
        try {
            accepted.close();
        } catch (IOException ignored) {
            // The descriptor is released either way.
        }
    }

    /** An accepted connection that gives its place back exactly once, on any close. */
    private static final class CountedSocketChannel extends NioSocketChannel {
        private final AgentConnectionLimit limit;
        private final AtomicBoolean released = new AtomicBoolean();

        CountedSocketChannel(Channel parent, SocketChannel socket, AgentConnectionLimit limit) {
            super(parent, socket);
            this.limit = limit;
        }

        @Override
        protected void doClose() throws Exception {
            try {
                super.doClose();
            } finally {
                if (released.compareAndSet(false, true)) {
                    limit.closed();
                }
            }
        }
    }
}
