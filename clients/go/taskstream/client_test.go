package taskstream_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	pb "github.com/taskstream/taskstream/clients/go/gen/taskstream/v1"
	"github.com/taskstream/taskstream/clients/go/taskstream"
)

func TestCreateInstanceSendsTasksOptionsAndUser(t *testing.T) {
	f := &fakeServer{}
	client := serve(t, f)
	instance, err := client.CreateInstance(context.Background(), []taskstream.TaskSpec{
		{Type: "echo", Parameters: map[string]any{"text": "hi"}},
		{Name: "second", Type: "noop", Timeout: 2 * time.Second},
	}, taskstream.WithPriority(0), taskstream.WithLabels(map[string]string{"team": "a"}),
		taskstream.WithRequestID("req-1"), taskstream.WithCancelOnTaskFailure(), taskstream.WithTaskTimeout(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if instance.GetName() != instanceName {
		t.Errorf("instance name %q", instance.GetName())
	}
	req := sent[*pb.CreateInstanceRequest](f)[0]
	if req.GetParent() != "projects/p" || len(req.GetTasks()) != 2 {
		t.Fatalf("request %v", req)
	}
	if got := req.GetTasks()[0]; got.GetType() != "echo" || got.GetParametersJson() != `{"text":"hi"}` {
		t.Errorf("first task %v", got)
	}
	if got := req.GetTasks()[1]; got.GetName() != "second" || got.GetParametersJson() != "" || got.GetTimeout().AsDuration() != 2*time.Second {
		t.Errorf("second task %v", got)
	}
	if req.Priority == nil || req.GetPriority() != 0 || req.GetLabels()["team"] != "a" || req.GetRequestId() != "req-1" {
		t.Errorf("options %v", req)
	}
	if !req.GetOptions().GetCancelOnTaskFailure() || req.GetOptions().GetTaskTimeout().AsDuration() != time.Minute {
		t.Errorf("instance options %v", req.GetOptions())
	}
	if !slices.Equal(f.sentUsers(), []string{"ann"}) {
		t.Errorf("users sent %v", f.users)
	}
}

func TestCreateInstanceRejectsWhatCannotBeSent(t *testing.T) {
	client := serve(t, &fakeServer{})
	if _, err := client.CreateInstance(context.Background(), nil); err == nil {
		t.Error("no error for an instance without tasks")
	}
	if _, err := client.RunTask(context.Background(), "echo", map[string]any{"f": func() {}}); err == nil {
		t.Error("no error for parameters that do not encode")
	}
}

func TestUnsetPriorityIsNotSent(t *testing.T) {
	f := &fakeServer{}
	client := serve(t, f)
	if _, err := client.RunTask(context.Background(), "noop", nil); err != nil {
		t.Fatal(err)
	}
	if req := sent[*pb.CreateInstanceRequest](f)[0]; req.Priority != nil || req.GetOptions() != nil || req.GetHold() {
		t.Errorf("request %v", req)
	}
}

func TestWithHoldSendsHold(t *testing.T) {
	f := &fakeServer{}
	client := serve(t, f)
	if _, err := client.RunTask(context.Background(), "noop", nil, taskstream.WithHold()); err != nil {
		t.Fatal(err)
	}
	if req := sent[*pb.CreateInstanceRequest](f)[0]; !req.GetHold() || req.GetOptions() != nil {
		t.Errorf("request %v", req)
	}
}

func TestMethodsTakeIDsOrResourceNames(t *testing.T) {
	f := &fakeServer{}
	client := serve(t, f)
	ctx := context.Background()
	for _, name := range []string{"i1", instanceName, "projects/other/instances/i2"} {
		if _, err := client.GetInstance(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	for _, req := range sent[*pb.GetInstanceRequest](f) {
		names = append(names, req.GetName())
	}
	want := []string{instanceName, instanceName, "projects/other/instances/i2"}
	if !slices.Equal(names, want) {
		t.Errorf("names %v, want %v", names, want)
	}
}

func TestNewClientChecksTheProject(t *testing.T) {
	for _, project := range []string{"", "a/b"} {
		if _, err := taskstream.NewClient("127.0.0.1:1", taskstream.WithProject(project)); err == nil {
			t.Errorf("no error for project %q", project)
		}
	}
}

func TestEmptyUserSendsNoMetadata(t *testing.T) {
	f := &fakeServer{}
	client := serve(t, f, taskstream.WithUser(""))
	if _, err := client.GetInstance(context.Background(), "i1"); err != nil {
		t.Fatal(err)
	}
	if len(f.sentUsers()) != 0 {
		t.Errorf("users sent %v", f.users)
	}
}

func TestStopSendsReasonAndMessage(t *testing.T) {
	f := &fakeServer{}
	client := serve(t, f)
	if _, err := client.Stop(context.Background(), "i1", pb.CancellationReason_CANCELLATION_REASON_TIMEOUT, "too slow"); err != nil {
		t.Fatal(err)
	}
	req := sent[*pb.StopInstanceRequest](f)[0]
	if req.GetName() != instanceName || req.GetReason() != pb.CancellationReason_CANCELLATION_REASON_TIMEOUT || req.GetMessage() != "too slow" {
		t.Errorf("request %v", req)
	}
}

func TestInvalidArgumentCarriesFieldViolations(t *testing.T) {
	f := &fakeServer{create: func(context.Context, *pb.CreateInstanceRequest) (*pb.CreateInstanceResponse, error) {
		return nil, withDetails(codes.InvalidArgument, "bad request", &errdetails.BadRequest{
			FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: "tasks[0].type", Description: "unknown task type"}},
		})
	}}
	client := serve(t, f)
	_, err := client.RunTask(context.Background(), "nope", nil)
	if !errors.Is(err, taskstream.ErrInvalidArgument) || errors.Is(err, taskstream.ErrNotFound) {
		t.Fatalf("error %v", err)
	}
	var apiErr *taskstream.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("%T is no *APIError", err)
	}
	want := []taskstream.FieldViolation{{Field: "tasks[0].type", Description: "unknown task type"}}
	if !slices.Equal(apiErr.FieldViolations, want) {
		t.Errorf("violations %v", apiErr.FieldViolations)
	}
	if got := err.Error(); got != "taskstream: InvalidArgument: bad request (tasks[0].type: unknown task type)" {
		t.Errorf("message %q", got)
	}
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("status.Code %v", status.Code(err))
	}
}

