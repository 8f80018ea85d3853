package dev.taskstream.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.ResourceInfo;
import dev.taskstream.v1.CreateScheduleRequest;
import dev.taskstream.v1.CreateScheduleResponse;
import dev.taskstream.v1.CronSpec;
import dev.taskstream.v1.DeleteScheduleRequest;
import dev.taskstream.v1.DeleteScheduleResponse;
import dev.taskstream.v1.GetScheduleRequest;
import dev.taskstream.v1.GetScheduleResponse;
import dev.taskstream.v1.InstanceOptions;
import dev.taskstream.v1.InstanceTemplate;
import dev.taskstream.v1.ListSchedulesRequest;
import dev.taskstream.v1.ListSchedulesResponse;
import dev.taskstream.v1.OverlapPolicy;
import dev.taskstream.v1.PauseScheduleRequest;
import dev.taskstream.v1.PauseScheduleResponse;
import dev.taskstream.v1.ResumeScheduleRequest;
import dev.taskstream.v1.ResumeScheduleResponse;
import dev.taskstream.v1.RetryPolicy;
import dev.taskstream.v1.Schedule;
import dev.taskstream.v1.TaskDependency;
import dev.taskstream.v1.TaskSpec;
import dev.taskstream.v1.TriggerScheduleRequest;
import dev.taskstream.v1.TriggerScheduleResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Schedules against a scripted ScheduleService. */
class ScheduleTest extends FakeServerTest {
  private static final String SCHEDULE = "projects/p/schedules/nightly";

  private static Schedule schedule(String id) {
    return Schedule.newBuilder().setName("projects/p/schedules/" + id).setId(id).build();
  }

  @Test
  void createScheduleSendsAnIntervalTheInstancesTasksAndOptionsAndItsOwn() {
    schedules.creates.add(
        CreateScheduleResponse.newBuilder().setSchedule(schedule("nightly")).build());
    List<TaskSpec> tasks =
        List.of(
            TaskstreamClient.task("echo", Map.of("n", 7)).toBuilder()
                .setName("extract")
                .setRetryPolicy(TaskRetryPolicy.maxAttempts(3).toProto())
                .build(),
            TaskstreamClient.task("echo", Map.of()).toBuilder()
                .setName("load")
                .addDependencies(TaskDependency.newBuilder().setTask("extract"))
                .build());

    Schedule created =
        client.createSchedule(
            "nightly",
            ScheduleTiming.every(Duration.ofHours(1)),
            tasks,
            CreateScheduleOptions.DEFAULT
                .withOverlapPolicy(OverlapPolicy.OVERLAP_POLICY_ALLOW)
                .withCatchUpWindow(Duration.ofMinutes(10))
                .withPaused(true)
                .withRequestId("req-1")
                .withInstanceOptions(
                    CreateInstanceOptions.DEFAULT
                        .withLabel("team", "data")
                        .withPriority(3)
                        .withRetention(Duration.ofDays(1))
                        .withCancelOnTaskFailure(true)));

    assertEquals(SCHEDULE, created.getName());
    CreateScheduleRequest want =
        CreateScheduleRequest.newBuilder()
            .setParent("projects/p")
            .setScheduleId("nightly")
            .setRequestId("req-1")
            .setSchedule(
                Schedule.newBuilder()
                    .setInterval(com.google.protobuf.Duration.newBuilder().setSeconds(3600))
                    .setOverlapPolicy(OverlapPolicy.OVERLAP_POLICY_ALLOW)
                    .setCatchUpWindow(com.google.protobuf.Duration.newBuilder().setSeconds(600))
                    .setPaused(true)
                    .setInstanceTemplate(
                        InstanceTemplate.newBuilder()
                            .addTasks(
                                TaskSpec.newBuilder()
                                    .setName("extract")
                                    .setType("echo")
                                    .setParametersJson("{\"n\":7}")
                                    .setRetryPolicy(RetryPolicy.newBuilder().setMaxAttempts(3)))
                            .addTasks(
                                TaskSpec.newBuilder()
                                    .setName("load")
                                    .setType("echo")
                                    .addDependencies(
                                        TaskDependency.newBuilder().setTask("extract")))
                            .setPriority(3)
                            .putLabels("team", "data")
                            .setOptions(
                                InstanceOptions.newBuilder()
                                    .setRetention(
                                        com.google.protobuf.Duration.newBuilder().setSeconds(86400))
                                    .setCancelOnTaskFailure(true))))
            .build();
    assertEquals(want, schedules.requests(CreateScheduleRequest.class).get(0));
    assertEquals("alice", fake.headers.get(0).get(TaskstreamClient.USER_KEY));
    assertNotNull(schedules.deadlines.get(0), "a unary call has the client's deadline");
  }

