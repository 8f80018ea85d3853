package dev.taskstream.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskstream.v1.CreateInstanceRequest;
import dev.taskstream.v1.CreateInstanceResponse;
import dev.taskstream.v1.GetInstanceResponse;
import dev.taskstream.v1.Instance;
import dev.taskstream.v1.InstanceStatus;
import dev.taskstream.v1.ListInstancesResponse;
import dev.taskstream.v1.WaitInstanceRequest;
import dev.taskstream.v1.WaitInstanceResponse;
import dev.taskstream.v1.WatchInstanceRequest;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The async API: the same calls as the blocking one, as futures and publishers. */
class AsyncTest extends FakeServerTest {

  @Test
  void aFutureCompletesWithTheAnswer() throws Exception {
    fake.gets.add(GetInstanceResponse.newBuilder().setInstance(instance(1, running())).build());

    assertEquals(NAME, client.getInstanceAsync(NAME).get(10, TimeUnit.SECONDS).getName());
  }

  @Test
  void aFailedCallCompletesExceptionallyWithTheTypedException() {
    fake.gets.add(Status.NOT_FOUND.withDescription("no such instance").asRuntimeException());

    ExecutionException e =
        assertThrows(ExecutionException.class, () -> client.getInstanceAsync(NAME).get());

    assertInstanceOf(NotFoundException.class, e.getCause());
  }

  @Test
  void theBlockingCallThrowsTheSameExceptionAndShowsWhereItWasCalled() {
    fake.gets.add(Status.NOT_FOUND.asRuntimeException());

    NotFoundException e = assertThrows(NotFoundException.class, () -> client.getInstance(NAME));

    assertEquals(1, e.getSuppressed().length);
    assertTrue(
        List.of(e.getSuppressed()[0].getStackTrace()).stream()
            .anyMatch(frame -> frame.getClassName().equals(AsyncTest.class.getName())));
  }

  @Test
  void cancellingAWaitCancelsItsCallOnTheServer() throws InterruptedException {
    fake.waits.add(FakeInstanceService.HOLD);

    CompletableFuture<Instance> waiting = client.awaitAsync(NAME, Duration.ofMinutes(5));
    assertFalse(waiting.isDone());
    waiting.cancel(false);

    assertTrue(fake.cancelled.await(10, TimeUnit.SECONDS), "the server saw the cancellation");
    assertTrue(waiting.isCancelled());
  }

  @Test
  void cancellingAnExecuteCancelsTheWaitInFlight() throws InterruptedException {
    fake.creates.add(
        CreateInstanceResponse.newBuilder().setInstance(instance(1, running())).build());
    fake.waits.add(FakeInstanceService.HOLD);

    CompletableFuture<Instance> executing =
        client.executeAsync(
            CreateInstanceRequest.newBuilder()
                .addTasks(TaskstreamClient.task("echo", null))
                .build(),
            Duration.ofMinutes(5));
    assertEquals(1, fake.requests(WaitInstanceRequest.class).size(), "the wait is in flight");
    executing.cancel(false);

    assertTrue(fake.cancelled.await(10, TimeUnit.SECONDS));
  }

  @Test
  void awaitAsyncTimesOutWithTheSameException() {
    fake.waits.add(WaitInstanceResponse.newBuilder().setInstance(instance(2, running())).build());

    ExecutionException e =
        assertThrows(ExecutionException.class, () -> client.awaitAsync(NAME, Duration.ZERO).get());

    WaitTimeoutException timeout = assertInstanceOf(WaitTimeoutException.class, e.getCause());
    assertEquals(InstanceStatus.INSTANCE_STATUS_RUNNING, timeout.instance().getStatus());
  }

  @Test
  void pagesChainAsynchronously() throws Exception {
    fake.lists.add(
        ListInstancesResponse.newBuilder()
            .addInstances(named("2", terminated()))
            .setNextPageToken("n")
            .build());
    fake.lists.add(
        ListInstancesResponse.newBuilder().addInstances(named("1", terminated())).build());

    Page<Instance> first = client.listInstancesAsync(ListInstancesOptions.DEFAULT).get();
    Page<Instance> second = first.nextPageAsync().get();

    assertEquals("2", first.items().get(0).getId());
    assertEquals("1", second.items().get(0).getId());
    assertFalse(second.hasNextPage());
    assertThrows(java.util.NoSuchElementException.class, second::nextPageAsync);
  }

