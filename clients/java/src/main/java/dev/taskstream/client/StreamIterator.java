package dev.taskstream.client;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A blocking iterator over a {@link Flow.Publisher}: the blocking face of the same streams the
 * async API publishes. It keeps a few items requested ahead and blocks in {@link #hasNext()} until
 * the next one, the end or a failure arrives. Not thread-safe.
 */
final class StreamIterator<T> implements Iterator<T>, Flow.Subscriber<T>, AutoCloseable {
  // Items asked for ahead of the reader; each one read asks for one more.
  private static final int PREFETCH = 8;

  private sealed interface Signal<T> {}

  private record Item<T>(T value) implements Signal<T> {}

  private record Failure<T>(Throwable error) implements Signal<T> {}

  private record End<T>() implements Signal<T> {}

  private final BlockingQueue<Signal<T>> signals = new LinkedBlockingQueue<>();
  private final String what;
  private volatile Flow.Subscription subscription;
  private boolean started;
  private boolean finished;
  private T pending;

  /** Subscribes to {@code publisher}; nothing is asked of the server before the first read. */
  StreamIterator(Flow.Publisher<T> publisher, String what) {
    this.what = what;
    publisher.subscribe(this);
  }

  @Override
  public void onSubscribe(Flow.Subscription subscription) {
    this.subscription = subscription;
  }

  @Override
  public void onNext(T item) {
    signals.add(new Item<>(item));
  }

  @Override
  public void onError(Throwable error) {
    signals.add(new Failure<>(error));
  }

  @Override
  public void onComplete() {
    signals.add(new End<>());
  }

  /**
   * Whether another item comes; blocks until it arrives or the stream ends.
   *
   * @throws ApiException when the stream fails for good
   */
  @Override
  public boolean hasNext() {
    if (pending != null) {
      return true;
    }
    if (finished) {
      return false;
    }
    if (!started) {
      started = true;
      subscription.request(PREFETCH);
    }
    Signal<T> signal;
    try {
      signal = signals.take();
    } catch (InterruptedException e) {
      close();
      Thread.currentThread().interrupt();
      throw new TaskstreamException("interrupted while reading " + what, e);
    }
    if (signal instanceof Item<T> item) {
      pending = item.value();
      subscription.request(1);
      return true;
    }
    finished = true;
    if (signal instanceof Failure<T> failure) {
      throw failure.error() instanceof RuntimeException e
          ? e
          : new TaskstreamException("reading " + what + " failed", failure.error());
    }
    return false;
  }

  @Override
  public T next() {
    if (!hasNext()) {
      throw new NoSuchElementException(what + " has ended");
    }
    T item = pending;
    pending = null;
    return item;
  }

  /** Stops reading: the call is cancelled and {@link #hasNext()} is false from now on. */
  @Override
  public void close() {
    finished = true;
    pending = null;
    subscription.cancel();
    signals.clear();
  }
}