  @Test
  void createScheduleSendsACronWithItsTimeZoneAndLeavesTheRestToTheServer() {
    schedules.creates.add(
        CreateScheduleResponse.newBuilder().setSchedule(schedule("nightly")).build());

    client.createSchedule(
        "nightly",
        ScheduleTiming.cron("0 2 * * *", "Europe/Paris"),
        List.of(TaskstreamClient.task("echo", null)));

    CreateScheduleRequest sent = schedules.requests(CreateScheduleRequest.class).get(0);
    assertEquals(
        CronSpec.newBuilder().setExpression("0 2 * * *").setTimeZone("Europe/Paris").build(),
        sent.getSchedule().getCron());
    assertFalse(sent.getSchedule().hasInterval());
    assertEquals(OverlapPolicy.OVERLAP_POLICY_UNSPECIFIED, sent.getSchedule().getOverlapPolicy());
    assertFalse(sent.getSchedule().hasCatchUpWindow());
    assertFalse(sent.getSchedule().getPaused());
    assertFalse(sent.getSchedule().getInstanceTemplate().hasPriority());
    assertFalse(sent.getSchedule().getInstanceTemplate().hasOptions());
    assertEquals("", sent.getRequestId());
    CreateScheduleRequest utc =
        CreateScheduleOptions.DEFAULT.toRequest("x", ScheduleTiming.cron("@daily"), List.of());
    assertEquals("", utc.getSchedule().getCron().getTimeZone(), "UTC: the server's default");
  }

