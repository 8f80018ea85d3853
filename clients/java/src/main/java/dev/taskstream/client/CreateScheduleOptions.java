package dev.taskstream.client;

import dev.taskstream.v1.CreateInstanceRequest;
import dev.taskstream.v1.CreateScheduleRequest;
import dev.taskstream.v1.InstanceTemplate;
import dev.taskstream.v1.OverlapPolicy;
import dev.taskstream.v1.Schedule;
import dev.taskstream.v1.TaskSpec;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * How {@link TaskstreamClient#createSchedule(String, ScheduleTiming, List, CreateScheduleOptions)}
 * creates a schedule: immutable, each {@code withXxx} returns a copy. Unset options are the
 * server's defaults.
 *
 * <pre>{@code
 * CreateScheduleOptions.DEFAULT
 *     .withOverlapPolicy(OverlapPolicy.OVERLAP_POLICY_ALLOW)   // while an earlier one still runs
 *     .withCatchUpWindow(Duration.ofMinutes(10))              // after the server was away
 *     .withInstanceOptions(CreateInstanceOptions.DEFAULT.withLabel("team", "data"));
 * }</pre>
 */
public final class CreateScheduleOptions {
  /** No option set: the server's defaults. */
  public static final CreateScheduleOptions DEFAULT =
      new CreateScheduleOptions(
          CreateScheduleRequest.getDefaultInstance(), CreateInstanceOptions.DEFAULT);

  // The request without parent, id, timing and template.
  private final CreateScheduleRequest request;
  private final CreateInstanceOptions instanceOptions;

  private CreateScheduleOptions(
      CreateScheduleRequest request, CreateInstanceOptions instanceOptions) {
    this.request = request;
    this.instanceOptions = instanceOptions;
  }

  /**
   * These options, with what a firing does while an instance the schedule started still runs:
   * OVERLAP_POLICY_SKIP (the default) starts nothing, OVERLAP_POLICY_ALLOW starts another one,
   * OVERLAP_POLICY_CANCEL_PREVIOUS stops the running ones first. A trigger applies it too.
   */
  public CreateScheduleOptions withOverlapPolicy(OverlapPolicy policy) {
    Objects.requireNonNull(policy, "policy");
    return withSchedule(s -> s.setOverlapPolicy(policy));
  }

  /**
   * These options, with how late a fire time may still fire when the server comes back after it
   * passed (10 seconds to 7 days; one hour when unset). Older ones are missed.
   */
  public CreateScheduleOptions withCatchUpWindow(Duration window) {
    return withSchedule(s -> s.setCatchUpWindow(Values.duration(window)));
  }

  /** These options, creating the schedule paused (or not): it fires nothing until resumed. */
  public CreateScheduleOptions withPaused(boolean paused) {
    return withSchedule(s -> s.setPaused(paused));
  }

  /**
   * These options, with an idempotency key: a retry with the same key (and the same request)
   * returns the schedule the first call created instead of throwing {@link AlreadyExistsException}.
   */
  public CreateScheduleOptions withRequestId(String requestId) {
    Objects.requireNonNull(requestId, "requestId");
    return new CreateScheduleOptions(
        request.toBuilder().setRequestId(requestId).build(), instanceOptions);
  }

  /**
   * These options, creating every instance the schedule starts as {@code options} say: labels,
   * priority, default retry policy, task timeout, retention, cancel on task failure.
   *
   * @throws IllegalArgumentException when {@code options} hold, set a start time or a request id,
   *     which belong to one create only
   */
  public CreateScheduleOptions withInstanceOptions(CreateInstanceOptions options) {
    CreateInstanceRequest made = options.toRequest(List.of());
    if (made.getHold() || made.hasStartTime() || !made.getRequestId().isEmpty()) {
      throw new IllegalArgumentException(
          "hold, a start time and a request id do not apply to a schedule's instances");
    }
    return new CreateScheduleOptions(request, options);
  }

  /**
   * The request these options make for schedule {@code scheduleId} firing at {@code timing} with
   * {@code tasks}, for {@link TaskstreamClient#createSchedule(CreateScheduleRequest)}; its parent
   * is empty (the client's project).
   */
  public CreateScheduleRequest toRequest(
      String scheduleId, ScheduleTiming timing, List<TaskSpec> tasks) {
    Objects.requireNonNull(scheduleId, "scheduleId");
    Objects.requireNonNull(timing, "timing");
    // The template is what a CreateInstance of the same tasks and options would send.
    CreateInstanceRequest instance = instanceOptions.toRequest(tasks);
    InstanceTemplate.Builder template =
        InstanceTemplate.newBuilder()
            .addAllTasks(instance.getTasksList())
            .putAllLabels(instance.getLabelsMap());
    if (instance.hasOptions()) {
      template.setOptions(instance.getOptions());
    }
    if (instance.hasPriority()) {
      template.setPriority(instance.getPriority());
    }
    Schedule.Builder schedule = timing.applyTo(request.getSchedule().toBuilder());
    return request.toBuilder()
        .setScheduleId(scheduleId)
        .setSchedule(schedule.setInstanceTemplate(template))
        .build();
  }

  private CreateScheduleOptions withSchedule(UnaryOperator<Schedule.Builder> change) {
    return new CreateScheduleOptions(
        request.toBuilder().setSchedule(change.apply(request.getSchedule().toBuilder())).build(),
        instanceOptions);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof CreateScheduleOptions o
        && request.equals(o.request)
        && instanceOptions.equals(o.instanceOptions);
  }

  @Override
  public int hashCode() {
    return Objects.hash(request, instanceOptions);
  }

  @Override
  public String toString() {
    return "CreateScheduleOptions{"
        + request.toString().replace('\n', ' ').trim()
        + " instances: "
        + instanceOptions
        + "}";
  }
}
