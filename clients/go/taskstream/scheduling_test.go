package taskstream_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/taskstream/taskstream/clients/go/gen/taskstream/v1"
	"github.com/taskstream/taskstream/clients/go/taskstream"
)

func TestCreateInstanceSendsRetriesDependenciesLimitsAndSchedulingOptions(t *testing.T) {
	f := &fakeServer{}
	client := serve(t, f)
	start := time.Date(2026, 12, 1, 8, 30, 0, 500_000_000, time.UTC)
	retry := &taskstream.TaskRetryPolicy{
		MaxAttempts:            3,
		InitialBackoff:         100 * time.Millisecond,
		BackoffMultiplier:      1.5,
		MaxBackoff:             10 * time.Second,
		Jitter:                 0.2,
		NonRetryableErrorTypes: []string{"ValueError"},
	}
	_, err := client.CreateInstance(context.Background(), []taskstream.TaskSpec{
		{Name: "extract", Type: "echo", Retry: retry},
		{Name: "load", Type: "echo", DependsOn: []taskstream.Dependency{{Task: "extract"}}},
		{Name: "notify", Type: "echo", DependsOn: []taskstream.Dependency{{Task: "extract"}, {Task: "load", AllowFailure: true}}},
		{Name: "export", Type: "echo", ConcurrencyKey: "warehouse", ConcurrencyLimit: 2},
	},
		taskstream.WithTaskRetry(taskstream.TaskRetryPolicy{MaxAttempts: 2}),
		taskstream.WithStartTime(start),
		taskstream.WithRetention(time.Hour),
		taskstream.WithCancelOnClientDisconnection(45*time.Second),
	)
	if err != nil {
		t.Fatal(err)
	}
	want := &pb.CreateInstanceRequest{
		Parent: "projects/p",
		Tasks: []*pb.TaskSpec{
			{Name: "extract", Type: "echo", RetryPolicy: &pb.RetryPolicy{
				MaxAttempts:            3,
				InitialBackoff:         durationpb.New(100 * time.Millisecond),
				BackoffMultiplier:      1.5,
				MaxBackoff:             durationpb.New(10 * time.Second),
				Jitter:                 0.2,
				NonRetryableErrorTypes: []string{"ValueError"},
			}},
			{Name: "load", Type: "echo", Dependencies: []*pb.TaskDependency{{Task: "extract"}}},
			{Name: "notify", Type: "echo", Dependencies: []*pb.TaskDependency{{Task: "extract"}, {Task: "load", AllowFailure: true}}},
			{Name: "export", Type: "echo", ConcurrencyKey: "warehouse", ConcurrencyLimit: 2},
		},
		StartTime: timestamppb.New(start),
		Options: &pb.InstanceOptions{
			RetryPolicy:                 &pb.RetryPolicy{MaxAttempts: 2}, // zero durations stay unset: the server's defaults
			Retention:                   durationpb.New(time.Hour),
			CancelOnClientDisconnection: true,
			ClientDisconnectGrace:       durationpb.New(45 * time.Second),
		},
	}
	if got := sent[*pb.CreateInstanceRequest](f)[0]; !proto.Equal(got, want) {
		t.Errorf("request\n%v\nwant\n%v", got, want)
	}
}

func TestBindingWithoutAGraceLeavesTheServersDefault(t *testing.T) {
	f := &fakeServer{}
	client := serve(t, f)
	if _, err := client.RunTask(context.Background(), "echo", nil, taskstream.WithCancelOnClientDisconnection(0)); err != nil {
		t.Fatal(err)
	}
	options := sent[*pb.CreateInstanceRequest](f)[0].GetOptions()
	if !options.GetCancelOnClientDisconnection() || options.GetClientDisconnectGrace() != nil {
		t.Errorf("options %v", options)
	}
}

