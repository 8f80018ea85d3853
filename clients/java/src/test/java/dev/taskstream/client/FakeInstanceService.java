package dev.taskstream.client;

import dev.taskstream.v1.CreateInstanceRequest;
import dev.taskstream.v1.CreateInstanceResponse;
import dev.taskstream.v1.GetInstanceRequest;
import dev.taskstream.v1.GetInstanceResponse;
import dev.taskstream.v1.GetTaskResultRequest;
import dev.taskstream.v1.GetTaskResultResponse;
import dev.taskstream.v1.InstanceServiceGrpc;
import dev.taskstream.v1.StopInstanceRequest;
import dev.taskstream.v1.StopInstanceResponse;
import dev.taskstream.v1.WaitInstanceRequest;
import dev.taskstream.v1.WaitInstanceResponse;
import dev.taskstream.v1.WatchInstanceRequest;
import dev.taskstream.v1.WatchInstanceResponse;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Function;

/**
 * An InstanceService whose answers a test scripts: each RPC pops the next answer queued for it (a
 * response, or an exception to fail with) and records its request, headers and (for unary calls)
 * deadline. Unscripted calls fail with UNIMPLEMENTED.
 */
final class FakeInstanceService extends InstanceServiceGrpc.InstanceServiceImplBase
    implements ServerInterceptor {

  /** One scripted watch stream: these messages, then the end (null: a clean close). */
  record Stream(List<WatchInstanceResponse> messages, StatusRuntimeException end) {}

  final List<Object> requests = new ArrayList<>();
  final List<Metadata> headers = new ArrayList<>();
  final List<Deadline> deadlines = new ArrayList<>();
  final Deque<Object> creates = new ArrayDeque<>();
  final Deque<Object> gets = new ArrayDeque<>();
  final Deque<Object> stops = new ArrayDeque<>();
  final Deque<Object> waits = new ArrayDeque<>();
  final Deque<Object> results = new ArrayDeque<>();
  final Deque<Stream> watches = new ArrayDeque<>();

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
  public void stopInstance(StopInstanceRequest request, StreamObserver<StopInstanceResponse> out) {
    answer(request, stops, out, StopInstanceResponse.class::cast);
  }

  @Override
  public void waitInstance(WaitInstanceRequest request, StreamObserver<WaitInstanceResponse> out) {
    answer(request, waits, out, WaitInstanceResponse.class::cast);
  }

  @Override
  public void getTaskResult(
      GetTaskResultRequest request, StreamObserver<GetTaskResultResponse> out) {
    answer(request, results, out, GetTaskResultResponse.class::cast);
  }

  @Override
  public void watchInstance(
      WatchInstanceRequest request, StreamObserver<WatchInstanceResponse> out) {
    Stream stream;
    synchronized (this) {
      requests.add(request);
      stream = watches.poll();
    }
    if (stream == null) {
      out.onError(Status.UNIMPLEMENTED.withDescription("no watch scripted").asRuntimeException());
      return;
    }
    stream.messages().forEach(out::onNext);
    if (stream.end() == null) {
      out.onCompleted();
    } else {
      out.onError(stream.end());
    }
  }

  synchronized <T> List<T> requests(Class<T> type) {
    return requests.stream().filter(type::isInstance).map(type::cast).toList();
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
    } else if (answer instanceof Throwable error) {
      out.onError(error);
    } else {
      out.onNext(cast.apply(answer));
      out.onCompleted();
    }
  }
}
