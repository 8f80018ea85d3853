package dev.taskstream.client;

import java.time.Duration;
import java.util.List;

/**
 * How a task whose attempt ended FAILED, ENVIRONMENT_ERROR or TIMED_OUT is retried, after a
 * backoff: the n-th retry waits {@code initialBackoff * backoffMultiplier^(n-1)}, at most {@code
 * maxBackoff}, less a random share of at most {@code jitter} of it. Meanwhile the task is WAITING
 * with reason BACKOFF, and each retried attempt stays in its attempt history ({@link
 * TaskResult#attemptHistory()}). A cancelled task is never retried. ({@link RetryPolicy}, by
 * contrast, is how this client resumes its own streams.)
 *
 * <pre>{@code
 * TaskRetryPolicy.maxAttempts(3)
 *     .withInitialBackoff(Duration.ofMillis(100))
 *     .withNonRetryableErrorTypes("ValueError");
 * }</pre>
 *
 * <p>Set it on a task with {@code TaskSpec.Builder.setRetryPolicy(policy.toProto())}, or on every
 * task of an instance with {@link CreateInstanceOptions#withTaskRetry}. The server checks it: a bad
 * policy is an {@link InvalidArgumentException} naming the field ({@code
 * tasks[0].retry_policy.max_attempts} …).
 *
 * @param maxAttempts how many attempts the task may have in all, from 1 (no retry) to 1000
 * @param initialBackoff the wait before the first retry; null means one second
 * @param backoffMultiplier what the wait grows by after each retry, at least 1; 0 means 2
 * @param maxBackoff the longest wait; null means 100 times the initial backoff
 * @param jitter the share of each wait, from 0 to 1, that a random amount up to it is taken off
 * @param nonRetryableErrorTypes error types ({@code TaskError.type}, or its last dotted part such
 *     as "ValueError") that are never retried
 */
public record TaskRetryPolicy(
    int maxAttempts,
    Duration initialBackoff,
    double backoffMultiplier,
    Duration maxBackoff,
    double jitter,
    List<String> nonRetryableErrorTypes) {

  public TaskRetryPolicy {
    nonRetryableErrorTypes = List.copyOf(nonRetryableErrorTypes);
  }

  /** Up to {@code maxAttempts} attempts in all, with the server's default backoff. */
  public static TaskRetryPolicy maxAttempts(int maxAttempts) {
    return new TaskRetryPolicy(maxAttempts, null, 0, null, 0, List.of());
  }

  /** The policy of a message, as a task reports it ({@code Task.getRetryPolicy()}). */
  public static TaskRetryPolicy fromProto(dev.taskstream.v1.RetryPolicy policy) {
    return new TaskRetryPolicy(
        policy.getMaxAttempts(),
        policy.hasInitialBackoff() ? Values.duration(policy.getInitialBackoff()) : null,
        policy.getBackoffMultiplier(),
        policy.hasMaxBackoff() ? Values.duration(policy.getMaxBackoff()) : null,
        policy.getJitter(),
        policy.getNonRetryableErrorTypesList());
  }

  /** This policy, waiting {@code backoff} before the first retry. */
  public TaskRetryPolicy withInitialBackoff(Duration backoff) {
    return new TaskRetryPolicy(
        maxAttempts, backoff, backoffMultiplier, maxBackoff, jitter, nonRetryableErrorTypes);
  }

  /** This policy, growing the wait by {@code multiplier} after each retry. */
  public TaskRetryPolicy withBackoffMultiplier(double multiplier) {
    return new TaskRetryPolicy(
        maxAttempts, initialBackoff, multiplier, maxBackoff, jitter, nonRetryableErrorTypes);
  }

  /** This policy, waiting at most {@code backoff} between attempts. */
  public TaskRetryPolicy withMaxBackoff(Duration backoff) {
    return new TaskRetryPolicy(
        maxAttempts, initialBackoff, backoffMultiplier, backoff, jitter, nonRetryableErrorTypes);
  }

  /** This policy, taking a random share of at most {@code jitter} off each wait. */
  public TaskRetryPolicy withJitter(double jitter) {
    return new TaskRetryPolicy(
        maxAttempts, initialBackoff, backoffMultiplier, maxBackoff, jitter, nonRetryableErrorTypes);
  }

  /** This policy, never retrying errors of these types. */
  public TaskRetryPolicy withNonRetryableErrorTypes(String... types) {
    return new TaskRetryPolicy(
        maxAttempts, initialBackoff, backoffMultiplier, maxBackoff, jitter, List.of(types));
  }

  /** The policy as the API's message. */
  public dev.taskstream.v1.RetryPolicy toProto() {
    dev.taskstream.v1.RetryPolicy.Builder policy =
        dev.taskstream.v1.RetryPolicy.newBuilder()
            .setMaxAttempts(maxAttempts)
            .setBackoffMultiplier(backoffMultiplier)
            .setJitter(jitter)
            .addAllNonRetryableErrorTypes(nonRetryableErrorTypes);
    if (initialBackoff != null) {
      policy.setInitialBackoff(Values.duration(initialBackoff));
    }
    if (maxBackoff != null) {
      policy.setMaxBackoff(Values.duration(maxBackoff));
    }
    return policy.build();
  }
}
