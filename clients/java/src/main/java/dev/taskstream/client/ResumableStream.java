package dev.taskstream.client;

import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A server stream as a {@link Flow.Publisher} that resumes by itself: each subscription opens its
 * own call from a fresh {@link StreamCursor}, asks the server for a message only while the
 * subscriber has demand, and reopens the call from the cursor after a retryable failure, following
 * the {@link RetryPolicy}. Signals arrive on gRPC's threads (or the client's timer thread) one at a
 * time; a subscriber must not block in them. The blocking iterators are subscribers of this same
 * class.
 */
final class ResumableStream<R, T> implements Flow.Publisher<T> {
  private final Supplier<StreamCursor<R, T>> cursors;
  private final RetryPolicy retry;
  private final ScheduledExecutorService timer;

  ResumableStream(
      Supplier<StreamCursor<R, T>> cursors, RetryPolicy retry, ScheduledExecutorService timer) {
    this.cursors = cursors;
    this.retry = retry;
    this.timer = timer;
  }

  @Override
  public void subscribe(Flow.Subscriber<? super T> subscriber) {
    Objects.requireNonNull(subscriber, "subscriber");
    Session session = new Session(cursors.get(), subscriber);
    session.serial.execute(session::start);
  }

  private final class Session implements Flow.Subscription {
    final SerialExecutor serial = new SerialExecutor();
    private final StreamCursor<R, T> cursor;
    private final Flow.Subscriber<? super T> subscriber;

    // Touched only from serial.
    private long demand;
    private boolean done;
    private int failures;
    private int generation;
    private ClientCallStreamObserver<Object> call;
    private boolean awaitingMessage;
    private ScheduledFuture<?> resume;

    Session(StreamCursor<R, T> cursor, Flow.Subscriber<? super T> subscriber) {
      this.cursor = cursor;
      this.subscriber = subscriber;
    }

    void start() {
      try {
        subscriber.onSubscribe(this);
      } catch (RuntimeException e) {
        done = true;
        throw e;
      }
    }

    @Override
    public void request(long n) {
      serial.execute(
          () -> {
            if (done) {
              return;
            }
            if (n <= 0) {
              stop();
              signalError(
                  new IllegalArgumentException("request(" + n + "): demand must be positive"));
              return;
            }
            demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
            pump();
          });
    }

    @Override
    public void cancel() {
      serial.execute(
          () -> {
            if (!done) {
              stop();
            }
          });
    }

    /** Opens a call, or asks the open one for its next message, while there is demand. */
    private void pump() {
      if (done || demand == 0 || resume != null) {
        return;
      }
      if (call == null) {
        open();
      } else if (!awaitingMessage) {
        awaitingMessage = true;
        call.request(1);
      }
    }

    private void open() {
      int current = ++generation;
      awaitingMessage = true;
      try {
        cursor.open(new Observer(current));
      } catch (RuntimeException e) {
        failed(current, e);
      }
    }

    private void received(int from, R message) {
      if (from != generation || done) {
        return;
      }
      awaitingMessage = false;
      failures = 0; // Anything that arrives shows the stream works again.
      T item;
      try {
        item = cursor.receive(message);
      } catch (ApiException e) {
        failed(from, e);
        return;
      }
      if (item != null) {
        demand--;
        try {
          subscriber.onNext(item);
        } catch (RuntimeException e) {
          stop(); // A subscriber that throws has cancelled (Reactive Streams 2.13).
          throw e;
        }
      }
      if (cursor.complete()) {
        stop();
        subscriber.onComplete();
      } else {
        pump();
      }
    }

    private void closed(int from) {
      if (from != generation || done) {
        return;
      }
      ApiException early = cursor.closedEarly();
      if (early != null) {
        failed(from, early);
        return;
      }
      stop();
      subscriber.onComplete();
    }

    /** Reopens the call after a backoff, or ends the stream with {@code error}. */
    private void failed(int from, Throwable error) {
      if (from != generation || done) {
        return;
      }
      closeCall();
      ApiException api =
          error instanceof StatusRuntimeException e
              ? ApiException.from(e)
              : error instanceof ApiException e ? e : null;
      failures++;
      if (api == null || !retry.retryable(api.code()) || failures >= retry.maxAttempts()) {
        stop();
        signalError(api != null ? api : error);
        return;
      }
      Duration backoff = retry.backoff(failures);
      if (backoff.isZero()) {
        pump();
        return;
      }
      try {
        resume =
            timer.schedule(
                () ->
                    serial.execute(
                        () -> {
                          resume = null;
                          pump();
                        }),
                backoff.toNanos(),
                TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        stop();
        signalError(new TaskstreamException("the client is closed", api));
      }
    }

    private void signalError(Throwable error) {
      subscriber.onError(error);
    }

    /** Ends the session: no more calls and, unless the caller signals one, no more signals. */
    private void stop() {
      done = true;
      closeCall();
      if (resume != null) {
        resume.cancel(false);
        resume = null;
      }
    }

    private void closeCall() {
      generation++; // Late callbacks of the old call are ignored.
      awaitingMessage = false;
      if (call != null) {
        call.cancel("the client is done with this stream", null);
        call = null;
      }
    }

    /** One call's callbacks, handed to the session's serial executor. */
    private final class Observer implements ClientResponseObserver<Object, R> {
      private final int from;

      Observer(int from) {
        this.from = from;
      }

      @Override
      public void beforeStart(ClientCallStreamObserver<Object> started) {
        // Runs inside open(), so already on the serial executor.
        call = started;
        started.disableAutoRequestWithInitial(1);
      }

      @Override
      public void onNext(R message) {
        serial.execute(() -> received(from, message));
      }

      @Override
      public void onError(Throwable error) {
        serial.execute(() -> failed(from, error));
      }

      @Override
      public void onCompleted() {
        serial.execute(() -> closed(from));
      }
    }
  }
}