  @Test
  void aWatchPublisherSendsNoMoreThanWasRequested() {
    fake.watches.add(
        new FakeInstanceService.Stream<>(
            List.of(
                snapshot(instance(1, running())),
                event(2, progress(10, "a")),
                event(3, progress(20, "b")),
                snapshot(instance(4, terminated()))),
            null));
    Recorder<WatchEvent> recorder = new Recorder<>();

    client.watchAsync(NAME).subscribe(recorder);
    assertTrue(fake.requests(WatchInstanceRequest.class).isEmpty(), "nothing before a request");
    recorder.subscription.request(1);
    assertEquals(List.of(1L), seqs(recorder.items));
    recorder.subscription.request(2);
    assertEquals(List.of(1L, 2L, 3L), seqs(recorder.items));
    assertFalse(recorder.completed);
    recorder.subscription.request(10);

    assertEquals(List.of(1L, 2L, 3L, 4L), seqs(recorder.items));
    assertTrue(recorder.completed);
    assertEquals(null, recorder.error);
  }

  @Test
  void aWatchPublisherResumesAfterADropAndEndsAtTheTerminalSnapshot() {
    fake.watches.add(
        new FakeInstanceService.Stream<>(
            List.of(snapshot(instance(1, running())), event(2, progress(10, "a"))),
            Status.UNAVAILABLE.asRuntimeException()));
    fake.watches.add(
        new FakeInstanceService.Stream<>(
            List.of(event(2, progress(10, "a")), snapshot(instance(3, terminated()))), null));
    Recorder<WatchEvent> recorder = new Recorder<>();

    client.watchAsync(NAME).subscribe(recorder);
    recorder.subscription.request(Long.MAX_VALUE);

    assertEquals(List.of(1L, 2L, 3L), seqs(recorder.items));
    assertTrue(recorder.completed);
    assertEquals(
        List.of(0L, 2L),
        fake.requests(WatchInstanceRequest.class).stream()
            .map(WatchInstanceRequest::getAfterSeq)
            .toList());
  }

  @Test
  void cancellingAWatchSubscriptionCancelsTheCall() throws InterruptedException {
    fake.watches.add(
        new FakeInstanceService.Stream<>(
            List.of(snapshot(instance(1, running()))), FakeInstanceService.HOLD));
    Recorder<WatchEvent> recorder = new Recorder<>();

    client.watchAsync(NAME).subscribe(recorder);
    recorder.subscription.request(5);
    assertEquals(1, recorder.items.size());
    recorder.subscription.cancel();

    assertTrue(fake.cancelled.await(10, TimeUnit.SECONDS), "the server saw the cancellation");
    assertFalse(recorder.completed);
    assertEquals(null, recorder.error);
  }

  @Test
  void aWatchPublisherReportsFailuresAsApiExceptions() {
    fake.watches.add(
        new FakeInstanceService.Stream<>(List.of(), Status.NOT_FOUND.asRuntimeException()));
    Recorder<WatchEvent> recorder = new Recorder<>();

    client.watchAsync(NAME).subscribe(recorder);
    recorder.subscription.request(1);

    assertInstanceOf(NotFoundException.class, recorder.error);
    assertFalse(recorder.completed);
  }

  @Test
  void aNonPositiveRequestIsAnError() {
    Recorder<WatchEvent> recorder = new Recorder<>();

    client.watchAsync(NAME).subscribe(recorder);
    recorder.subscription.request(0);

    assertInstanceOf(IllegalArgumentException.class, recorder.error);
    assertTrue(fake.requests.isEmpty());
  }

  private static List<Long> seqs(List<WatchEvent> events) {
    return events.stream().map(WatchEvent::seq).toList();
  }

  /** Records what a publisher signals; the in-process fake signals on the test's thread. */
  private static final class Recorder<T> implements Flow.Subscriber<T> {
    final List<T> items = new ArrayList<>();
    Flow.Subscription subscription;
    Throwable error;
    boolean completed;

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      this.subscription = subscription;
    }

    @Override
    public void onNext(T item) {
      items.add(item);
    }

    @Override
    public void onError(Throwable throwable) {
      error = throwable;
    }

    @Override
    public void onComplete() {
      completed = true;
    }
  }
}
