package dev.taskstream.client;

import dev.taskstream.v1.Instance;
import dev.taskstream.v1.InstanceEvent;
import dev.taskstream.v1.InstanceStatus;
import dev.taskstream.v1.Progress;
import dev.taskstream.v1.Task;
import dev.taskstream.v1.TaskProgressUpdated;
import dev.taskstream.v1.TaskStatus;
import dev.taskstream.v1.WatchInstanceResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A client in project {@code p} against a {@link FakeInstanceService} (and a {@link
 * FakeScheduleService}, whose headers the first records too) over an in-process channel (direct
 * executors: a call's answer is handled on the calling thread), and builders of the messages the
 * tests script.
 */
abstract class FakeServerTest {
  static final String NAME = "projects/p/instances/20261121103000123abcdefgh";

  final FakeInstanceService fake = new FakeInstanceService();
  final FakeScheduleService schedules = new FakeScheduleService();
  Server server;
  ManagedChannel channel;
  TaskstreamClient client;

  @BeforeEach
  void startFake() throws IOException {
    String serverName = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(serverName)
            .directExecutor()
            .addService(ServerInterceptors.intercept(fake, fake))
            .addService(ServerInterceptors.intercept(schedules, fake))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(serverName).directExecutor().build();
    client =
        TaskstreamClient.newBuilder()
            .channel(channel)
            .project("p")
            .user("alice")
            .streamRetry(new RetryPolicy(3, Duration.ZERO, Duration.ZERO))
            .build();
  }

  @AfterEach
  void stopFake() {
    client.close();
    channel.shutdownNow();
    server.shutdownNow();
  }

  static Instance.Builder running() {
    return Instance.newBuilder()
        .setStatus(InstanceStatus.INSTANCE_STATUS_RUNNING)
        .addTasks(Task.newBuilder().setName("t").setStatus(TaskStatus.TASK_STATUS_RUNNING));
  }

  static Instance.Builder terminated() {
    return Instance.newBuilder()
        .setStatus(InstanceStatus.INSTANCE_STATUS_TERMINATED)
        .setSuccessful(true)
        .addTasks(Task.newBuilder().setName("t").setStatus(TaskStatus.TASK_STATUS_SUCCESS));
  }

  static Instance instance(long seq, Instance.Builder builder) {
    return builder.setName(NAME).setProject("p").setSeq(seq).build();
  }

  static Instance named(String id, Instance.Builder builder) {
    return builder.setName("projects/p/instances/" + id).setId(id).setProject("p").build();
  }

  static WatchInstanceResponse snapshot(Instance instance) {
    return WatchInstanceResponse.newBuilder().setSnapshot(instance).build();
  }

  static WatchInstanceResponse event(long seq, InstanceEvent.Builder event) {
    return WatchInstanceResponse.newBuilder().setEvent(event.setSeq(seq)).build();
  }

  static InstanceEvent.Builder progress(int percent, String message) {
    return InstanceEvent.newBuilder()
        .setTaskProgressUpdated(
            TaskProgressUpdated.newBuilder()
                .setTask("t")
                .setProgress(Progress.newBuilder().setPercent(percent).setMessage(message)));
  }
}
