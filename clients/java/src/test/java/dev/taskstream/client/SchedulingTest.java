package dev.taskstream.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import dev.taskstream.v1.CancelTaskRequest;
import dev.taskstream.v1.CancelTaskResponse;
import dev.taskstream.v1.CancellationReason;
import dev.taskstream.v1.CreateInstanceRequest;
import dev.taskstream.v1.CreateInstanceResponse;
import dev.taskstream.v1.DeleteInstanceRequest;
import dev.taskstream.v1.DeleteInstanceResponse;
import dev.taskstream.v1.GetTaskResultResponse;
import dev.taskstream.v1.Instance;
import dev.taskstream.v1.InstanceEvent;
import dev.taskstream.v1.InstanceOptions;
import dev.taskstream.v1.InstanceStatus;
import dev.taskstream.v1.Result;
import dev.taskstream.v1.RetryPolicy;
import dev.taskstream.v1.Task;
import dev.taskstream.v1.TaskAttempt;
import dev.taskstream.v1.TaskDependency;
import dev.taskstream.v1.TaskError;
import dev.taskstream.v1.TaskSpec;
import dev.taskstream.v1.TaskStatus;
import dev.taskstream.v1.TaskWaitingReasonChanged;
import dev.taskstream.v1.WaitingReason;
import dev.taskstream.v1.WatchInstanceRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Issue 22's scheduling against a scripted InstanceService. */
class SchedulingTest extends FakeServerTest {
  private static final Instant START = Instant.parse("2026-12-01T08:30:00.5Z");

  @Test
  void createInstanceSendsRetriesDependenciesLimitsAndEveryOption() {
    fake.creates.add(
        CreateInstanceResponse.newBuilder().setInstance(instance(1, running())).build());
    TaskRetryPolicy retry =
        TaskRetryPolicy.maxAttempts(3)
            .withInitialBackoff(Duration.ofMillis(100))
            .withBackoffMultiplier(1.5)
            .withMaxBackoff(Duration.ofSeconds(10))
            .withJitter(0.2)
            .withNonRetryableErrorTypes("ValueError");
    List<TaskSpec> tasks =
        List.of(
            TaskstreamClient.task("echo", Map.of()).toBuilder()
                .setName("extract")
                .setRetryPolicy(retry.toProto())
                .build(),
            TaskstreamClient.task("echo", Map.of()).toBuilder()
                .setName("load")
                .addDependencies(TaskDependency.newBuilder().setTask("extract"))
                .addDependencies(TaskDependency.newBuilder().setTask("x").setAllowFailure(true))
                .setConcurrencyKey("warehouse")
                .setConcurrencyLimit(2)
                .build());

    client.createInstance(
        tasks,
        CreateInstanceOptions.DEFAULT
            .withPriority(0)
            .withLabel("team", "search")
            .withRequestId("r1")
            .withHold(true)
            .withCancelOnTaskFailure(true)
            .withTaskTimeout(Duration.ofMinutes(1))
            .withTaskRetry(TaskRetryPolicy.maxAttempts(2))
            .withStartTime(START)
            .withRetention(Duration.ofHours(1))
            .withCancelOnClientDisconnection(true)
            .withClientDisconnectGrace(Duration.ofSeconds(45)));

    CreateInstanceRequest expected =
        CreateInstanceRequest.newBuilder()
            .setParent("projects/p")
            .addAllTasks(tasks)
            .setPriority(0)
            .putLabels("team", "search")
            .setRequestId("r1")
            .setHold(true)
            .setStartTime(
                com.google.protobuf.Timestamp.newBuilder()
                    .setSeconds(START.getEpochSecond())
                    .setNanos(500_000_000))
            .setOptions(
                InstanceOptions.newBuilder()
                    .setCancelOnTaskFailure(true)
                    .setTaskTimeout(seconds(60))
                    .setRetryPolicy(RetryPolicy.newBuilder().setMaxAttempts(2))
                    .setRetention(seconds(3600))
                    .setCancelOnClientDisconnection(true)
                    .setClientDisconnectGrace(seconds(45)))
            .build();
    assertEquals(expected, fake.requests(CreateInstanceRequest.class).get(0));
    assertEquals(
        RetryPolicy.newBuilder()
            .setMaxAttempts(3)
            .setInitialBackoff(com.google.protobuf.Duration.newBuilder().setNanos(100_000_000))
            .setBackoffMultiplier(1.5)
            .setMaxBackoff(seconds(10))
            .setJitter(0.2)
            .addNonRetryableErrorTypes("ValueError")
            .build(),
        expected.getTasks(0).getRetryPolicy());
  }

