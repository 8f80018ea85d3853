package dev.taskstream.client;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A wait made of server-side long polls (WaitInstance, WaitInstances, a waiting CreateInstance):
 * each call waits at most one slice, and the next one is made only when an answer says the wait is
 * not over and time is left, so nothing polls. Every wait of the client, blocking or not, runs
 * here; cancelling its future cancels the call in flight.
 */
final class LongPoll<R, T> {
  private final Function<Duration, CompletableFuture<R>> call;
  private final Predicate<? super R> over;
  private final Function<? super R, ? extends T> finish;
  private final Function<? super R, ? extends RuntimeException> timedOut;
  private final Duration maxSlice;
  private final long deadline; // System.nanoTime(); meaningless when unbounded
  private final boolean unbounded;
  private final CompletableFuture<T> result = new CompletableFuture<>();
  private final AtomicReference<CompletableFuture<R>> inFlight = new AtomicReference<>();

  private LongPoll(
      Function<Duration, CompletableFuture<R>> call,
      Predicate<? super R> over,
      Function<? super R, ? extends T> finish,
      Function<? super R, ? extends RuntimeException> timedOut,
      Duration timeout,
      Duration maxSlice) {
    this.call = call;
    this.over = over;
    this.finish = finish;
    this.timedOut = timedOut;
    this.maxSlice = maxSlice;
    // A timeout past what nanoseconds can count (some 292 years) is no timeout.
    this.unbounded = timeout == null || timeout.compareTo(Duration.ofDays(100 * 365)) > 0;
    this.deadline = unbounded ? 0 : System.nanoTime() + timeout.toNanos();
  }

  /**
   * Runs the wait: {@code call} is given the slice to wait (at most {@code maxSlice}, at least a
   * millisecond, never past the timeout); the future completes with {@code finish} of the first
   * answer that is {@code over} (or fails with what {@code finish} throws), or fails with {@code
   * timedOut} of the last answer once {@code timeout} passed (null: no timeout).
   */
  static <R, T> CompletableFuture<T> run(
      Function<Duration, CompletableFuture<R>> call,
      Predicate<? super R> over,
      Function<? super R, ? extends T> finish,
      Function<? super R, ? extends RuntimeException> timedOut,
      Duration timeout,
      Duration maxSlice) {
    LongPoll<R, T> poll = new LongPoll<>(call, over, finish, timedOut, timeout, maxSlice);
    poll.result.whenComplete(
        (value, error) -> {
          CompletableFuture<R> current = poll.inFlight.get();
          if (current != null && poll.result.isCancelled()) {
            current.cancel(false);
          }
        });
    poll.next();
    return poll.result;
  }

  private void next() {
    if (result.isDone()) {
      return;
    }
    CompletableFuture<R> answer;
    try {
      answer = call.apply(slice());
    } catch (RuntimeException e) {
      result.completeExceptionally(e);
      return;
    }
    inFlight.set(answer);
    if (result.isCancelled()) {
      answer.cancel(false);
      return;
    }
    answer.whenComplete(
        (response, error) -> {
          if (error != null) {
            result.completeExceptionally(Calls.unwrap(error));
          } else if (over.test(response)) {
            try {
              result.complete(finish.apply(response));
            } catch (RuntimeException e) {
              result.completeExceptionally(e);
            }
          } else if (!unbounded && System.nanoTime() - deadline >= 0) {
            result.completeExceptionally(timedOut.apply(response));
          } else {
            next();
          }
        });
  }

  private Duration slice() {
    Duration slice = maxSlice;
    if (!unbounded) {
      Duration left = Duration.ofNanos(deadline - System.nanoTime());
      slice = left.compareTo(maxSlice) < 0 ? left : maxSlice;
    }
    // Zero would mean the server's default wait (or, for a create, no wait at all).
    return slice.compareTo(Duration.ofMillis(1)) < 0 ? Duration.ofMillis(1) : slice;
  }
}
