package dev.taskstream.client;

import dev.taskstream.v1.CreateScheduleRequest;
import dev.taskstream.v1.CreateScheduleResponse;
import dev.taskstream.v1.DeleteScheduleRequest;
import dev.taskstream.v1.DeleteScheduleResponse;
import dev.taskstream.v1.GetScheduleRequest;
import dev.taskstream.v1.GetScheduleResponse;
import dev.taskstream.v1.ListSchedulesRequest;
import dev.taskstream.v1.ListSchedulesResponse;
import dev.taskstream.v1.PauseScheduleRequest;
import dev.taskstream.v1.PauseScheduleResponse;
import dev.taskstream.v1.ResumeScheduleRequest;
import dev.taskstream.v1.ResumeScheduleResponse;
import dev.taskstream.v1.ScheduleServiceGrpc;
import dev.taskstream.v1.TriggerScheduleRequest;
import dev.taskstream.v1.TriggerScheduleResponse;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Function;

/**
 * A ScheduleService whose answers a test scripts, as {@link FakeInstanceService}: each RPC pops the
 * next answer queued for it (a response, or an exception to fail with) and records its request and
 * deadline. Unscripted calls fail with UNIMPLEMENTED.
 */
final class FakeScheduleService extends ScheduleServiceGrpc.ScheduleServiceImplBase {
  final List<Object> requests = new ArrayList<>();
  final List<Deadline> deadlines = new ArrayList<>();
  final Deque<Object> creates = new ArrayDeque<>();
  final Deque<Object> gets = new ArrayDeque<>();
  final Deque<Object> lists = new ArrayDeque<>();
  final Deque<Object> pauses = new ArrayDeque<>();
  final Deque<Object> resumes = new ArrayDeque<>();
  final Deque<Object> triggers = new ArrayDeque<>();
  final Deque<Object> deletes = new ArrayDeque<>();

  @Override
  public void createSchedule(
      CreateScheduleRequest request, StreamObserver<CreateScheduleResponse> out) {
    answer(request, creates, out, CreateScheduleResponse.class::cast);
  }

  @Override
  public void getSchedule(GetScheduleRequest request, StreamObserver<GetScheduleResponse> out) {
    answer(request, gets, out, GetScheduleResponse.class::cast);
  }

  @Override
  public void listSchedules(
      ListSchedulesRequest request, StreamObserver<ListSchedulesResponse> out) {
    answer(request, lists, out, ListSchedulesResponse.class::cast);
  }

  @Override
  public void pauseSchedule(
      PauseScheduleRequest request, StreamObserver<PauseScheduleResponse> out) {
    answer(request, pauses, out, PauseScheduleResponse.class::cast);
  }

  @Override
  public void resumeSchedule(
      ResumeScheduleRequest request, StreamObserver<ResumeScheduleResponse> out) {
    answer(request, resumes, out, ResumeScheduleResponse.class::cast);
  }

  @Override
  public void triggerSchedule(
      TriggerScheduleRequest request, StreamObserver<TriggerScheduleResponse> out) {
    answer(request, triggers, out, TriggerScheduleResponse.class::cast);
  }

  @Override
  public void deleteSchedule(
      DeleteScheduleRequest request, StreamObserver<DeleteScheduleResponse> out) {
    answer(request, deletes, out, DeleteScheduleResponse.class::cast);
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
