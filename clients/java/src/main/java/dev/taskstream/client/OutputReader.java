package dev.taskstream.client;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A blocking iterator over the chunks of one task's output, from {@link
 * TaskstreamClient#readOutput}. A dropped stream resumes by itself at the next byte, so no byte is
 * lost or repeated. Close it to stop reading early. Not thread-safe.
 *
 * <pre>{@code
 * try (OutputReader out = client.readOutput(name, "", OutputOptions.STDOUT.withFollow(true))) {
 *   out.forEachRemaining(chunk -> System.out.print(chunk.data().toStringUtf8()));
 * }
 * }</pre>
 */
public final class OutputReader implements Iterator<OutputChunk>, AutoCloseable {
  private final StreamIterator<OutputChunk> chunks;

  OutputReader(StreamIterator<OutputChunk> chunks) {
    this.chunks = chunks;
  }

  /**
   * Whether another chunk comes; blocks until it arrives or the output ends.
   *
   * @throws ApiException when the read fails for good (NOT_FOUND for an unknown instance or task)
   */
  @Override
  public boolean hasNext() {
    return chunks.hasNext();
  }

  @Override
  public OutputChunk next() {
    return chunks.next();
  }

  /** Every remaining byte, read to the end, as one ByteString; closes the reader. */
  public ByteString readAll() {
    List<ByteString> parts = new ArrayList<>();
    try (this) {
      forEachRemaining(chunk -> parts.add(chunk.data()));
    }
    return ByteString.copyFrom(parts);
  }

  /** The remaining chunks as a sequential stream; closing the stream closes the reader. */
  public Stream<OutputChunk> stream() {
    return StreamSupport.stream(
            Spliterators.spliteratorUnknownSize(this, Spliterator.ORDERED | Spliterator.NONNULL),
            false)
        .onClose(this::close);
  }

  /** Stops reading; {@link #hasNext()} is false from now on. */
  @Override
  public void close() {
    chunks.close();
  }
}
