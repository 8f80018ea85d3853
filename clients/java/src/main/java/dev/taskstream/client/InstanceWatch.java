package dev.taskstream.client;

import dev.taskstream.v1.InstanceEvent;
import dev.taskstream.v1.InstanceServiceGrpc.InstanceServiceBlockingStub;
import dev.taskstream.v1.WatchEnd;
import dev.taskstream.v1.WatchEndReason;
import dev.taskstream.v1.WatchInstanceRequest;
import dev.taskstream.v1.WatchInstanceResponse;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A blocking iterator over the events of one instance, from {@link TaskstreamClient#watch}.
 *
 * <p>It ends after the terminal {@link WatchEvent.Snapshot}. When the stream drops (the server
 * restarts or drains, a proxy resets it) it resumes by itself after the last sequence number it
 * returned, so nothing is lost or repeated; it gives up after {@link RetryPolicy#maxAttempts()}
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
  private final InstanceServiceBlockingStub stub;
  private final String name;
  private final WatchOptions options;
  private final RetryPolicy retry;

  private long seq;
  private int failures;
  private boolean finished;
  private WatchEvent pending;
  private Context.CancellableContext call;
  private Iterator<WatchInstanceResponse> responses;

  InstanceWatch(
      InstanceServiceBlockingStub stub, String name, WatchOptions options, RetryPolicy retry) {
    this.stub = stub;
    this.name = name;
    this.options = options;
    this.retry = retry;
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
    if (pending == null && !finished) {
      pending = advance();
    }
    return pending != null;
  }

  @Override
  public WatchEvent next() {
    if (!hasNext()) {
      throw new NoSuchElementException("the watch of " + name + " has ended");
    }
    WatchEvent event = pending;
    pending = null;
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
    finished = true;
    pending = null;
    cancelCall();
  }

  private WatchEvent advance() {
    while (!finished) {
      try {
        if (responses == null) {
          open();
        }
        if (!responses.hasNext()) {
          throw ApiException.of(
              Status.Code.UNAVAILABLE,
              "the watch of " + name + " ended before the instance terminated");
        }
        WatchEvent event = receive(responses.next());
        if (event != null) {
          return event;
        }
      } catch (StatusRuntimeException e) {
        failed(ApiException.from(e));
      } catch (ApiException e) {
        failed(e);
      }
    }
    return null;
  }

  private void open() {
    WatchInstanceRequest request =
        WatchInstanceRequest.newBuilder()
            .setName(name)
            .setAfterSeq(seq)
            .setIncludeOutput(options.includeOutput())
            .build();
    call = Context.current().withCancellation();
    Context previous = call.attach();
    try {
      responses = stub.watchInstance(request);
    } finally {
      call.detach(previous);
    }
  }

  /** The event for one message, or null for a message that gives none. */
  private WatchEvent receive(WatchInstanceResponse response) {
    switch (response.getKindCase()) {
      case SNAPSHOT -> {
        failures = 0;
        // After a reset the server may move the cursor anywhere: the snapshot is the truth.
        var snapshot =
            new WatchEvent.Snapshot(response.getSnapshot().getSeq(), response.getSnapshot());
        seq = snapshot.seq();
        if (snapshot.terminated()) {
          finished = true;
          cancelCall();
        }
        return snapshot;
      }
      case EVENT -> {
        failures = 0;
        InstanceEvent event = response.getEvent();
        if (event.getSeq() <= seq) {
          return null; // Returned before the stream was resumed.
        }
        seq = event.getSeq();
        return Events.of(event);
      }
      case HEARTBEAT -> {
        failures = 0;
        var beat = response.getHeartbeat();
        return options.heartbeats()
            ? new WatchEvent.Heartbeat(beat.getSeq(), Values.instant(beat.getTime()))
            : null;
      }
      case END -> throw endError(response.getEnd());
      default -> {
        return null; // A kind of message added by a newer server.
      }
    }
  }

  private ApiException endError(WatchEnd end) {
    String why = end.getMessage().isEmpty() ? "" : ": " + end.getMessage();
    if (end.getReason() == WatchEndReason.WATCH_END_REASON_INSTANCE_DELETED) {
      return ApiException.of(Status.Code.NOT_FOUND, "instance " + name + " was deleted" + why);
    }
    // SERVER_DRAINING, or a reason added by a newer server: resume, perhaps on another replica.
    return ApiException.of(Status.Code.UNAVAILABLE, "the server ended the watch of " + name + why);
  }

  /** Resumes after a backoff, or ends the watch and throws {@code error}. */
  private void failed(ApiException error) {
    cancelCall();
    failures++;
    if (!retry.retryable(error.code()) || failures >= retry.maxAttempts()) {
      finished = true;
      throw error;
    }
    Duration backoff = retry.backoff(failures);
    if (!backoff.isZero()) {
      try {
        Thread.sleep(backoff.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        finished = true;
        throw new TaskstreamException("interrupted while resuming the watch of " + name, e);
      }
    }
  }

  private void cancelCall() {
    if (call != null) {
      call.cancel(null);
      call = null;
    }
    responses = null;
  }
}
