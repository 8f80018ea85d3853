package dev.taskstream.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.ResourceInfo;
import dev.taskstream.v1.BinaryValue;
import dev.taskstream.v1.CancellationReason;
import dev.taskstream.v1.CreateInstanceRequest;
import dev.taskstream.v1.CreateInstanceResponse;
import dev.taskstream.v1.GetInstanceRequest;
import dev.taskstream.v1.GetInstanceResponse;
import dev.taskstream.v1.GetTaskResultRequest;
import dev.taskstream.v1.GetTaskResultResponse;
import dev.taskstream.v1.Heartbeat;
import dev.taskstream.v1.Instance;
import dev.taskstream.v1.InstanceEvent;
import dev.taskstream.v1.InstanceStatus;
import dev.taskstream.v1.PropertyValue;
import dev.taskstream.v1.Result;
import dev.taskstream.v1.StopInstanceRequest;
import dev.taskstream.v1.StopInstanceResponse;
import dev.taskstream.v1.Task;
import dev.taskstream.v1.TaskError;
import dev.taskstream.v1.TaskStatus;
import dev.taskstream.v1.TaskStatusChanged;
import dev.taskstream.v1.WaitInstanceRequest;
import dev.taskstream.v1.WaitInstanceResponse;
import dev.taskstream.v1.WatchEnd;
import dev.taskstream.v1.WatchEndReason;
import dev.taskstream.v1.WatchInstanceRequest;
import dev.taskstream.v1.WatchInstanceResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The client's unary calls, watch, waits and results against a scripted InstanceService. */
class TaskstreamClientTest extends FakeServerTest {
  @Test
  void createInstanceSendsTheProjectTheUserAndJsonParameters() {
    fake.creates.add(
        CreateInstanceResponse.newBuilder().setInstance(instance(1, running())).build());

    Instance created = client.createInstance("echo", Map.of("n", 3, "xs", List.of(1, 2)));

    assertEquals(NAME, created.getName());
    CreateInstanceRequest request = fake.requests(CreateInstanceRequest.class).get(0);
    assertEquals("projects/p", request.getParent());
    assertEquals("echo", request.getTasks(0).getType());
    assertEquals(
        JsonParser.parseString("{\"n\": 3, \"xs\": [1, 2]}"),
        JsonParser.parseString(request.getTasks(0).getParametersJson()));
    assertEquals("alice", fake.headers.get(0).get(TaskstreamClient.USER_KEY));
  }

  @Test
  void noParametersSendAnEmptyJsonField() {
    assertEquals("", TaskstreamClient.task("noop", Map.of()).getParametersJson());
    assertEquals("", TaskstreamClient.task("noop", null).getParametersJson());
  }

  @Test
  void bareIdsResolveInTheClientsProject() {
    fake.gets.add(GetInstanceResponse.newBuilder().setInstance(instance(1, running())).build());
    fake.gets.add(GetInstanceResponse.newBuilder().setInstance(instance(1, running())).build());

    client.getInstance("20261121103000123abcdefgh");
    client.getInstance("projects/other/instances/x");

    List<GetInstanceRequest> requests = fake.requests(GetInstanceRequest.class);
    assertEquals(NAME, requests.get(0).getName());
    assertEquals("projects/other/instances/x", requests.get(1).getName());
  }

  @Test
  void notFoundIsTypedAndNamesTheResource() {
    fake.gets.add(
        statusError(
            com.google.rpc.Status.newBuilder()
                .setCode(Status.Code.NOT_FOUND.value())
                .setMessage("instance not found")
                .addDetails(Any.pack(ResourceInfo.newBuilder().setResourceName(NAME).build()))
                .build()));

    NotFoundException e = assertThrows(NotFoundException.class, () -> client.getInstance(NAME));

    assertEquals(Status.Code.NOT_FOUND, e.code());
    assertEquals("instance not found", e.details());
    assertEquals(NAME, e.resourceName().orElseThrow());
  }