  @Test
  void optionsThatBelongToOneCreateOrATimingThatNeverFiresAreRefusedBeforeAnyCall() {
    for (CreateInstanceOptions oneCreate :
        List.of(
            CreateInstanceOptions.DEFAULT.withHold(true),
            CreateInstanceOptions.DEFAULT.withStartTime(Instant.now()),
            CreateInstanceOptions.DEFAULT.withRequestId("r"))) {
      assertThrows(
          IllegalArgumentException.class,
          () -> CreateScheduleOptions.DEFAULT.withInstanceOptions(oneCreate),
          oneCreate.toString());
    }
    assertThrows(IllegalArgumentException.class, () -> ScheduleTiming.every(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> client.listSchedulesAsync(-1));
    assertEquals(List.of(), schedules.requests);
  }

  @Test
  void aTakenScheduleIdIsAnAlreadyExistsExceptionNamingIt() {
    com.google.rpc.Status status =
        com.google.rpc.Status.newBuilder()
            .setCode(Status.Code.ALREADY_EXISTS.value())
            .setMessage("schedule nightly exists")
            .addDetails(
                Any.pack(
                    ResourceInfo.newBuilder()
                        .setResourceType("schedule")
                        .setResourceName(SCHEDULE)
                        .build()))
            .build();
    schedules.creates.add(StatusProto.toStatusRuntimeException(status));

    AlreadyExistsException taken =
        assertThrows(
            AlreadyExistsException.class,
            () ->
                client.createSchedule(
                    "nightly",
                    ScheduleTiming.every(Duration.ofHours(1)),
                    List.of(TaskstreamClient.task("echo", null))));

    assertInstanceOf(ApiException.class, taken);
    assertEquals(Status.Code.ALREADY_EXISTS, taken.code());
    assertEquals(SCHEDULE, taken.resourceName().orElseThrow());
    assertEquals("schedule nightly exists", taken.details());
  }

  @Test
  void theScheduleCallsTakeAnIdOrANameAndTriggerReturnsTheInstance() {
    schedules.gets.add(GetScheduleResponse.newBuilder().setSchedule(schedule("nightly")).build());
    schedules.pauses.add(
        PauseScheduleResponse.newBuilder()
            .setSchedule(schedule("nightly").toBuilder().setPaused(true))
            .build());
    schedules.resumes.add(
        ResumeScheduleResponse.newBuilder().setSchedule(schedule("nightly")).build());
    schedules.triggers.add(
        TriggerScheduleResponse.newBuilder()
            .setInstance(named("i1", running()).toBuilder().setSchedule(SCHEDULE))
            .build());
    schedules.deletes.add(DeleteScheduleResponse.getDefaultInstance());

    assertEquals(SCHEDULE, client.scheduleName("nightly"));
    assertEquals("projects/q/schedules/x", client.scheduleName("projects/q/schedules/x"));
    assertEquals("nightly", client.getSchedule("nightly").getId());
    assertTrue(client.pauseSchedule(SCHEDULE).getPaused());
    assertFalse(client.resumeSchedule("nightly").getPaused());
    var instance = client.triggerSchedule("nightly");
    assertEquals("projects/p/instances/i1", instance.getName());
    // An instance names its schedule as the schedule calls take it.
    client.deleteSchedule(instance.getSchedule());

    assertEquals(SCHEDULE, schedules.requests(GetScheduleRequest.class).get(0).getName());
    assertEquals(SCHEDULE, schedules.requests(PauseScheduleRequest.class).get(0).getName());
    assertEquals(SCHEDULE, schedules.requests(ResumeScheduleRequest.class).get(0).getName());
    assertEquals(SCHEDULE, schedules.requests(TriggerScheduleRequest.class).get(0).getName());
    assertEquals(SCHEDULE, schedules.requests(DeleteScheduleRequest.class).get(0).getName());
  }

  @Test
  void theScheduleCallsThrowTheExceptionOfTheirStatus() {
    StatusRuntimeException notFound =
        Status.NOT_FOUND.withDescription("no schedule nightly").asRuntimeException();
    schedules.gets.add(notFound);
    schedules.deletes.add(notFound);
    schedules.creates.add(
        StatusProto.toStatusRuntimeException(
            com.google.rpc.Status.newBuilder()
                .setCode(Status.Code.INVALID_ARGUMENT.value())
                .setMessage("bad cron")
                .addDetails(
                    Any.pack(
                        BadRequest.newBuilder()
                            .addFieldViolations(
                                BadRequest.FieldViolation.newBuilder()
                                    .setField("schedule.cron.expression")
                                    .setDescription("minute 61"))
                            .build()))
                .build()));
    schedules.triggers.add(
        StatusProto.toStatusRuntimeException(
            com.google.rpc.Status.newBuilder()
                .setCode(Status.Code.FAILED_PRECONDITION.value())
                .setMessage("an instance still runs")
                .addDetails(Any.pack(ErrorInfo.newBuilder().setReason("SCHEDULE_OVERLAP").build()))
                .build()));

    assertThrows(NotFoundException.class, () -> client.getSchedule("nightly"));
    assertThrows(NotFoundException.class, () -> client.deleteSchedule("nightly"));
    InvalidArgumentException refused =
        assertThrows(
            InvalidArgumentException.class,
            () ->
                client.createSchedule(
                    "nightly",
                    ScheduleTiming.cron("61 * * * *"),
                    List.of(TaskstreamClient.task("echo", null))));
    assertEquals(
        List.of("schedule.cron.expression"),
        refused.fieldViolations().stream().map(FieldViolation::field).toList());
    FailedPreconditionException overlap =
        assertThrows(FailedPreconditionException.class, () -> client.triggerSchedule("nightly"));
    assertEquals("SCHEDULE_OVERLAP", overlap.reason().orElseThrow());
    assertEquals(1, schedules.requests(TriggerScheduleRequest.class).size(), "never retried");
  }

  @Test
  void listSchedulesFetchesEveryPageOnlyWhenTheIterationReachesIt() {
    schedules.lists.add(page("t1", "a", "b"));
    schedules.lists.add(page("t2", "c", "d"));
    schedules.lists.add(page("", "e"));

    PagedIterable<Schedule> listed = client.listSchedules(2);

    assertEquals(1, schedules.requests(ListSchedulesRequest.class).size());
    List<String> ids = new ArrayList<>();
    Iterator<Schedule> items = listed.iterator();
    while (items.hasNext()) {
      ids.add(items.next().getId());
    }
    assertEquals(List.of("a", "b", "c", "d", "e"), ids);
    List<ListSchedulesRequest> sent = schedules.requests(ListSchedulesRequest.class);
    assertEquals(List.of("", "t1", "t2"), sent.stream().map(r -> r.getPageToken()).toList());
    for (ListSchedulesRequest request : sent) {
      assertEquals("projects/p", request.getParent());
      assertEquals(2, request.getPageSize());
    }
  }

  @Test
  void theAsyncFormsCompleteWithTheAnswersAndCarryTheClientsDeadline() throws Exception {
    schedules.lists.add(page("", "a"));
    schedules.triggers.add(
        TriggerScheduleResponse.newBuilder().setInstance(named("i2", running())).build());
    schedules.deletes.add(
        Status.NOT_FOUND.withDescription("no schedule gone").asRuntimeException());

    Page<Schedule> first = client.listSchedulesAsync(0).get(5, TimeUnit.SECONDS);
    assertEquals(List.of("a"), first.items().stream().map(Schedule::getId).toList());
    assertFalse(first.hasNextPage());
    assertEquals(0, schedules.requests(ListSchedulesRequest.class).get(0).getPageSize());
    assertEquals("i2", client.triggerScheduleAsync("nightly").get(5, TimeUnit.SECONDS).getId());
    CompletableFuture<Void> deleted = client.deleteScheduleAsync("gone");
    var failure = assertThrows(Exception.class, () -> deleted.get(5, TimeUnit.SECONDS));
    assertInstanceOf(NotFoundException.class, failure.getCause());
    for (var deadline : schedules.deadlines) {
      assertNotNull(deadline);
    }
  }

  private static ListSchedulesResponse page(String next, String... ids) {
    ListSchedulesResponse.Builder page = ListSchedulesResponse.newBuilder().setNextPageToken(next);
    for (String id : ids) {
      page.addSchedules(schedule(id));
    }
    return page.build();
  }
}
