package dev.taskstream.client;

import dev.taskstream.v1.CancelTaskRequest;
import dev.taskstream.v1.CancelTaskResponse;
import dev.taskstream.v1.CreateInstanceRequest;
import dev.taskstream.v1.CreateInstanceResponse;
import dev.taskstream.v1.DeleteInstanceRequest;
import dev.taskstream.v1.DeleteInstanceResponse;
import dev.taskstream.v1.GetInstanceRequest;
import dev.taskstream.v1.GetInstanceResponse;
import dev.taskstream.v1.GetLogviewAddressRequest;
import dev.taskstream.v1.GetLogviewAddressResponse;
import dev.taskstream.v1.GetTaskResultRequest;
import dev.taskstream.v1.GetTaskResultResponse;
import dev.taskstream.v1.InstanceServiceGrpc;
import dev.taskstream.v1.ListInstancesRequest;
import dev.taskstream.v1.ListInstancesResponse;
import dev.taskstream.v1.ListSubInstancesRequest;
import dev.taskstream.v1.ListSubInstancesResponse;
import dev.taskstream.v1.ListTaskResultRowsRequest;
import dev.taskstream.v1.ListTaskResultRowsResponse;
import dev.taskstream.v1.ListTaskTypesRequest;
import dev.taskstream.v1.ListTaskTypesResponse;
import dev.taskstream.v1.ReadTaskOutputRequest;
import dev.taskstream.v1.ReadTaskOutputResponse;
import dev.taskstream.v1.ResumeInstanceRequest;
import dev.taskstream.v1.ResumeInstanceResponse;
import dev.taskstream.v1.StopInstanceRequest;
import dev.taskstream.v1.StopInstanceResponse;
import dev.taskstream.v1.SuspendInstanceRequest;
import dev.taskstream.v1.SuspendInstanceResponse;
import dev.taskstream.v1.WaitInstanceRequest;
import dev.taskstream.v1.WaitInstanceResponse;
import dev.taskstream.v1.WaitInstancesRequest;
import dev.taskstream.v1.WaitInstancesResponse;
import dev.taskstream.v1.WatchInstanceRequest;
import dev.taskstream.v1.WatchInstanceResponse;
import dev.taskstream.v1.WatchInstancesRequest;
import dev.taskstream.v1.WatchInstancesResponse;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

/**
 * An InstanceService whose answers a test scripts: each RPC pops the next answer queued for it (a
 * response, an exception to fail with, or {@link #HOLD} to leave the call open until the client
 * cancels it) and records its request, headers and (for unary calls) deadline. Unscripted calls
 * fail with UNIMPLEMENTED. {@link #cancelled} counts down for each call the client cancelled.
 */