func TestCancelTaskNamesTheTaskAndSendsItsOptions(t *testing.T) {
	f := &fakeServer{}
	client := serve(t, f)
	ctx := context.Background()
	instance, err := client.CancelTask(ctx, "i1", "load", &taskstream.CancelTaskOptions{
		Reason: pb.CancellationReason_CANCELLATION_REASON_DIRECT, Message: "not needed", GracePeriod: 2 * time.Second,
	})
	if err != nil || instance.GetName() != instanceName {
		t.Fatalf("CancelTask = %v, %v", instance, err)
	}
	if _, err := client.CancelTask(ctx, instanceName, "extract", nil); err != nil {
		t.Fatal(err)
	}
	reqs := sent[*pb.CancelTaskRequest](f)
	want := []*pb.CancelTaskRequest{
		{Name: instanceName + "/tasks/load", Reason: pb.CancellationReason_CANCELLATION_REASON_DIRECT, Message: "not needed", GracePeriod: durationpb.New(2 * time.Second)},
		{Name: instanceName + "/tasks/extract"}, // the server's defaults: DIRECT, its grace period
	}
	if len(reqs) != len(want) {
		t.Fatalf("requests %v", reqs)
	}
	for i := range want {
		if !proto.Equal(reqs[i], want[i]) {
			t.Errorf("request %d: %v, want %v", i, reqs[i], want[i])
		}
	}
	if _, err := client.CancelTask(ctx, "i1", "", nil); err == nil || len(sent[*pb.CancelTaskRequest](f)) != 2 {
		t.Errorf("CancelTask of no task: %v, sent %d requests", err, len(sent[*pb.CancelTaskRequest](f)))
	}
}

func TestCancelTaskOfATaskThatEndedIsAFailedPrecondition(t *testing.T) {
	f := &fakeServer{cancelTask: func(*pb.CancelTaskRequest) (*pb.CancelTaskResponse, error) {
		return nil, withDetails(codes.FailedPrecondition, "task load already ended", &errdetails.ErrorInfo{Reason: "TASK_TERMINATED"})
	}}
	client := serve(t, f)
	_, err := client.CancelTask(context.Background(), "i1", "load", nil)
	var apiErr *taskstream.APIError
	if !errors.Is(err, taskstream.ErrFailedPrecondition) || !errors.As(err, &apiErr) || apiErr.Reason != "TASK_TERMINATED" {
		t.Fatalf("error %v", err)
	}
}

func TestDeleteInstanceThenReadingItIsNotFoundWithTheReason(t *testing.T) {
	f := &fakeServer{get: func(req *pb.GetInstanceRequest) (*pb.GetInstanceResponse, error) {
		return nil, withDetails(codes.NotFound, "instance deleted", &errdetails.ErrorInfo{Reason: "INSTANCE_DELETED"})
	}}
	client := serve(t, f)
	ctx := context.Background()
	if err := client.DeleteInstance(ctx, "i1"); err != nil {
		t.Fatal(err)
	}
	if reqs := sent[*pb.DeleteInstanceRequest](f); len(reqs) != 1 || reqs[0].GetName() != instanceName {
		t.Errorf("delete requests %v", reqs)
	}
	_, err := client.GetInstance(ctx, "i1")
	var apiErr *taskstream.APIError
	if !errors.Is(err, taskstream.ErrNotFound) || !errors.As(err, &apiErr) || apiErr.Reason != "INSTANCE_DELETED" {
		t.Fatalf("get after delete: %v", err)
	}
}

func TestDeleteInstanceOfARunningInstanceFails(t *testing.T) {
	f := &fakeServer{deleteInstance: func(*pb.DeleteInstanceRequest) (*pb.DeleteInstanceResponse, error) {
		return nil, withDetails(codes.FailedPrecondition, "running", &errdetails.ErrorInfo{Reason: "INSTANCE_NOT_TERMINATED"})
	}}
	client := serve(t, f)
	err := client.DeleteInstance(context.Background(), "i1")
	var apiErr *taskstream.APIError
	if !errors.Is(err, taskstream.ErrFailedPrecondition) || !errors.As(err, &apiErr) || apiErr.Reason != "INSTANCE_NOT_TERMINATED" {
		t.Fatalf("error %v", err)
	}
}

func TestResultNamesTheDependenciesAWaitingTaskWaitsOn(t *testing.T) {
	f := &fakeServer{result: func(*pb.GetTaskResultRequest) (*pb.GetTaskResultResponse, error) {
		return &pb.GetTaskResultResponse{Task: &pb.Task{
			Name:          "report",
			Status:        pb.TaskStatus_TASK_STATUS_WAITING,
			WaitingReason: pb.WaitingReason_WAITING_REASON_DEPENDENCY,
			WaitingOn:     []string{"extract", "load"},
		}}, nil
	}}
	client := serve(t, f)
	result, err := client.Result(context.Background(), "i1", "report")
	if err != nil {
		t.Fatal(err)
	}
	if result.WaitingReason() != pb.WaitingReason_WAITING_REASON_DEPENDENCY || !slices.Equal(result.WaitingOn(), []string{"extract", "load"}) {
		t.Errorf("waiting reason %v on %v", result.WaitingReason(), result.WaitingOn())
	}
}