  @Test
  void invalidArgumentCarriesFieldViolationsAndErrorInfo() {
    fake.creates.add(
        statusError(
            com.google.rpc.Status.newBuilder()
                .setCode(Status.Code.INVALID_ARGUMENT.value())
                .setMessage("bad spec")
                .addDetails(
                    Any.pack(
                        BadRequest.newBuilder()
                            .addFieldViolations(
                                BadRequest.FieldViolation.newBuilder()
                                    .setField("tasks[0].type")
                                    .setDescription("unknown task type 'nope'"))
                            .build()))
                .addDetails(
                    Any.pack(
                        ErrorInfo.newBuilder()
                            .setReason("UNKNOWN_TASK_TYPE")
                            .putMetadata("type", "nope")
                            .build()))
                .build()));

    InvalidArgumentException e =
        assertThrows(InvalidArgumentException.class, () -> client.createInstance("nope", null));

    assertEquals(
        List.of(new FieldViolation("tasks[0].type", "unknown task type 'nope'")),
        e.fieldViolations());
    assertEquals("UNKNOWN_TASK_TYPE", e.reason().orElseThrow());
    assertEquals(Map.of("type", "nope"), e.metadata());
    assertEquals("INVALID_ARGUMENT: bad spec", e.getMessage());
  }

  @Test
  void codesWithoutAClassOfTheirOwnArePlainApiExceptions() {
    fake.gets.add(Status.INTERNAL.withDescription("boom").asRuntimeException());

    ApiException e = assertThrows(ApiException.class, () -> client.getInstance(NAME));

    assertEquals(ApiException.class, e.getClass());
    assertEquals(Status.Code.INTERNAL, e.code());
    assertTrue(e.reason().isEmpty());
  }

  @Test
  void watchReportsTypedEventsAndEndsAtTheTerminalSnapshot() {
    fake.watches.add(
        new FakeInstanceService.Stream<>(
            List.of(
                snapshot(instance(2, running())),
                heartbeat(2),
                event(
                    3, taskStatus(TaskStatus.TASK_STATUS_RUNNING, TaskStatus.TASK_STATUS_SUCCESS)),
                event(4, progress(40, "reading")),
                snapshot(instance(5, terminated()))),
            null));

    List<WatchEvent> events = drain(client.watch(NAME));

    assertEquals(List.of(2L, 3L, 4L, 5L), seqs(events));
    assertFalse(((WatchEvent.Snapshot) events.get(0)).terminated());
    var change = assertInstanceOf(WatchEvent.TaskStatusChanged.class, events.get(1));
    assertEquals(TaskStatus.TASK_STATUS_RUNNING, change.previousStatus());
    assertEquals(TaskStatus.TASK_STATUS_SUCCESS, change.status());
    assertEquals("t", change.taskName());
    var update = assertInstanceOf(WatchEvent.TaskProgressUpdated.class, events.get(2));
    assertEquals("reading", update.progress().getMessage());
    assertTrue(((WatchEvent.Snapshot) events.get(3)).terminated());
    WatchInstanceRequest request = fake.requests(WatchInstanceRequest.class).get(0);
    assertEquals(0, request.getAfterSeq());
    assertFalse(request.getIncludeOutput());
  }

  @Test
  void heartbeatsAndOutputWhenAsked() {
    fake.watches.add(
        new FakeInstanceService.Stream<>(
            List.of(heartbeat(7), snapshot(instance(7, terminated()))), null));

    List<WatchEvent> events =
        drain(
            client.watch(
                NAME,
                WatchOptions.DEFAULT.withAfterSeq(7).withIncludeOutput(true).withHeartbeats(true)));

    assertInstanceOf(WatchEvent.Heartbeat.class, events.get(0));
    WatchInstanceRequest request = fake.requests(WatchInstanceRequest.class).get(0);
    assertEquals(7, request.getAfterSeq());
    assertTrue(request.getIncludeOutput());
  }

