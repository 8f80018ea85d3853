package dev.taskstream.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskstream.v1.Cancellation;
import dev.taskstream.v1.CancellationReason;
import dev.taskstream.v1.Instance;
import dev.taskstream.v1.InstanceStatus;
import dev.taskstream.v1.Task;
import dev.taskstream.v1.TaskError;
import dev.taskstream.v1.TaskStatus;
import dev.taskstream.v1.WaitInstanceResponse;
import dev.taskstream.v1.WaitInstancesRequest;
import dev.taskstream.v1.WaitInstancesResponse;
import dev.taskstream.v1.WaitMode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One meaning of every wait: time running out is an error, and success is asked for by name. */
class WaitTest extends FakeServerTest {
  private static final Instance FAILED =
      instance(
          7,
          Instance.newBuilder()
              .setStatus(InstanceStatus.INSTANCE_STATUS_TERMINATED)
              .setSuccessful(false)
              .addTasks(Task.newBuilder().setName("a").setStatus(TaskStatus.TASK_STATUS_SUCCESS))
              .addTasks(
                  Task.newBuilder()
                      .setName("b")
                      .setStatus(TaskStatus.TASK_STATUS_FAILED)
                      .setError(
                          TaskError.newBuilder()
                              .setType("builtins.ValueError")
                              .setMessage("Task failure")))
              .addTasks(
                  Task.newBuilder()
                      .setName("c")
                      .setStatus(TaskStatus.TASK_STATUS_CANCELLED)
                      .setCancellation(
                          Cancellation.newBuilder()
                              .setReason(CancellationReason.CANCELLATION_REASON_CONSEQUENTIAL))));

  @Test
  void awaitReturnsAFailedInstanceAndAwaitSuccessThrowsForIt() {
    fake.waits.add(done(FAILED));
    fake.waits.add(done(FAILED));

    assertEquals(FAILED, client.await(NAME, Duration.ofMinutes(1)));
    InstanceFailedException e =
        assertThrows(
            InstanceFailedException.class, () -> client.awaitSuccess(NAME, Duration.ofMinutes(1)));

    assertEquals(FAILED, e.instance());
    assertEquals("b", e.failedTask().getName());
    assertEquals(TaskStatus.TASK_STATUS_FAILED, e.taskStatus());
    assertEquals("Task failure", e.taskError().orElseThrow().getMessage());
    assertEquals(
        "instance "
            + NAME
            + " failed: task b ended TASK_STATUS_FAILED (builtins.ValueError: Task failure)",
        e.getMessage());
  }

  @Test
  void awaitSuccessReturnsASuccessfulInstance() {
    fake.waits.add(done(instance(3, terminated())));

    assertTrue(client.awaitSuccess(NAME, Duration.ofMinutes(1)).getSuccessful());
  }

  @Test
  void awaitSuccessTimesOutAsAwaitDoes() {
    fake.waits.add(WaitInstanceResponse.newBuilder().setInstance(instance(2, running())).build());

    WaitTimeoutException e =
        assertThrows(WaitTimeoutException.class, () -> client.awaitSuccess(NAME, Duration.ZERO));

    assertEquals(NAME, e.instance().getName());
    assertEquals(Duration.ZERO, e.timeout());
  }

  @Test
  void awaitAnyAsksOnceInModeAnyAndAnswersInTheOrderGiven() {
    Instance quick = named("q", terminated());
    Instance slow = named("s", running());
    fake.waitMany.add(
        WaitInstancesResponse.newBuilder()
            .addInstances(slow)
            .addInstances(quick)
            .setDone(true)
            .build());

    List<Instance> answer = client.awaitAny(List.of("s", "q", "projects/p/instances/s"), hour());

    assertEquals(List.of(slow, quick, slow), answer);
    WaitInstancesRequest request = fake.requests(WaitInstancesRequest.class).get(0);
    assertEquals(WaitMode.WAIT_MODE_ANY, request.getMode());
    assertEquals(
        List.of("projects/p/instances/s", "projects/p/instances/q"), request.getNamesList());
    assertEquals(600, request.getTimeout().getSeconds(), "one call waits at most 10 minutes");
  }

  @Test
  void awaitAllLongPollsUntilDone() {
    Instance a = named("a", terminated());
    fake.waitMany.add(
        WaitInstancesResponse.newBuilder()
            .addInstances(a)
            .addInstances(named("b", running()))
            .build());
    fake.waitMany.add(
        WaitInstancesResponse.newBuilder()
            .addInstances(a)
            .addInstances(named("b", terminated()))
            .setDone(true)
            .build());

    List<Instance> all = client.awaitAll(List.of("a", "b"), hour());

    assertTrue(
        all.stream().allMatch(i -> i.getStatus() == InstanceStatus.INSTANCE_STATUS_TERMINATED));
    List<WaitInstancesRequest> requests = fake.requests(WaitInstancesRequest.class);
    assertEquals(2, requests.size());
    assertEquals(WaitMode.WAIT_MODE_ALL, requests.get(0).getMode());
  }

  @Test
  void awaitAllThatRunsOutOfTimeNamesTheInstancesStillRunning() {
    fake.waitMany.add(
        WaitInstancesResponse.newBuilder()
            .addInstances(named("a", terminated()))
            .addInstances(named("b", running()))
            .build());

    WaitTimeoutException e =
        assertThrows(
            WaitTimeoutException.class, () -> client.awaitAll(List.of("a", "b"), Duration.ZERO));

    assertEquals("instance projects/p/instances/b did not terminate within PT0S", e.getMessage());
    assertEquals("projects/p/instances/b", e.instance().getName());
    assertEquals(2, e.instances().size());
    assertEquals(1, fake.requests(WaitInstancesRequest.class).size());
    assertEquals(
        1_000_000, fake.requests(WaitInstancesRequest.class).get(0).getTimeout().getNanos());
  }

  @Test
  void severalStillRunningAreAllNamed() {
    fake.waitMany.add(
        WaitInstancesResponse.newBuilder()
            .addInstances(named("a", running()))
            .addInstances(named("b", running()))
            .build());

    WaitTimeoutException e =
        assertThrows(
            WaitTimeoutException.class, () -> client.awaitAny(List.of("a", "b"), Duration.ZERO));

    assertEquals(
        "instances projects/p/instances/a, projects/p/instances/b did not terminate within PT0S",
        e.getMessage());
  }

  @Test
  void waitingOnNothingOrANegativeTimeoutIsRejectedBeforeAnyCall() {
    assertThrows(IllegalArgumentException.class, () -> client.awaitAll(List.of(), hour()));
    assertThrows(IllegalArgumentException.class, () -> client.await(NAME, Duration.ofSeconds(-1)));
    assertTrue(fake.requests.isEmpty());
  }

  private static Duration hour() {
    return Duration.ofHours(1);
  }

  private static WaitInstanceResponse done(Instance instance) {
    return WaitInstanceResponse.newBuilder().setInstance(instance).setTerminated(true).build();
  }
}
