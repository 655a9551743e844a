package dev.tide.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy on 127.0.0.1 that forwards bytes both ways to one target, and that a test can cut
 * like a network partition: {@link #cut} resets every open connection and from then on holds new
 * ones silently (accepted, never answered, never forwarded: a blackhole, as a dropped route looks
 * to a TLS client whose handshake then times out); {@link #heal} forwards again and closes what
 * it held, so their clients retry. One platform thread per accepted socket and direction.
 */
final class TcpProxy implements AutoCloseable {
    private final String targetHost;
    private final int targetPort;
    private final ServerSocket server;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Set<Socket> held = ConcurrentHashMap.newKeySet();
    private volatile boolean cut;
    private volatile boolean closed;

    TcpProxy(String targetHost, int targetPort) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::acceptLoop, "proxy-accept-" + port());
        accept.setDaemon(true);
        accept.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** {@code 127.0.0.1:port}, for an agent's {@code --control-plane} or {@code --advertise}. */
    String address() {
        return "127.0.0.1:" + port();
    }

    /** Resets every open connection and blackholes new ones until {@link #heal}. */
    synchronized void cut() {
        cut = true;
        open.forEach(TcpProxy::reset);
        open.clear();
    }

    /** Forwards new connections again; those held during the cut are closed. */
    synchronized void heal() {
        cut = false;
        held.forEach(TcpProxy::reset);
        held.clear();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (cut) {
                held.add(client);
                continue;
            }
            Socket upstream = new Socket();
            try {
                upstream.connect(new InetSocketAddress(targetHost, targetPort), 2000);
            } catch (IOException e) {
                reset(client); // as the target itself would refuse
                reset(upstream);
                continue;
            }
            synchronized (this) {
                if (cut) { // cut while this one was connecting
                    reset(client);
                    reset(upstream);
                    continue;
                }
                open.add(client);
                open.add(upstream);
            }
            pump(client, upstream);
            pump(upstream, client);
        }
    }

    /** Copies one direction; when either direction ends, both sockets close (gRPC needs no half-close). */
    private void pump(Socket from, Socket to) {
        Thread t = new Thread(
                () -> {
                    byte[] buffer = new byte[16 * 1024];
                    try {
                        InputStream in = from.getInputStream();
                        OutputStream out = to.getOutputStream();
                        for (int n; (n = in.read(buffer)) >= 0; ) {
                            out.write(buffer, 0, n);
                        }
                    } catch (IOException e) {
                        // reset by a cut, or by the other direction closing both
                    } finally {
                        close(from);
                        close(to);
                    }
                },
                "proxy-pump-" + port());
        t.setDaemon(true);
        t.start();
    }

    /** Closes with RST, as a peer whose connection vanished would be told. */
    private static void reset(Socket s) {
        try {
            s.setSoLinger(true, 0);
        } catch (SocketException e) {
            // closed already
        }
        closeQuietly(s);
    }

    private void close(Socket s) {
        open.remove(s);
        closeQuietly(s);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // nothing to do
        }
        cut();
        heal();
    }
}