func TestResultReadsTheAttemptHistoryAndTheWaitingReason(t *testing.T) {
	started := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	f := &fakeServer{result: func(*pb.GetTaskResultRequest) (*pb.GetTaskResultResponse, error) {
		return &pb.GetTaskResultResponse{Task: &pb.Task{
			Name:          "extract",
			Status:        pb.TaskStatus_TASK_STATUS_WAITING,
			WaitingReason: pb.WaitingReason_WAITING_REASON_BACKOFF,
			AttemptHistory: []*pb.TaskAttempt{
				{
					Attempt: 1, Status: pb.TaskStatus_TASK_STATUS_FAILED, Worker: "w1",
					StartTime: timestamppb.New(started), EndTime: timestamppb.New(started.Add(time.Second)),
					Error: &pb.TaskError{Type: "builtins.OSError", Message: "attempt 1 failed"},
				},
				{Attempt: 2, Status: pb.TaskStatus_TASK_STATUS_TIMED_OUT, Result: &pb.Result{Kind: &pb.Result_Text{Text: "partial"}}},
			},
		}}, nil
	}}
	client := serve(t, f)
	result, err := client.Result(context.Background(), "i1", "extract")
	if err != nil {
		t.Fatal(err)
	}
	if result.WaitingReason() != pb.WaitingReason_WAITING_REASON_BACKOFF || result.WaitingOn() != nil {
		t.Errorf("waiting reason %v on %v", result.WaitingReason(), result.WaitingOn())
	}
	history := result.AttemptHistory()
	if len(history) != 2 {
		t.Fatalf("history %+v", history)
	}
	first, second := history[0], history[1]
	if first.Number != 1 || first.Status != pb.TaskStatus_TASK_STATUS_FAILED || first.Worker != "w1" ||
		!first.StartTime.Equal(started) || !first.EndTime.Equal(started.Add(time.Second)) {
		t.Errorf("first attempt %+v", first)
	}
	if first.Err == nil || first.Err.Type != "builtins.OSError" || first.Err.Error() != "builtins.OSError: attempt 1 failed" {
		t.Errorf("first attempt's error %v", first.Err)
	}
	if second.Number != 2 || second.Err != nil || !second.StartTime.IsZero() || second.Value.GetText() != "partial" {
		t.Errorf("second attempt %+v", second)
	}
}

func TestKeepBoundHoldsAWatchAcrossDropsUntilTheInstanceTerminates(t *testing.T) {
	f := &fakeServer{watches: []func(*pb.WatchInstanceRequest, grpc.ServerStreamingServer[pb.WatchInstanceResponse]) error{
		sends(status.Error(codes.Unavailable, "connection reset"), snapshot(4, running), progressEvent(5, 50)),
		sends(nil, progressEvent(6, 60), snapshot(7, terminated)),
	}}
	client := serve(t, f)
	instance, err := client.KeepBound(context.Background(), "i1")
	if err != nil {
		t.Fatal(err)
	}
	if instance.GetStatus() != terminated || instance.GetSeq() != 7 {
		t.Errorf("KeepBound returned %v", instance)
	}
	if seqs := afterSeqs(f); len(seqs) != 2 || seqs[0] != 0 || seqs[1] != 5 {
		t.Errorf("watches after %v, want [0 5]", seqs)
	}
}

func TestKeepBoundLetsGoWhenItsContextEnds(t *testing.T) {
	opened := make(chan struct{})
	f := &fakeServer{watches: []func(*pb.WatchInstanceRequest, grpc.ServerStreamingServer[pb.WatchInstanceResponse]) error{
		func(_ *pb.WatchInstanceRequest, stream grpc.ServerStreamingServer[pb.WatchInstanceResponse]) error {
			if err := stream.Send(snapshot(1, running)); err != nil {
				return err
			}
			close(opened)
			<-stream.Context().Done() // open until the client goes
			return stream.Context().Err()
		},
	}}
	client := serve(t, f)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := client.KeepBound(ctx, "i1")
		done <- err
	}()
	<-opened
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("KeepBound after cancel: %v", err)
	}
	if n := len(sent[*pb.WatchInstanceRequest](f)); n != 1 {
		t.Errorf("%d watches, want 1", n)
	}
}

func TestKeepBoundOfAnUnknownInstanceIsNotFound(t *testing.T) {
	f := &fakeServer{watches: []func(*pb.WatchInstanceRequest, grpc.ServerStreamingServer[pb.WatchInstanceResponse]) error{
		sends(status.Error(codes.NotFound, "no instance i1")),
	}}
	client := serve(t, f)
	if _, err := client.KeepBound(context.Background(), "i1"); !errors.Is(err, taskstream.ErrNotFound) {
		t.Fatalf("error %v", err)
	}
}
