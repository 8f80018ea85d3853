package dev.taskstream.client;

import dev.taskstream.v1.InstanceEvent;
import dev.taskstream.v1.InstanceServiceGrpc.InstanceServiceStub;
import dev.taskstream.v1.WatchEnd;
import dev.taskstream.v1.WatchEndReason;
import dev.taskstream.v1.WatchInstanceRequest;
import dev.taskstream.v1.WatchInstanceResponse;
import io.grpc.Status;
import io.grpc.stub.ClientResponseObserver;

/**
 * Where a watch stands: the last sequence number delivered. A resumed call asks for the changes
 * after it, and repeats the server sends anyway are dropped; the watch ends after the terminal
 * snapshot.
 */
final class WatchCursor implements StreamCursor<WatchInstanceResponse, WatchEvent> {
  private final InstanceServiceStub stub;
  private final String name;
  private final WatchOptions options;
  private long seq;
  private boolean finished;

  WatchCursor(InstanceServiceStub stub, String name, WatchOptions options) {
    this.stub = stub;
    this.name = name;
    this.options = options;
    this.seq = options.afterSeq();
  }

  @Override
  public void open(ClientResponseObserver<Object, WatchInstanceResponse> observer) {
    stub.watchInstance(
        WatchInstanceRequest.newBuilder()
            .setName(name)
            .setAfterSeq(seq)
            .setIncludeOutput(options.includeOutput())
            .build(),
        observer);
  }

  @Override
  public WatchEvent receive(WatchInstanceResponse response) {
    switch (response.getKindCase()) {
      case SNAPSHOT -> {
        // After a reset the server may move the cursor anywhere: the snapshot is the truth.
        var snapshot =
            new WatchEvent.Snapshot(response.getSnapshot().getSeq(), response.getSnapshot());
        seq = snapshot.seq();
        finished = snapshot.terminated();
        return snapshot;
      }
      case EVENT -> {
        InstanceEvent event = response.getEvent();
        if (event.getSeq() <= seq) {
          return null; // Delivered before the stream was resumed.
        }
        seq = event.getSeq();
        return Events.of(event);
      }
      case HEARTBEAT -> {
        var beat = response.getHeartbeat();
        return options.heartbeats()
            ? new WatchEvent.Heartbeat(beat.getSeq(), Values.instant(beat.getTime()))
            : null;
      }
      case END -> throw endError(response.getEnd());
      default -> {
        return null; // A kind of message added by a newer server.
      }
    }
  }

  @Override
  public boolean complete() {
    return finished;
  }

  @Override
  public ApiException closedEarly() {
    return ApiException.of(
        Status.Code.UNAVAILABLE, "the watch of " + name + " ended before the instance terminated");
  }

  private ApiException endError(WatchEnd end) {
    String why = end.getMessage().isEmpty() ? "" : ": " + end.getMessage();
    if (end.getReason() == WatchEndReason.WATCH_END_REASON_INSTANCE_DELETED) {
      return ApiException.of(Status.Code.NOT_FOUND, "instance " + name + " was deleted" + why);
    }
    // SERVER_DRAINING, or a reason added by a newer server: resume, perhaps on another replica.
    return ApiException.of(Status.Code.UNAVAILABLE, "the server ended the watch of " + name + why);
  }
}
