package dev.tide.controlplane.delivery;

import com.google.protobuf.ByteString;
import dev.tide.proto.agent.v1.ArtifactChunk;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.NoSuchElementException;

/** Reads an artifact lazily as a sequence of chunks, from an offset; closes the file at the end. */
final class ArtifactChunks implements Iterator<ArtifactChunk>, AutoCloseable {
    private final String sha256;
    private final long totalSize;
    private final int chunkSize;
    private final InputStream in;
    private long offset;
    private boolean finished;

    ArtifactChunks(String sha256, long totalSize, long offset, int chunkSize, InputStream in) {
        this.sha256 = sha256;
        this.totalSize = totalSize;
        this.offset = offset;
        this.chunkSize = chunkSize;
        this.in = in;
    }

    @Override
    public void close() throws IOException {
        finished = true;
        in.close();
    }

    @Override
    public boolean hasNext() {
        return !finished;
    }

    @Override
    public ArtifactChunk next() {
        if (finished) {
            throw new NoSuchElementException();
        }
        try {
            byte[] data = in.readNBytes((int) Math.min(chunkSize, totalSize - offset));
            ArtifactChunk chunk = ArtifactChunk.newBuilder()
                    .setSha256(sha256)
                    .setOffset(offset)
                    .setData(ByteString.copyFrom(data))
                    .setTotalSize(totalSize)
                    .setLast(offset + data.length >= totalSize)
                    .build();
            offset += data.length;
            if (chunk.getLast() || data.length == 0) {
                finished = true;
                in.close();
            }
            return chunk;
        } catch (IOException e) {
            finished = true;
            throw new UncheckedIOException("cannot read artifact " + sha256, e);
        }
    }
}
