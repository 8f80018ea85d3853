package dev.taskstream.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.taskstream.v1.Heartbeat;
import dev.taskstream.v1.InstanceCreated;
import dev.taskstream.v1.InstanceStatus;
import dev.taskstream.v1.InstanceStatusChanged;
import dev.taskstream.v1.InstanceSummary;
import dev.taskstream.v1.InstancesSnapshot;
import dev.taskstream.v1.ProjectInstanceEvent;
import dev.taskstream.v1.WatchEnd;
import dev.taskstream.v1.WatchEndReason;
import dev.taskstream.v1.WatchInstancesRequest;
import dev.taskstream.v1.WatchInstancesResponse;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The project watch against a scripted InstanceService. */
class ProjectWatchTest extends FakeServerTest {
  private static InstanceSummary summary(String id, InstanceStatus status) {
    return InstanceSummary.newBuilder()
        .setInstance(
            dev.taskstream.v1.Instance.newBuilder()
                .setId(id)
                .setName("projects/p/instances/" + id)
                .setStatus(status))
        .addTaskTypes("echo")
        .setTaskCount(1)
        .build();
  }

  private static WatchInstancesResponse page(long seq, boolean last, String... ids) {
    var snapshot = InstancesSnapshot.newBuilder().setSeq(seq).setLast(last);
    for (String id : ids) {
      snapshot.addInstances(summary(id, InstanceStatus.INSTANCE_STATUS_TERMINATED));
    }
    return WatchInstancesResponse.newBuilder().setSnapshot(snapshot).build();
  }

  private static WatchInstancesResponse created(long seq, String id) {
    return WatchInstancesResponse.newBuilder()
        .setEvent(
            ProjectInstanceEvent.newBuilder()
                .setSeq(seq)
                .setInstance(summary(id, InstanceStatus.INSTANCE_STATUS_RUNNING))
                .setInstanceCreated(InstanceCreated.getDefaultInstance()))
        .build();
  }

  private static WatchInstancesResponse ended(long seq, String id) {
    return WatchInstancesResponse.newBuilder()
        .setEvent(
            ProjectInstanceEvent.newBuilder()
                .setSeq(seq)
                .setInstance(summary(id, InstanceStatus.INSTANCE_STATUS_TERMINATED))
                .setInstanceStatusChanged(
                    InstanceStatusChanged.newBuilder()
                        .setPreviousStatus(InstanceStatus.INSTANCE_STATUS_RUNNING)
                        .setStatus(InstanceStatus.INSTANCE_STATUS_TERMINATED)
                        .setSuccessful(true)))
        .build();
  }

  private static String line(ProjectEvent event) {
    if (event instanceof ProjectEvent.Snapshot s) {
      return "snapshot@"
          + s.seq()
          + " "
          + s.instances().stream().map(i -> i.getInstance().getId()).toList();
    }
    if (event instanceof ProjectEvent.InstanceCreated c) {
      return "created@" + c.seq() + " " + c.instance().getInstance().getId();
    }
    if (event instanceof ProjectEvent.InstanceStatusUpdated u) {
      return "status@" + u.seq() + " " + u.status() + " " + u.successful();
    }
    return event.getClass().getSimpleName().toLowerCase() + "@" + event.seq();
  }

  @Test
  void gathersSnapshotPagesTypesChangesAndResumesAfterTheLastSeq() {
    fake.projectWatches.add(
        new FakeInstanceService.Stream<>(
            List.of(page(4, false, "b"), page(4, true, "a"), created(5, "c")),
            Status.UNAVAILABLE.withDescription("connection reset").asRuntimeException()));
    fake.projectWatches.add(
        new FakeInstanceService.Stream<>(
            List.of(
                created(5, "c"),
                ended(6, "c"),
                WatchInstancesResponse.newBuilder()
                    .setHeartbeat(Heartbeat.newBuilder().setSeq(9))
                    .build(),
                WatchInstancesResponse.newBuilder()
                    .setEnd(
                        WatchEnd.newBuilder()
                            .setReason(WatchEndReason.WATCH_END_REASON_SERVER_DRAINING)
                            .setResumeAfterSeq(9))
                    .build()),
            null));
    fake.projectWatches.add(
        new FakeInstanceService.Stream<>(List.of(created(10, "d")), FakeInstanceService.HOLD));

    List<String> seen = new ArrayList<>();
    try (ProjectWatch watch =
        client.watchInstances(
            WatchInstancesOptions.DEFAULT
                .withLabel("team", "a")
                .withTaskTypes("echo")
                .withHeartbeats(true))) {
      while (seen.size() < 5 && watch.hasNext()) {
        seen.add(line(watch.next()));
      }
      assertEquals(10, watch.seq());
    }

    assertEquals(
        List.of(
            "snapshot@4 [b, a]",
            "created@5 c",
            "status@6 INSTANCE_STATUS_TERMINATED true",
            "heartbeat@9",
            "created@10 d"),
        seen);
    List<WatchInstancesRequest> requests = fake.requests(WatchInstancesRequest.class);
    assertEquals(
        List.of(0L, 5L, 9L), requests.stream().map(WatchInstancesRequest::getAfterSeq).toList());
    for (WatchInstancesRequest request : requests) {
      assertEquals("projects/p", request.getParent());
      assertEquals(Map.of("team", "a"), request.getLabelsMap());
      assertEquals(List.of("echo"), request.getTaskTypesList());
    }
  }

  @Test
  void aRefusedWatchFailsAtOnce() {
    fake.projectWatches.add(
        new FakeInstanceService.Stream<>(
            List.of(), Status.PERMISSION_DENIED.withDescription("not yours").asRuntimeException()));

    ProjectWatch watch = client.watchInstances(WatchInstancesOptions.DEFAULT);

    assertThrows(PermissionDeniedException.class, watch::hasNext);
    assertFalse(watch.hasNext());
    assertEquals(1, fake.requests(WatchInstancesRequest.class).size());
  }
}
