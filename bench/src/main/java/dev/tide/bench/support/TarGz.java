package dev.tide.bench.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;

/** Writes small .tar.gz archives (ustar), including deliberately hostile ones for tests. */
public final class TarGz {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final GZIPOutputStream gzip;

    public TarGz() {
        try {
            gzip = new GZIPOutputStream(bytes);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public TarGz file(String name, String content) {
        return file(name, content.getBytes(StandardCharsets.UTF_8));
    }

    public TarGz file(String name, byte[] data) {
        header(name, data.length, '0', "");
        write(data);
        write(new byte[(512 - data.length % 512) % 512]);
        return this;
    }

    public TarGz symlink(String name, String target) {
        header(name, 0, '2', target);
        return this;
    }

    public byte[] build() {
        try {
            write(new byte[1024]);
            gzip.finish();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void header(String name, long size, char type, String linkName) {
        byte[] h = new byte[512];
        put(h, 0, 100, name);
        put(h, 100, 8, "0000644");
        put(h, 108, 8, "0000000");
        put(h, 116, 8, "0000000");
        put(h, 124, 12, String.format("%011o", size));
        put(h, 136, 12, String.format("%011o", 1_700_000_000L));
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        h[156] = (byte) type;
        put(h, 157, 100, linkName);
        put(h, 257, 6, "ustar");
        put(h, 263, 2, "00");
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, 8, String.format("%06o", sum) + "\0 ");
        write(h);
    }

    private static void put(byte[] h, int offset, int length, String value) {
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(v, 0, h, offset, Math.min(v.length, length));
    }

    private void write(byte[] data) {
        try {
            ((OutputStream) gzip).write(data);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