func TestNotFoundCarriesTheResource(t *testing.T) {
	f := &fakeServer{get: func(req *pb.GetInstanceRequest) (*pb.GetInstanceResponse, error) {
		return nil, withDetails(codes.NotFound, "no such instance", &errdetails.ResourceInfo{
			ResourceType: "taskstream.v1.Instance", ResourceName: req.GetName(),
		})
	}}
	client := serve(t, f)
	_, err := client.GetInstance(context.Background(), "i1")
	var apiErr *taskstream.APIError
	if !errors.Is(err, taskstream.ErrNotFound) || !errors.As(err, &apiErr) {
		t.Fatalf("error %v", err)
	}
	if apiErr.ResourceType != "taskstream.v1.Instance" || apiErr.ResourceName != instanceName {
		t.Errorf("resource %q %q", apiErr.ResourceType, apiErr.ResourceName)
	}
}

func TestFailedPreconditionCarriesTheReason(t *testing.T) {
	f := &fakeServer{stop: func(*pb.StopInstanceRequest) (*pb.StopInstanceResponse, error) {
		return nil, withDetails(codes.FailedPrecondition, "already terminated", &errdetails.ErrorInfo{
			Reason: "INSTANCE_TERMINATED", Domain: "taskstream.dev", Metadata: map[string]string{"status": "Terminated"},
		})
	}}
	client := serve(t, f)
	_, err := client.Stop(context.Background(), "i1", 0, "")
	var apiErr *taskstream.APIError
	if !errors.Is(err, taskstream.ErrFailedPrecondition) || !errors.As(err, &apiErr) {
		t.Fatalf("error %v", err)
	}
	if apiErr.Reason != "INSTANCE_TERMINATED" || apiErr.Domain != "taskstream.dev" || apiErr.Metadata["status"] != "Terminated" {
		t.Errorf("error info %+v", apiErr)
	}
}

func TestFromError(t *testing.T) {
	if _, ok := taskstream.FromError(errors.New("plain")); ok {
		t.Error("an error without a status became an APIError")
	}
	if _, ok := taskstream.FromError(nil); ok {
		t.Error("nil became an APIError")
	}
	wrapped := fmt.Errorf("calling: %w", status.Error(codes.Unavailable, "down"))
	apiErr, ok := taskstream.FromError(wrapped)
	if !ok || apiErr.Code != codes.Unavailable || !errors.Is(apiErr, taskstream.ErrUnavailable) {
		t.Errorf("FromError(%v) = %v, %v", wrapped, apiErr, ok)
	}
}

