package dev.tide.bench.floor;

import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * The floor's wire contract, hand-written so the floor carries no protobuf or Tide code: three methods on
 * raw bytes.
 *
 * <ul>
 *   <li>{@code Subscribe} (server stream): request = client id. The server answers with a HELLO frame at
 *       once, then sends DATA frames (stream fan-out) and ARM frames (start a long-poll round), and completes
 *       the stream when the measurement is over.
 *   <li>{@code Poll} (unary): request = client id, round. Parked on the server until it answers all of them
 *       with a DATA frame.
 *   <li>{@code Report} (unary): a client JVM's receive delays for one round, sent once all its clients have
 *       the round's payload.
 * </ul>
 *
 * A frame is {@code type (1 byte), round (int), t0 (long, System.nanoTime of the server at send)} and filler
 * up to the payload size. The clients compute {@code receipt - t0} themselves: on Linux, HotSpot's {@code
 * System.nanoTime} reads CLOCK_MONOTONIC, one clock for every process on the machine.
 */
final class FloorProtocol {
    static final String SERVICE = "tide.bench.Floor";
    static final byte HELLO = 0;
    static final byte DATA = 1;
    static final byte ARM = 2;
    static final int HEADER_BYTES = 1 + 4 + 8;

    static final MethodDescriptor<byte[], byte[]> SUBSCRIBE = method("Subscribe", MethodType.SERVER_STREAMING);
    static final MethodDescriptor<byte[], byte[]> POLL = method("Poll", MethodType.UNARY);
    static final MethodDescriptor<byte[], byte[]> REPORT = method("Report", MethodType.UNARY);

    /** What a report measured. */
    enum Kind {
        STREAM,
        POLL
    }

    /** A server-to-client frame. */
    record Frame(byte type, int round, long t0Nanos) {
        static Frame read(byte[] bytes) {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            return new Frame(in.get(), in.getInt(), in.getLong());
        }
    }

    /** One client JVM's delays (ns) from t0 to receipt, for one round of one kind. */
    record Report(Kind kind, int round, int worker, long[] delaysNanos) {
        byte[] bytes() {
            ByteBuffer out = ByteBuffer.allocate(1 + 4 + 4 + 4 + 8 * delaysNanos.length);
            out.put((byte) kind.ordinal()).putInt(round).putInt(worker).putInt(delaysNanos.length);
            for (long delay : delaysNanos) {
                out.putLong(delay);
            }
            return out.array();
        }

        static Report read(byte[] bytes) {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            Kind kind = Kind.values()[in.get()];
            int round = in.getInt();
            int worker = in.getInt();
            long[] delays = new long[in.getInt()];
            for (int i = 0; i < delays.length; i++) {
                delays[i] = in.getLong();
            }
            return new Report(kind, round, worker, delays);
        }
    }

    private FloorProtocol() {}

    /** A frame of {@code size} bytes (at least the header) with t0 still 0: see {@link #stamp}. */
    static byte[] frame(byte type, int round, int size) {
        byte[] bytes = new byte[Math.max(size, HEADER_BYTES)];
        ByteBuffer.wrap(bytes).put(type).putInt(round);
        return bytes;
    }

    /** Writes t0 into a frame, just before it is sent. */
    static byte[] stamp(byte[] frame, long t0Nanos) {
        ByteBuffer.wrap(frame).putLong(5, t0Nanos);
        return frame;
    }

    static byte[] ints(int... values) {
        ByteBuffer out = ByteBuffer.allocate(4 * values.length);
        for (int value : values) {
            out.putInt(value);
        }
        return out.array();
    }

    static int intAt(byte[] bytes, int index) {
        return ByteBuffer.wrap(bytes).getInt(4 * index);
    }

    private static MethodDescriptor<byte[], byte[]> method(String name, MethodType type) {
        return MethodDescriptor.<byte[], byte[]>newBuilder(Bytes.INSTANCE, Bytes.INSTANCE)
                .setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
                .build();
    }

    /** Messages are the bytes themselves. */
    private enum Bytes implements MethodDescriptor.Marshaller<byte[]> {
        INSTANCE;

        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try (stream) {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