  @Test
  void defaultOptionsSendOnlyTheTasks() {
    fake.creates.add(
        CreateInstanceResponse.newBuilder().setInstance(instance(1, running())).build());
    List<TaskSpec> tasks = List.of(TaskstreamClient.task("echo", Map.of()));

    client.createInstance(tasks, CreateInstanceOptions.DEFAULT);

    assertEquals(
        CreateInstanceRequest.newBuilder().setParent("projects/p").addAllTasks(tasks).build(),
        fake.requests(CreateInstanceRequest.class).get(0));
  }

  @Test
  void aRetryPolicyReadsBackFromItsMessageAndLeavesUnsetBackoffsUnset() {
    TaskRetryPolicy full =
        TaskRetryPolicy.maxAttempts(4)
            .withInitialBackoff(Duration.ofMillis(50))
            .withMaxBackoff(Duration.ofSeconds(2))
            .withNonRetryableErrorTypes("ValueError", "KeyError");
    assertEquals(full, TaskRetryPolicy.fromProto(full.toProto()));

    RetryPolicy bare = TaskRetryPolicy.maxAttempts(2).toProto();
    assertFalse(bare.hasInitialBackoff());
    assertFalse(bare.hasMaxBackoff());
    assertEquals(TaskRetryPolicy.maxAttempts(2), TaskRetryPolicy.fromProto(bare));
  }

  @Test
  void cancelTaskNamesTheTaskWithReasonAndMessage() {
    fake.cancelTasks.add(
        CancelTaskResponse.newBuilder().setInstance(instance(4, running())).build());
    fake.cancelTasks.add(
        CancelTaskResponse.newBuilder().setInstance(instance(5, running())).build());

    Instance cancelled =
        client.cancelTask(
            "20261121103000123abcdefgh",
            "load",
            CancellationReason.CANCELLATION_REASON_DIRECT,
            "not needed");
    client.cancelTask(NAME, "extract");

    assertEquals(4, cancelled.getSeq());
    assertEquals(
        List.of(
            CancelTaskRequest.newBuilder()
                .setName(NAME + "/tasks/load")
                .setReason(CancellationReason.CANCELLATION_REASON_DIRECT)
                .setMessage("not needed")
                .build(),
            CancelTaskRequest.newBuilder()
                .setName(NAME + "/tasks/extract")
                .setReason(CancellationReason.CANCELLATION_REASON_DIRECT)
                .build()),
        fake.requests(CancelTaskRequest.class));
    assertThrows(IllegalArgumentException.class, () -> client.cancelTask(NAME, ""));
    assertEquals(2, fake.requests(CancelTaskRequest.class).size());
  }

  @Test
  void cancelTaskOfATaskThatEndedThrowsFailedPreconditionWithTheReason() {
    fake.cancelTasks.add(withReason(Status.Code.FAILED_PRECONDITION, "TASK_TERMINATED"));

    FailedPreconditionException e =
        assertThrows(FailedPreconditionException.class, () -> client.cancelTask(NAME, "load"));

    assertEquals("TASK_TERMINATED", e.reason().orElseThrow());
  }

  @Test
  void deleteInstanceNamesItAndReadingItThenIsNotFoundWithTheReason() throws Exception {
    fake.deletes.add(DeleteInstanceResponse.getDefaultInstance());
    fake.deletes.add(DeleteInstanceResponse.getDefaultInstance());
    fake.gets.add(withReason(Status.Code.NOT_FOUND, "INSTANCE_DELETED"));

    client.deleteInstance("20261121103000123abcdefgh");
    assertNull(client.deleteInstanceAsync(NAME).get(10, TimeUnit.SECONDS));

    assertEquals(
        List.of(NAME, NAME),
        fake.requests(DeleteInstanceRequest.class).stream()
            .map(DeleteInstanceRequest::getName)
            .toList());
    NotFoundException e = assertThrows(NotFoundException.class, () -> client.getInstance(NAME));
    assertEquals("INSTANCE_DELETED", e.reason().orElseThrow());
  }

  @Test
  void deleteInstanceOfARunningInstanceThrowsFailedPrecondition() {
    fake.deletes.add(withReason(Status.Code.FAILED_PRECONDITION, "INSTANCE_NOT_TERMINATED"));

    FailedPreconditionException e =
        assertThrows(FailedPreconditionException.class, () -> client.deleteInstance(NAME));

    assertEquals("INSTANCE_NOT_TERMINATED", e.reason().orElseThrow());
  }

  @Test
  void aResultNamesTheDependenciesAWaitingTaskWaitsOn() {
    fake.results.add(
        GetTaskResultResponse.newBuilder()
            .setTask(
                Task.newBuilder()
                    .setName("report")
                    .setStatus(TaskStatus.TASK_STATUS_WAITING)
                    .setWaitingReason(WaitingReason.WAITING_REASON_DEPENDENCY)
                    .addWaitingOn("extract")
                    .addWaitingOn("load"))
            .build());

    TaskResult result = client.result(NAME, "report");

    assertEquals(WaitingReason.WAITING_REASON_DEPENDENCY, result.waitingReason());
    assertEquals(List.of("extract", "load"), result.waitingOn());
  }