func TestCancelledCallsMatchTheContextErrors(t *testing.T) {
	client := serve(t, &fakeServer{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := client.GetInstance(ctx, "i1")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v does not match context.Canceled", err)
	}
}

func TestWaitReturnsTheTerminatedInstance(t *testing.T) {
	f := &fakeServer{wait: func(_ context.Context, req *pb.WaitInstanceRequest) (*pb.WaitInstanceResponse, error) {
		return &pb.WaitInstanceResponse{Instance: &pb.Instance{Name: req.GetName(), Status: pb.InstanceStatus_INSTANCE_STATUS_TERMINATED}, Terminated: true}, nil
	}}
	client := serve(t, f)
	instance, err := client.Wait(context.Background(), "i1", 0)
	if err != nil || instance.GetStatus() != pb.InstanceStatus_INSTANCE_STATUS_TERMINATED {
		t.Fatalf("Wait = %v, %v", instance, err)
	}
	// Without a timeout each call asks the server for its longest wait.
	if got := sent[*pb.WaitInstanceRequest](f)[0].GetTimeout().AsDuration(); got != 10*time.Minute {
		t.Errorf("server wait %v", got)
	}
}

// longPoll answers WaitInstance as the server does: not terminated once the requested timeout passes.
func longPoll(ctx context.Context, req *pb.WaitInstanceRequest) (*pb.WaitInstanceResponse, error) {
	timer := time.NewTimer(req.GetTimeout().AsDuration())
	defer timer.Stop()
	select {
	case <-timer.C:
		return &pb.WaitInstanceResponse{Instance: &pb.Instance{Name: req.GetName(), Status: pb.InstanceStatus_INSTANCE_STATUS_RUNNING}}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func TestAWaitThatRunsOutOfTimeIsAnErrorCarryingTheInstance(t *testing.T) {
	f := &fakeServer{wait: longPoll}
	client := serve(t, f)
	start := time.Now()
	instance, err := client.Wait(context.Background(), "i1", 50*time.Millisecond)
	var timedOut *taskstream.WaitTimeoutError
	if !errors.Is(err, taskstream.ErrWaitTimeout) || !errors.As(err, &timedOut) || instance != nil {
		t.Fatalf("Wait = %v, %v", instance, err)
	}
	if got := timedOut.Instance(); got.GetName() != instanceName || got.GetStatus() != pb.InstanceStatus_INSTANCE_STATUS_RUNNING {
		t.Errorf("instance %v", got)
	}
	want := "taskstream: wait timed out: " + instanceName + " is not terminated after 50ms"
	if err.Error() != want {
		t.Errorf("message %q, want %q", err.Error(), want)
	}
	if elapsed := time.Since(start); elapsed < 50*time.Millisecond || elapsed > 5*time.Second {
		t.Errorf("waited %v", elapsed)
	}
	for _, req := range sent[*pb.WaitInstanceRequest](f) {
		if d := req.GetTimeout().AsDuration(); d <= 0 || d > 50*time.Millisecond {
			t.Errorf("server wait %v is not within the timeout", d)
		}
	}
}

func TestWaitUntilTheContextEndsMakesNoBurstOfCalls(t *testing.T) {
	// As the server does: each wait ends 50 ms before the call's deadline, so near the context's deadline
	// a call would be answered at once.
	f := &fakeServer{wait: func(ctx context.Context, req *pb.WaitInstanceRequest) (*pb.WaitInstanceResponse, error) {
		wait := req.GetTimeout().AsDuration()
		if d, ok := ctx.Deadline(); ok {
			wait = min(wait, max(0, time.Until(d)-50*time.Millisecond))
		}
		return longPoll(ctx, &pb.WaitInstanceRequest{Name: req.GetName(), Timeout: durationpb.New(wait)})
	}}
	client := serve(t, f)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	instance, err := client.Wait(ctx, "i1", 0)
	if !errors.Is(err, context.DeadlineExceeded) || instance != nil {
		t.Fatalf("Wait = %v, %v", instance, err)
	}
	if n := len(sent[*pb.WaitInstanceRequest](f)); n > 2 {
		t.Errorf("%d calls", n)
	}
}

func TestWaitRetriesTransientFailures(t *testing.T) {
	var calls atomic.Int32
	f := &fakeServer{wait: func(_ context.Context, req *pb.WaitInstanceRequest) (*pb.WaitInstanceResponse, error) {
		if calls.Add(1) == 1 {
			return nil, status.Error(codes.Unavailable, "restarting")
		}
		return &pb.WaitInstanceResponse{Instance: &pb.Instance{Name: req.GetName()}, Terminated: true}, nil
	}}
	client := serve(t, f)
	if _, err := client.Wait(context.Background(), "i1", time.Minute); err != nil || calls.Load() != 2 {
		t.Fatalf("error %v after %d calls", err, calls.Load())
	}
}

func TestWaitReturnsOtherErrors(t *testing.T) {
	f := &fakeServer{wait: func(context.Context, *pb.WaitInstanceRequest) (*pb.WaitInstanceResponse, error) {
		return nil, status.Error(codes.NotFound, "no such instance")
	}}
	client := serve(t, f)
	if _, err := client.Wait(context.Background(), "i1", time.Minute); !errors.Is(err, taskstream.ErrNotFound) {
		t.Fatalf("error %v", err)
	}
	if n := len(sent[*pb.WaitInstanceRequest](f)); n != 1 {
		t.Errorf("%d calls", n)
	}
}