  @Test
  void aDroppedWatchResumesAfterTheLastSeqWithoutRepeats() {
    fake.watches.add(
        new FakeInstanceService.Stream<>(
            List.of(
                snapshot(instance(1, running())),
                event(2, progress(10, "a")),
                event(3, progress(20, "b"))),
            Status.UNAVAILABLE.withDescription("connection reset").asRuntimeException()));
    fake.watches.add(
        new FakeInstanceService.Stream<>(
            List.of(event(3, progress(20, "b")), event(4, progress(30, "c"))), null));
    fake.watches.add(
        new FakeInstanceService.Stream<>(
            List.of(
                WatchInstanceResponse.newBuilder()
                    .setEnd(
                        WatchEnd.newBuilder()
                            .setReason(WatchEndReason.WATCH_END_REASON_SERVER_DRAINING)
                            .setResumeAfterSeq(4))
                    .build()),
            null));
    fake.watches.add(
        new FakeInstanceService.Stream<>(
            List.of(event(5, progress(40, "d")), snapshot(instance(6, terminated()))), null));

    InstanceWatch watch = client.watch(NAME);
    List<WatchEvent> events = drain(watch);

    assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), seqs(events));
    assertEquals(
        List.of(0L, 3L, 4L, 4L),
        fake.requests(WatchInstanceRequest.class).stream()
            .map(WatchInstanceRequest::getAfterSeq)
            .toList());
    assertEquals(6, watch.seq());
  }

  @Test
  void aWatchGivesUpAfterTooManyFailuresInARow() {
    for (int i = 0; i < 3; i++) {
      fake.watches.add(
          new FakeInstanceService.Stream<>(List.of(), Status.UNAVAILABLE.asRuntimeException()));
    }

    InstanceWatch watch = client.watch(NAME);

    assertThrows(UnavailableException.class, watch::hasNext);
    assertFalse(watch.hasNext());
    assertEquals(3, fake.requests(WatchInstanceRequest.class).size());
  }

  @Test
  void aWatchFailingTwiceInARowResumesAfterABackoff() {
    fake.watches.add(
        new FakeInstanceService.Stream<>(
            List.of(snapshot(instance(1, running()))), Status.UNAVAILABLE.asRuntimeException()));
    fake.watches.add(
        new FakeInstanceService.Stream<>(List.of(), Status.UNAVAILABLE.asRuntimeException()));
    fake.watches.add(
        new FakeInstanceService.Stream<>(List.of(snapshot(instance(2, terminated()))), null));

    List<WatchEvent> events;
    try (TaskstreamClient patient =
        TaskstreamClient.newBuilder()
            .channel(channel)
            .project("p")
            .streamRetry(new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(1)))
            .build()) {
      events = drain(patient.watch(NAME));
    }

    assertEquals(List.of(1L, 2L), seqs(events));
    assertEquals(3, fake.requests(WatchInstanceRequest.class).size());
  }

  @Test
  void notFoundEndsAWatchWithoutRetrying() {
    fake.watches.add(
        new FakeInstanceService.Stream<>(List.of(), Status.NOT_FOUND.asRuntimeException()));

    assertThrows(NotFoundException.class, () -> client.watch(NAME).hasNext());
    assertEquals(1, fake.requests(WatchInstanceRequest.class).size());
  }

  @Test
  void aDeletedInstanceEndsTheWatchWithNotFound() {
    fake.watches.add(
        new FakeInstanceService.Stream<>(
            List.of(
                snapshot(instance(1, running())),
                WatchInstanceResponse.newBuilder()
                    .setEnd(
                        WatchEnd.newBuilder()
                            .setReason(WatchEndReason.WATCH_END_REASON_INSTANCE_DELETED))
                    .build()),
            null));

    InstanceWatch watch = client.watch(NAME);
    watch.next();

    assertThrows(NotFoundException.class, watch::hasNext);
  }

  @Test
  void aClosedWatchHasNoMoreEvents() {
    fake.watches.add(
        new FakeInstanceService.Stream<>(
            List.of(snapshot(instance(1, running())), event(2, progress(10, "a"))), null));

    InstanceWatch watch = client.watch(NAME);
    watch.next();
    watch.close();

    assertFalse(watch.hasNext());
  }

  @Test
  void awaitReturnsTheTerminatedInstance() {
    fake.waits.add(
        WaitInstanceResponse.newBuilder()
            .setInstance(instance(9, terminated()))
            .setTerminated(true)
            .build());

    Instance done = client.await(NAME, Duration.ofMinutes(30));

    assertEquals(InstanceStatus.INSTANCE_STATUS_TERMINATED, done.getStatus());
    // One call never asks the server to wait longer than it would.
    assertEquals(600, fake.requests(WaitInstanceRequest.class).get(0).getTimeout().getSeconds());
  }

  @Test
  void awaitThrowsWithTheCurrentStateWhenItsTimeoutPasses() {
    fake.waits.add(WaitInstanceResponse.newBuilder().setInstance(instance(3, running())).build());

    WaitTimeoutException e =
        assertThrows(WaitTimeoutException.class, () -> client.await(NAME, Duration.ZERO));

    assertEquals(InstanceStatus.INSTANCE_STATUS_RUNNING, e.instance().getStatus());
    assertEquals(
        1_000_000, fake.requests(WaitInstanceRequest.class).get(0).getTimeout().getNanos());
  }

  @Test
  void executeWaitsInTheCreateCallOnAServerThatHonoursWaitTimeout() {
    fake.creates.add(
        CreateInstanceResponse.newBuilder()
            .setInstance(instance(5, terminated()))
            .setTerminated(true)
            .build());

    Instance done = client.execute("echo", Map.of("n", 3), Duration.ofSeconds(45));

    assertEquals(InstanceStatus.INSTANCE_STATUS_TERMINATED, done.getStatus());
    assertEquals(1, fake.requests.size(), "one CreateInstance and no WaitInstance");
    CreateInstanceRequest request = fake.requests(CreateInstanceRequest.class).get(0);
    assertEquals("projects/p", request.getParent());
    assertEquals("echo", request.getTasks(0).getType());
    Duration wait =
        Duration.ofSeconds(
            request.getWaitTimeout().getSeconds(), request.getWaitTimeout().getNanos());
    assertTrue(
        !wait.isNegative() && !wait.isZero() && wait.compareTo(Duration.ofSeconds(45)) <= 0,
        "wait " + wait);
    // The call outlives its wait (and the client's 30 s call timeout), so the server answers first.
    long remaining = fake.deadlines.get(0).timeRemaining(TimeUnit.SECONDS);
    assertTrue(remaining > wait.toSeconds(), "deadline in " + remaining + " s");
  }

  @Test
  void executeFallsBackToWaitInstanceWhenTheServerIgnoresWaitTimeout() {
    fake.creates.add(
        CreateInstanceResponse.newBuilder().setInstance(instance(1, running())).build());
    fake.waits.add(
        WaitInstanceResponse.newBuilder()
            .setInstance(instance(9, terminated()))
            .setTerminated(true)
            .build());

    Instance done =
        client.execute(List.of(TaskstreamClient.task("echo", null)), Duration.ofMinutes(30));

    assertEquals(9, done.getSeq());
    assertEquals(InstanceStatus.INSTANCE_STATUS_TERMINATED, done.getStatus());
    // The create waits a minute at most; the WaitInstance that follows as long as await's do.
    assertEquals(
        60, fake.requests(CreateInstanceRequest.class).get(0).getWaitTimeout().getSeconds());
    WaitInstanceRequest wait = fake.requests(WaitInstanceRequest.class).get(0);
    assertEquals(NAME, wait.getName());
    assertEquals(600, wait.getTimeout().getSeconds());
    assertEquals(2, fake.requests.size());
  }

  @Test
  void executeThrowsWithTheCurrentStateWhenItsTimeoutPasses() {
    fake.creates.add(
        CreateInstanceResponse.newBuilder().setInstance(instance(3, running())).build());

    WaitTimeoutException e =
        assertThrows(WaitTimeoutException.class, () -> client.execute("echo", null, Duration.ZERO));

    assertEquals(InstanceStatus.INSTANCE_STATUS_RUNNING, e.instance().getStatus());
    assertEquals("instance " + NAME + " did not terminate within PT0S", e.getMessage());
    // Zero asks for a millisecond, as await does, not for no wait.
    assertEquals(
        1_000_000, fake.requests(CreateInstanceRequest.class).get(0).getWaitTimeout().getNanos());
    assertTrue(fake.requests(WaitInstanceRequest.class).isEmpty());
  }

  @Test
  void executeOfAFailedInstanceThrowsWithTheInstanceAndTheFailedTask() {
    Instance failed =
        instance(
            4,
            terminated()
                .setSuccessful(false)
                .setTasks(
                    0, Task.newBuilder().setName("t").setStatus(TaskStatus.TASK_STATUS_FAILED)));
    fake.creates.add(
        CreateInstanceResponse.newBuilder().setInstance(failed).setTerminated(true).build());

    InstanceFailedException e =
        assertThrows(
            InstanceFailedException.class,
            () -> client.execute("echo", null, Duration.ofMinutes(1)));

    assertEquals(failed, e.instance());
    assertEquals("t", e.failedTask().getName());
    assertEquals(TaskStatus.TASK_STATUS_FAILED, e.taskStatus());
    assertTrue(e.getMessage().contains(NAME), e.getMessage());
  }

  @Test
  void executeDoesNotRetryAFailedCreate() {
    fake.creates.add(Status.UNAVAILABLE.withDescription("connection reset").asRuntimeException());
    CreateInstanceRequest request =
        CreateInstanceRequest.newBuilder()
            .setParent("projects/other")
            .setRequestId("once")
            .addTasks(TaskstreamClient.task("echo", null))
            .build();

    assertThrows(UnavailableException.class, () -> client.execute(request, Duration.ofMinutes(1)));

    List<CreateInstanceRequest> sent = fake.requests(CreateInstanceRequest.class);
    assertEquals(1, fake.requests.size());
    assertEquals("projects/other", sent.get(0).getParent());
    assertEquals("once", sent.get(0).getRequestId());
  }

  @Test
  void resultDecodesJsonOutputPropertiesAndError() {
    Task task =
        Task.newBuilder()
            .setName("t")
            .setStatus(TaskStatus.TASK_STATUS_FAILED)
            .putProperties("n", PropertyValue.newBuilder().setIntValue(100).build())
            .putProperties("s", PropertyValue.newBuilder().setStringValue("one").build())
            .putProperties("d", PropertyValue.newBuilder().setDoubleValue(0.5).build())
            .putProperties(
                "b",
                PropertyValue.newBuilder()
                    .setBytesValue(ByteString.copyFrom(new byte[] {0, 1}))
                    .build())
            .setError(TaskError.newBuilder().setType("builtins.ValueError").setMessage("no"))
            .build();
    fake.results.add(
        GetTaskResultResponse.newBuilder()
            .setTask(task)
            .setResult(Result.newBuilder().setJson("{\"a\": [1, 2]}"))
            .setStdout(ByteString.copyFromUtf8("out ✓"))
            .setStderr(ByteString.copyFromUtf8("Traceback"))
            .build());

    TaskResult result = client.result("20261121103000123abcdefgh", "t");

    assertEquals(Map.of("a", List.of(1L, 2L)), result.value());
    assertTrue(result.hasValue());
    record A(List<Integer> a) {}
    assertEquals(new A(List.of(1, 2)), result.value(A.class));
    assertEquals("out ✓", result.stdout());
    assertEquals("Traceback", result.stderr());
    assertEquals(
        Map.of("n", 100L, "s", "one", "d", 0.5, "b", ByteString.copyFrom(new byte[] {0, 1})),
        result.properties());
    assertEquals(List.of("b", "d", "n", "s"), List.copyOf(result.properties().keySet()));
    assertEquals("no", result.error().orElseThrow().getMessage());
    assertTrue(result.cancellation().isEmpty());
    GetTaskResultRequest request = fake.requests(GetTaskResultRequest.class).get(0);
    assertEquals(NAME, request.getInstance());
    assertEquals("t", request.getTask());
  }

  @Test
  void aTextResultIsAJsonString() {
    fake.results.add(
        GetTaskResultResponse.newBuilder()
            .setTask(Task.newBuilder().setName("t"))
            .setResult(Result.newBuilder().setText("a,b"))
            .build());

    TaskResult result = client.result(NAME);

    assertEquals("a,b", result.value());
    assertEquals("a,b", result.value(String.class));
    assertEquals("a,b", result.text().orElseThrow());
  }

  @Test
  void bytesAndNoValueAreNotJson() {
    fake.results.add(
        GetTaskResultResponse.newBuilder()
            .setResult(
                Result.newBuilder()
                    .setBinary(BinaryValue.newBuilder().setData(ByteString.copyFromUtf8("x"))))
            .build());
    fake.results.add(GetTaskResultResponse.getDefaultInstance());

    TaskResult binary = client.result(NAME);
    TaskResult none = client.result(NAME);

    assertTrue(!binary.hasValue() && binary.value() == null && binary.text().isEmpty());
    assertEquals("x", binary.result().getBinary().getData().toStringUtf8());
    assertTrue(!none.hasValue() && none.value() == null);
    assertThrows(IllegalStateException.class, () -> none.value(String.class));
  }

  @Test
  void stopSendsTheReasonAndMessage() {
    fake.stops.add(StopInstanceResponse.newBuilder().setInstance(instance(4, running())).build());

    client.stop(NAME, CancellationReason.CANCELLATION_REASON_DIRECT, "wrong input");

    StopInstanceRequest request = fake.requests(StopInstanceRequest.class).get(0);
    assertEquals(CancellationReason.CANCELLATION_REASON_DIRECT, request.getReason());
    assertEquals("wrong input", request.getMessage());
  }

  @Test
  void theBuilderWantsExactlyOneOfTargetAndChannel() {
    assertThrows(IllegalStateException.class, () -> TaskstreamClient.newBuilder().build());
    assertThrows(
        IllegalStateException.class,
        () -> TaskstreamClient.newBuilder().target("localhost:1").channel(channel).build());
  }

  private static List<WatchEvent> drain(InstanceWatch watch) {
    List<WatchEvent> events = new ArrayList<>();
    try (watch) {
      watch.forEachRemaining(events::add);
    }
    return events;
  }

  private static List<Long> seqs(List<WatchEvent> events) {
    return events.stream().map(WatchEvent::seq).toList();
  }

  private static StatusRuntimeException statusError(com.google.rpc.Status status) {
    return StatusProto.toStatusRuntimeException(status);
  }

  private static WatchInstanceResponse heartbeat(long seq) {
    return WatchInstanceResponse.newBuilder()
        .setHeartbeat(Heartbeat.newBuilder().setSeq(seq))
        .build();
  }

  private static InstanceEvent.Builder taskStatus(TaskStatus previous, TaskStatus status) {
    return InstanceEvent.newBuilder()
        .setTaskStatusChanged(
            TaskStatusChanged.newBuilder()
                .setPreviousStatus(previous)
                .setTask(Task.newBuilder().setName("t").setStatus(status)));
  }
}
