package dev.taskstream.client;

import dev.taskstream.v1.CreateInstanceRequest;
import dev.taskstream.v1.InstanceOptions;
import dev.taskstream.v1.TaskSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * How {@link TaskstreamClient#createInstance(List, CreateInstanceOptions)} and {@link
 * TaskstreamClient#execute(List, CreateInstanceOptions, Duration)} create an instance: immutable,
 * each {@code withXxx} returns a copy. Unset options are the server's defaults.
 *
 * <pre>{@code
 * CreateInstanceOptions.DEFAULT
 *     .withTaskRetry(TaskRetryPolicy.maxAttempts(2))   // every task without its own
 *     .withStartTime(Instant.now().plusSeconds(5))     // WAITING (SCHEDULED) until then
 *     .withRetention(Duration.ofHours(1))              // deleted an hour after it ended
 *     .withCancelOnClientDisconnection(true)           // bound to this caller: see keepBound
 *     .withLabel("team", "search");
 * }</pre>
 */
public final class CreateInstanceOptions {
  /** No option set: the server's defaults. */
  public static final CreateInstanceOptions DEFAULT =
      new CreateInstanceOptions(CreateInstanceRequest.getDefaultInstance());

  // The request without parent and tasks.
  private final CreateInstanceRequest request;

  private CreateInstanceOptions(CreateInstanceRequest request) {
    this.request = request;
  }

  /** These options, with priority 0 to 9 (a smaller number runs first; 9 when unset). */
  public CreateInstanceOptions withPriority(int priority) {
    return with(r -> r.setPriority(priority));
  }

  /** These options, with the label {@code key} = {@code value} to filter instances by later. */
  public CreateInstanceOptions withLabel(String key, String value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    return with(r -> r.putLabels(key, value));
  }

  /**
   * These options, with an idempotency key: a retry with the same key returns the instance the
   * first call created.
   */
  public CreateInstanceOptions withRequestId(String requestId) {
    return with(r -> r.setRequestId(Objects.requireNonNull(requestId, "requestId")));
  }

  /**
   * These options, creating the instance SUSPENDED with its tasks held (or not), so that a watch
   * can start before anything runs; {@link TaskstreamClient#resume} starts it.
   */
  public CreateInstanceOptions withHold(boolean hold) {
    return with(r -> r.setHold(hold));
  }

  /** These options, cancelling the other tasks (reason CONSEQUENTIAL) when a task fails, or not. */
  public CreateInstanceOptions withCancelOnTaskFailure(boolean cancel) {
    return withOptions(o -> o.setCancelOnTaskFailure(cancel));
  }

  /** These options, with the timeout of every task without its own. */
  public CreateInstanceOptions withTaskTimeout(Duration timeout) {
    return withOptions(o -> o.setTaskTimeout(Values.duration(timeout)));
  }

  /** These options, with the retry policy of every task that has none of its own. */
  public CreateInstanceOptions withTaskRetry(TaskRetryPolicy policy) {
    return withOptions(o -> o.setRetryPolicy(policy.toProto()));
  }

  /**
   * These options, starting the tasks no earlier than {@code time}: until then they wait with
   * reason SCHEDULED (also across server restarts). A time that passed starts them at once.
   */
  public CreateInstanceOptions withStartTime(Instant time) {
    return with(r -> r.setStartTime(Values.timestamp(time)));
  }

  /**
   * These options, deleting the instance {@code retention} after it terminated, leaving a tombstone
   * ({@code Instance.getExpireTime()} says when), whatever the server's {@code --retention} is.
   */
  public CreateInstanceOptions withRetention(Duration retention) {
    return withOptions(o -> o.setRetention(Values.duration(retention)));
  }

  /**
   * These options, binding the instance to its caller (STK's cancel_on_client_disconnection), or
   * not: once no watch of it has been open for the grace period, the server stops it with reason
   * CLIENT_DISCONNECTED. Keep a watch open for as long as it should run: {@link
   * TaskstreamClient#keepBound(String)}, or any watch.
   */
  public CreateInstanceOptions withCancelOnClientDisconnection(boolean cancel) {
    return withOptions(o -> o.setCancelOnClientDisconnection(cancel));
  }

  /** These options, with the grace period of a bound instance (30 seconds when unset). */
  public CreateInstanceOptions withClientDisconnectGrace(Duration grace) {
    return withOptions(o -> o.setClientDisconnectGrace(Values.duration(grace)));
  }

  /**
   * The request these options make for {@code tasks}, for {@link
   * TaskstreamClient#createInstance(CreateInstanceRequest)} and the other calls taking a request;
   * its parent is empty (the client's project).
   */
  public CreateInstanceRequest toRequest(List<TaskSpec> tasks) {
    return request.toBuilder().addAllTasks(tasks).build();
  }

  private CreateInstanceOptions with(UnaryOperator<CreateInstanceRequest.Builder> change) {
    return new CreateInstanceOptions(change.apply(request.toBuilder()).build());
  }

  private CreateInstanceOptions withOptions(UnaryOperator<InstanceOptions.Builder> change) {
    return with(r -> r.setOptions(change.apply(r.getOptions().toBuilder())));
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof CreateInstanceOptions o && request.equals(o.request);
  }

  @Override
  public int hashCode() {
    return request.hashCode();
  }

  @Override
  public String toString() {
    return "CreateInstanceOptions{" + request.toString().replace('\n', ' ').trim() + "}";
  }
}