final class FakeInstanceService extends InstanceServiceGrpc.InstanceServiceImplBase
    implements ServerInterceptor {

  /** An answer that never comes: the call stays open until the client cancels it. */
  static final Object HOLD = new Object();

  /**
   * One scripted server stream: these messages, then the end (null: a clean close; {@link #HOLD}:
   * stay open until the client cancels).
   */
  record Stream<T>(List<T> messages, Object end) {}

  final List<Object> requests = new ArrayList<>();
  final List<Metadata> headers = new ArrayList<>();
  final List<Deadline> deadlines = new ArrayList<>();
  final Deque<Object> creates = new ArrayDeque<>();
  final Deque<Object> gets = new ArrayDeque<>();
  final Deque<Object> lists = new ArrayDeque<>();
  final Deque<Object> stops = new ArrayDeque<>();
  final Deque<Object> suspends = new ArrayDeque<>();
  final Deque<Object> resumes = new ArrayDeque<>();
  final Deque<Object> waits = new ArrayDeque<>();
  final Deque<Object> waitMany = new ArrayDeque<>();
  final Deque<Object> results = new ArrayDeque<>();
  final Deque<Object> taskTypes = new ArrayDeque<>();
  final Deque<Object> logviews = new ArrayDeque<>();
  final Deque<Object> subInstances = new ArrayDeque<>();
  final Deque<Object> rows = new ArrayDeque<>();
  final Deque<Object> cancelTasks = new ArrayDeque<>();
  final Deque<Object> deletes = new ArrayDeque<>();
  final Deque<Stream<WatchInstanceResponse>> watches = new ArrayDeque<>();
  final Deque<Stream<WatchInstancesResponse>> projectWatches = new ArrayDeque<>();
  final Deque<Stream<ReadTaskOutputResponse>> outputs = new ArrayDeque<>();
  volatile CountDownLatch cancelled = new CountDownLatch(1);

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata metadata, ServerCallHandler<Q, R> next) {
    synchronized (this) {
      headers.add(metadata);
    }
    return next.startCall(call, metadata);
  }

  @Override
  public void createInstance(
      CreateInstanceRequest request, StreamObserver<CreateInstanceResponse> out) {
    answer(request, creates, out, CreateInstanceResponse.class::cast);
  }

  @Override
  public void getInstance(GetInstanceRequest request, StreamObserver<GetInstanceResponse> out) {
    answer(request, gets, out, GetInstanceResponse.class::cast);
  }

  @Override
  public void listInstances(
      ListInstancesRequest request, StreamObserver<ListInstancesResponse> out) {
    answer(request, lists, out, ListInstancesResponse.class::cast);
  }

  @Override
  public void stopInstance(StopInstanceRequest request, StreamObserver<StopInstanceResponse> out) {
    answer(request, stops, out, StopInstanceResponse.class::cast);
  }

  @Override
  public void suspendInstance(
      SuspendInstanceRequest request, StreamObserver<SuspendInstanceResponse> out) {
    answer(request, suspends, out, SuspendInstanceResponse.class::cast);
  }

  @Override
  public void resumeInstance(
      ResumeInstanceRequest request, StreamObserver<ResumeInstanceResponse> out) {
    answer(request, resumes, out, ResumeInstanceResponse.class::cast);
  }

  @Override
  public void waitInstance(WaitInstanceRequest request, StreamObserver<WaitInstanceResponse> out) {
    answer(request, waits, out, WaitInstanceResponse.class::cast);
  }

  @Override
  public void waitInstances(
      WaitInstancesRequest request, StreamObserver<WaitInstancesResponse> out) {
    answer(request, waitMany, out, WaitInstancesResponse.class::cast);
  }

  @Override
  public void getTaskResult(
      GetTaskResultRequest request, StreamObserver<GetTaskResultResponse> out) {
    answer(request, results, out, GetTaskResultResponse.class::cast);
  }

  @Override
  public void listTaskTypes(
      ListTaskTypesRequest request, StreamObserver<ListTaskTypesResponse> out) {
    answer(request, taskTypes, out, ListTaskTypesResponse.class::cast);
  }

  @Override
  public void getLogviewAddress(
      GetLogviewAddressRequest request, StreamObserver<GetLogviewAddressResponse> out) {
    answer(request, logviews, out, GetLogviewAddressResponse.class::cast);
  }

  @Override
  public void listSubInstances(
      ListSubInstancesRequest request, StreamObserver<ListSubInstancesResponse> out) {
    answer(request, subInstances, out, ListSubInstancesResponse.class::cast);
  }

  @Override
  public void listTaskResultRows(
      ListTaskResultRowsRequest request, StreamObserver<ListTaskResultRowsResponse> out) {
    answer(request, rows, out, ListTaskResultRowsResponse.class::cast);
  }

  @Override
  public void cancelTask(CancelTaskRequest request, StreamObserver<CancelTaskResponse> out) {
    answer(request, cancelTasks, out, CancelTaskResponse.class::cast);
  }

  @Override
  public void deleteInstance(
      DeleteInstanceRequest request, StreamObserver<DeleteInstanceResponse> out) {
    answer(request, deletes, out, DeleteInstanceResponse.class::cast);
  }

  @Override
  public void watchInstance(
      WatchInstanceRequest request, StreamObserver<WatchInstanceResponse> out) {
    stream(request, watches, out);
  }

  @Override
  public void watchInstances(
      WatchInstancesRequest request, StreamObserver<WatchInstancesResponse> out) {
    stream(request, projectWatches, out);
  }

  @Override
  public void readTaskOutput(
      ReadTaskOutputRequest request, StreamObserver<ReadTaskOutputResponse> out) {
    stream(request, outputs, out);
  }

  synchronized <T> List<T> requests(Class<T> type) {
    return requests.stream().filter(type::isInstance).map(type::cast).toList();
  }

  private <T> void stream(Object request, Deque<Stream<T>> streams, StreamObserver<T> out) {
    Stream<T> stream;
    synchronized (this) {
      requests.add(request);
      stream = streams.poll();
    }
    if (stream == null) {
      out.onError(Status.UNIMPLEMENTED.withDescription("no stream scripted").asRuntimeException());
      return;
    }
    stream.messages().forEach(out::onNext);
    if (stream.end() == null) {
      out.onCompleted();
    } else if (stream.end() == HOLD) {
      hold(out);
    } else {
      out.onError((StatusRuntimeException) stream.end());
    }
  }

  private <R> void answer(
      Object request, Deque<Object> answers, StreamObserver<R> out, Function<Object, R> cast) {
    Object answer;
    synchronized (this) {
      requests.add(request);
      deadlines.add(Context.current().getDeadline());
      answer = answers.poll();
    }
    if (answer == null) {
      out.onError(Status.UNIMPLEMENTED.withDescription("no answer scripted").asRuntimeException());
    } else if (answer == HOLD) {
      hold(out);
    } else if (answer instanceof Throwable error) {
      out.onError(error);
    } else {
      out.onNext(cast.apply(answer));
      out.onCompleted();
    }
  }

  private void hold(StreamObserver<?> out) {
    ((ServerCallStreamObserver<?>) out).setOnCancelHandler(() -> cancelled.countDown());
  }
}
