package dev.taskstream.client;

import dev.taskstream.v1.InstanceServiceGrpc.InstanceServiceStub;
import dev.taskstream.v1.InstanceSummary;
import dev.taskstream.v1.ProjectInstanceEvent;
import dev.taskstream.v1.WatchInstancesRequest;
import dev.taskstream.v1.WatchInstancesResponse;
import io.grpc.Status;
import io.grpc.stub.ClientResponseObserver;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a project watch stands: the last project sequence number reached (by an event, a heartbeat,
 * a snapshot or a WatchEnd). A resumed call asks for the changes after it, repeats are dropped, and
 * a snapshot's pages are gathered into one {@link ProjectEvent.Snapshot}. A project watch never
 * completes by itself.
 */
final class ProjectWatchCursor implements StreamCursor<WatchInstancesResponse, ProjectEvent> {
  private final InstanceServiceStub stub;
  private final WatchInstancesRequest request;
  private final boolean heartbeats;
  private final List<InstanceSummary> pages = new ArrayList<>();
  private long seq;

  ProjectWatchCursor(InstanceServiceStub stub, String parent, WatchInstancesOptions options) {
    this.stub = stub;
    this.heartbeats = options.heartbeats();
    this.seq = options.afterSeq();
    var builder =
        WatchInstancesRequest.newBuilder()
            .setParent(parent)
            .addAllStatuses(options.statuses())
            .putAllLabels(options.labels())
            .addAllTaskTypes(options.taskTypes())
            .setSnapshotLimit(options.snapshotLimit());
    if (options.owner() != null) {
      builder.setOwner(options.owner());
    }
    if (options.createTimeStart() != null) {
      builder.setCreateTimeStart(Values.timestamp(options.createTimeStart()));
    }
    if (options.createTimeEnd() != null) {
      builder.setCreateTimeEnd(Values.timestamp(options.createTimeEnd()));
    }
    this.request = builder.build();
  }

  @Override
  public void open(ClientResponseObserver<Object, WatchInstancesResponse> observer) {
    pages.clear(); // A snapshot half read starts over.
    stub.watchInstances(request.toBuilder().setAfterSeq(seq).build(), observer);
  }

  @Override
  public ProjectEvent receive(WatchInstancesResponse response) {
    switch (response.getKindCase()) {
      case SNAPSHOT -> {
        var page = response.getSnapshot();
        pages.addAll(page.getInstancesList());
        if (!page.getLast()) {
          return null;
        }
        seq = page.getSeq();
        var snapshot = new ProjectEvent.Snapshot(page.getSeq(), pages, page.getTruncated());
        pages.clear();
        return snapshot;
      }
      case EVENT -> {
        ProjectInstanceEvent event = response.getEvent();
        if (event.getSeq() <= seq) {
          return null; // Delivered before the stream was resumed.
        }
        seq = event.getSeq();
        return of(event);
      }
      case HEARTBEAT -> {
        var beat = response.getHeartbeat();
        seq = Math.max(seq, beat.getSeq());
        return heartbeats
            ? new ProjectEvent.Heartbeat(beat.getSeq(), Values.instant(beat.getTime()))
            : null;
      }
      case END -> {
        var end = response.getEnd();
        seq = Math.max(seq, end.getResumeAfterSeq());
        String why = end.getMessage().isEmpty() ? "" : ": " + end.getMessage();
        throw ApiException.of(
            Status.Code.UNAVAILABLE, "the server ended the watch of " + request.getParent() + why);
      }
      default -> {
        return null; // A kind of message added by a newer server.
      }
    }
  }

  @Override
  public boolean complete() {
    return false;
  }

  @Override
  public ApiException closedEarly() {
    return ApiException.of(
        Status.Code.UNAVAILABLE, "the watch of " + request.getParent() + " ended");
  }

  /** The event of one change, or null for a kind of change this client does not know. */
  static ProjectEvent of(ProjectInstanceEvent event) {
    var time = Values.instant(event.getTime());
    var instance = event.getInstance();
    return switch (event.getChangeCase()) {
      case INSTANCE_CREATED ->
          new ProjectEvent.InstanceCreated(
              event.getSeq(), time, instance, event.getInstanceCreated().getParentInstance());
      case INSTANCE_STATUS_CHANGED -> {
        var change = event.getInstanceStatusChanged();
        yield new ProjectEvent.InstanceStatusUpdated(
            event.getSeq(),
            time,
            instance,
            change.getPreviousStatus(),
            change.getStatus(),
            change.getSuccessful());
      }
      case INSTANCE_DELETED ->
          new ProjectEvent.InstanceDeleted(
              event.getSeq(),
              time,
              instance,
              Values.instant(event.getInstanceDeleted().getDeleteTime()));
      default -> null;
    };
  }
}
