package dev.taskstream.client;

import java.util.Iterator;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A blocking iterator over a project watch, from {@link TaskstreamClient#watchInstances}; the
 * blocking face of {@link TaskstreamClient#watchInstancesAsync}.
 *
 * <p>It never ends by itself: close it to stop. When the stream drops (the server restarts or
 * drains, a proxy resets it) it resumes by itself after the last project sequence number it
 * reached, on any replica, so nothing is lost or repeated; it gives up after {@link
 * RetryPolicy#maxAttempts()} failures in a row and throws the last {@link ApiException} from {@link
 * #hasNext()}. Not thread-safe.
 *
 * <pre>{@code
 * try (ProjectWatch watch = client.watchInstances(WatchInstancesOptions.DEFAULT.withOwner("me"))) {
 *   while (watch.hasNext()) {
 *     if (watch.next() instanceof ProjectEvent.InstanceStatusUpdated u) {
 *       System.out.println(u.instance().getInstance().getId() + " " + u.status());
 *     }
 *   }
 * }
 * }</pre>
 */
public final class ProjectWatch implements Iterator<ProjectEvent>, AutoCloseable {
  private final StreamIterator<ProjectEvent> events;
  private long seq;

  ProjectWatch(WatchInstancesOptions options, StreamIterator<ProjectEvent> events) {
    this.events = events;
    this.seq = options.afterSeq();
  }

  /**
   * The last project sequence number returned: pass it to {@link
   * WatchInstancesOptions#withAfterSeq(long)} to resume.
   */
  public long seq() {
    return seq;
  }

  /**
   * Whether another event comes; blocks until it arrives.
   *
   * @throws ApiException when the watch fails for good
   */
  @Override
  public boolean hasNext() {
    return events.hasNext();
  }

  @Override
  public ProjectEvent next() {
    ProjectEvent event = events.next();
    if (event instanceof ProjectEvent.Snapshot || event.seq() > seq) {
      seq = event.seq();
    }
    return event;
  }

  /** The events as a sequential stream; closing the stream closes the watch. */
  public Stream<ProjectEvent> stream() {
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
