package dev.taskstream.client;

import java.util.Iterator;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A blocking iterator over the events of one instance, from {@link TaskstreamClient#watch}; the
 * blocking face of {@link TaskstreamClient#watchAsync}.
 *
 * <p>It ends after the terminal {@link WatchEvent.Snapshot}. When the stream drops (the server
 * restarts or drains, a proxy resets it) it resumes by itself after the last sequence number it
 * received, so nothing is lost or repeated; it gives up after {@link RetryPolicy#maxAttempts()}
 * failures in a row and throws the last {@link ApiException} from {@link #hasNext()}. Close it to
 * stop watching early. Not thread-safe.
 *
 * <pre>{@code
 * try (InstanceWatch watch = client.watch(instance.getName())) {
 *   while (watch.hasNext()) {
 *     if (watch.next() instanceof WatchEvent.TaskProgressUpdated p) {
 *       System.out.println(p.taskName() + " " + p.progress().getPercent() + "%");
 *     }
 *   }
 * }
 * }</pre>
 */
public final class InstanceWatch implements Iterator<WatchEvent>, AutoCloseable {
  private final String name;
  private final StreamIterator<WatchEvent> events;
  private long seq;

  InstanceWatch(String name, WatchOptions options, StreamIterator<WatchEvent> events) {
    this.name = name;
    this.events = events;
    this.seq = options.afterSeq();
  }

  /** The instance's resource name. */
  public String name() {
    return name;
  }

  /** The last sequence number returned: pass it as {@link WatchOptions#afterSeq()} to resume. */
  public long seq() {
    return seq;
  }

  /**
   * Whether another event comes; blocks until it arrives or the watch ends.
   *
   * @throws ApiException when the watch fails for good (NOT_FOUND for an unknown instance, or the
   *     last error after too many failed resumes)
   */
  @Override
  public boolean hasNext() {
    return events.hasNext();
  }

  @Override
  public WatchEvent next() {
    WatchEvent event = events.next();
    if (event instanceof WatchEvent.Snapshot || event.seq() > seq) {
      seq = event.seq();
    }
    return event;
  }

  /** The remaining events as a sequential stream; closing the stream closes the watch. */
  public Stream<WatchEvent> stream() {
    return StreamSupport.stream(
            Spliterators.spliteratorUnknownSize(this, Spliterator.ORDERED | Spliterator.NONNULL),
            false)
        .onClose(this::close);
  }

  /** Stops watching; {@link #hasNext()} is false from now on. */
  @Override
  public void close() {
    events.close();
  }
}