  @Test
  void aResultReadsTheAttemptHistoryAndTheWaitingReason() {
    TaskAttempt failed =
        TaskAttempt.newBuilder()
            .setAttempt(1)
            .setStatus(TaskStatus.TASK_STATUS_FAILED)
            .setWorker("w1")
            .setError(TaskError.newBuilder().setType("builtins.OSError").setMessage("no"))
            .build();
    TaskAttempt timedOut =
        TaskAttempt.newBuilder()
            .setAttempt(2)
            .setStatus(TaskStatus.TASK_STATUS_TIMED_OUT)
            .setResult(Result.newBuilder().setText("partial"))
            .build();
    fake.results.add(
        GetTaskResultResponse.newBuilder()
            .setTask(
                Task.newBuilder()
                    .setName("extract")
                    .setStatus(TaskStatus.TASK_STATUS_WAITING)
                    .setWaitingReason(WaitingReason.WAITING_REASON_BACKOFF)
                    .addAttemptHistory(failed)
                    .addAttemptHistory(timedOut))
            .build());

    TaskResult result = client.result(NAME, "extract");

    assertEquals(WaitingReason.WAITING_REASON_BACKOFF, result.waitingReason());
    assertEquals(List.of(), result.waitingOn());
    assertEquals(List.of(failed, timedOut), result.attemptHistory());
  }

  @Test
  void aWatchReportsAWaitingTasksNewReason() {
    fake.watches.add(
        new FakeInstanceService.Stream<>(
            List.of(
                snapshot(instance(1, running())),
                event(
                    2,
                    InstanceEvent.newBuilder()
                        .setTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(7))
                        .setTaskWaitingReasonChanged(
                            TaskWaitingReasonChanged.newBuilder()
                                .setTask("load")
                                .setWaitingReason(WaitingReason.WAITING_REASON_QUEUED))),
                snapshot(instance(3, terminated()))),
            null));

    List<WatchEvent> events;
    try (InstanceWatch watch = client.watch(NAME)) {
      events = watch.stream().toList();
    }

    assertEquals(
        new WatchEvent.TaskWaitingReasonChanged(
            2, Instant.ofEpochSecond(7), "load", WaitingReason.WAITING_REASON_QUEUED),
        events.get(1));
  }

  @Test
  void keepBoundHoldsAWatchAcrossDropsAndReturnsTheTerminatedInstance() {
    fake.watches.add(
        new FakeInstanceService.Stream<>(
            List.of(snapshot(instance(4, running())), event(5, progress(50, "half"))),
            Status.UNAVAILABLE.asRuntimeException()));
    fake.watches.add(
        new FakeInstanceService.Stream<>(List.of(snapshot(instance(7, terminated()))), null));

    Instance terminated = client.keepBound("20261121103000123abcdefgh");

    assertEquals(InstanceStatus.INSTANCE_STATUS_TERMINATED, terminated.getStatus());
    assertEquals(7, terminated.getSeq());
    assertEquals(
        List.of(0L, 5L),
        fake.requests(WatchInstanceRequest.class).stream()
            .map(WatchInstanceRequest::getAfterSeq)
            .toList());
  }

  @Test
  void cancellingKeepBoundAsyncEndsTheWatch() throws InterruptedException {
    fake.watches.add(
        new FakeInstanceService.Stream<>(
            List.of(snapshot(instance(1, running()))), FakeInstanceService.HOLD));

    CompletableFuture<Instance> bound = client.keepBoundAsync(NAME);
    assertFalse(bound.isDone());
    bound.cancel(true);

    assertTrue(fake.cancelled.await(10, TimeUnit.SECONDS), "the server saw the cancellation");
  }

  @Test
  void keepBoundOfAnUnknownInstanceThrowsNotFound() {
    fake.watches.add(
        new FakeInstanceService.Stream<>(List.of(), Status.NOT_FOUND.asRuntimeException()));

    ApiException e = assertThrows(ApiException.class, () -> client.keepBound(NAME));

    assertInstanceOf(NotFoundException.class, e);
  }

  private static com.google.protobuf.Duration seconds(long seconds) {
    return com.google.protobuf.Duration.newBuilder().setSeconds(seconds).build();
  }

  private static StatusRuntimeException withReason(Status.Code code, String reason) {
    return StatusProto.toStatusRuntimeException(
        com.google.rpc.Status.newBuilder()
            .setCode(code.value())
            .setMessage("refused")
            .addDetails(Any.pack(ErrorInfo.newBuilder().setReason(reason).build()))
            .build());
  }
}
