package dev.taskstream.client;

import io.grpc.Status;
import java.time.Duration;
import java.util.Set;

/**
 * When a dropped watch stream resumes from its cursor. A stream that fails {@code maxAttempts}
 * times in a row without delivering anything gives up with the last error; anything that arrives
 * resets the count. The first resume is immediate (one drop is normal); later ones wait {@code
 * initialBackoff}, doubling up to {@code maxBackoff}.
 *
 * @param maxAttempts failures in a row before giving up, at least 1
 * @param initialBackoff the wait before the second resume in a row
 * @param maxBackoff the longest wait between resumes
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
  /** 8 attempts, backing off from 100 ms up to 5 s. */
  public static final RetryPolicy DEFAULT =
      new RetryPolicy(8, Duration.ofMillis(100), Duration.ofSeconds(5));

  // A resumed stream may succeed after these: the server restarted or drained, a proxy reset the
  // stream (often INTERNAL "RST_STREAM"), or the server found the reader too slow.
  private static final Set<Status.Code> RETRYABLE =
      Set.of(
          Status.Code.UNAVAILABLE,
          Status.Code.INTERNAL,
          Status.Code.ABORTED,
          Status.Code.RESOURCE_EXHAUSTED);

  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be >= 1, not " + maxAttempts);
    }
    if (initialBackoff.isNegative() || maxBackoff.isNegative()) {
      throw new IllegalArgumentException("backoffs must not be negative");
    }
  }

  /** Whether a stream that failed with {@code code} may be resumed. */
  boolean retryable(Status.Code code) {
    return RETRYABLE.contains(code);
  }

  /** The wait before resuming after {@code failures} failures in a row (at least 1). */
  Duration backoff(int failures) {
    if (failures <= 1) {
      return Duration.ZERO;
    }
    Duration delay = initialBackoff.multipliedBy(1L << Math.min(failures - 2, 30));
    return delay.compareTo(maxBackoff) > 0 ? maxBackoff : delay;
  }
}
