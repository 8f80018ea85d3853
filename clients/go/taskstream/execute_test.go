package taskstream_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	pb "github.com/taskstream/taskstream/clients/go/gen/taskstream/v1"
	"github.com/taskstream/taskstream/clients/go/taskstream"
)

// createLongPoll answers a waiting CreateInstance as the server does when the instance runs on: not
// terminated once the requested wait_timeout passes.
func createLongPoll(ctx context.Context, req *pb.CreateInstanceRequest) (*pb.CreateInstanceResponse, error) {
	timer := time.NewTimer(req.GetWaitTimeout().AsDuration())
	defer timer.Stop()
	select {
	case <-timer.C:
		return &pb.CreateInstanceResponse{Instance: &pb.Instance{Name: instanceName, Status: pb.InstanceStatus_INSTANCE_STATUS_RUNNING}}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func TestExecuteAnswersInOneCallWhenTheCreateWaits(t *testing.T) {
	for _, tc := range []struct {
		timeout  time.Duration
		wantWait func(time.Duration) bool
	}{
		{timeout: 30 * time.Second, wantWait: func(d time.Duration) bool { return d > 0 && d <= 30*time.Second }},
		{timeout: 0, wantWait: func(d time.Duration) bool { return d == time.Minute }},
	} {
		t.Run(tc.timeout.String(), func(t *testing.T) {
			// How long the create's call had left when the server got it, to check it outlasts the wait.
			callLeft := make(chan time.Duration, 1)
			f := &fakeServer{create: func(ctx context.Context, req *pb.CreateInstanceRequest) (*pb.CreateInstanceResponse, error) {
				if deadline, ok := ctx.Deadline(); ok {
					callLeft <- time.Until(deadline)
				}
				done := &pb.Instance{Name: instanceName, Status: pb.InstanceStatus_INSTANCE_STATUS_TERMINATED, Successful: true}
				return &pb.CreateInstanceResponse{Instance: done, Terminated: true}, nil
			}}
			client := serve(t, f)
			instance, err := client.ExecuteTask(context.Background(), "echo", map[string]any{"message": "no"}, tc.timeout)
			if err != nil || instance.GetStatus() != pb.InstanceStatus_INSTANCE_STATUS_TERMINATED || !instance.GetSuccessful() {
				t.Fatalf("ExecuteTask = %v, %v", instance, err)
			}
			creates := sent[*pb.CreateInstanceRequest](f)
			if len(creates) != 1 || len(sent[*pb.WaitInstanceRequest](f)) != 0 {
				t.Fatalf("%d creates and %d waits, want one create", len(creates), len(sent[*pb.WaitInstanceRequest](f)))
			}
			req := creates[0]
			if len(req.GetTasks()) != 1 || req.GetTasks()[0].GetType() != "echo" || req.GetTasks()[0].GetParametersJson() != `{"message":"no"}` {
				t.Errorf("tasks %v", req.GetTasks())
			}
			wait := req.GetWaitTimeout().AsDuration()
			if !tc.wantWait(wait) {
				t.Errorf("wait_timeout %v with timeout %v", wait, tc.timeout)
			}
			select {
			case left := <-callLeft:
				if left <= wait {
					t.Errorf("the create's call had %v left for a wait of %v", left, wait)
				}
			default:
				t.Error("the create's call had no deadline")
			}
		})
	}
}

func TestExecuteWaitsWhenTheServerIgnoresWaitTimeout(t *testing.T) {
	// The fake's default create answers at once with terminated false, as a server that predates
	// wait_timeout does.
	f := &fakeServer{wait: func(_ context.Context, req *pb.WaitInstanceRequest) (*pb.WaitInstanceResponse, error) {
		return &pb.WaitInstanceResponse{Instance: &pb.Instance{Name: req.GetName(), Status: pb.InstanceStatus_INSTANCE_STATUS_TERMINATED, Successful: true}, Terminated: true}, nil
	}}
	client := serve(t, f)
	instance, err := client.Execute(context.Background(), []taskstream.TaskSpec{{Type: "echo"}}, time.Minute)
	if err != nil || instance.GetStatus() != pb.InstanceStatus_INSTANCE_STATUS_TERMINATED || !instance.GetSuccessful() {
		t.Fatalf("Execute = %v, %v", instance, err)
	}
	waits := sent[*pb.WaitInstanceRequest](f)
	if n := len(sent[*pb.CreateInstanceRequest](f)); n != 1 || len(waits) != 1 {
		t.Fatalf("%d creates and %d waits, want one of each", n, len(waits))
	}
	if d := waits[0].GetTimeout().AsDuration(); waits[0].GetName() != instanceName || d <= 0 || d > time.Minute {
		t.Errorf("wait request %v", waits[0])
	}
}

func TestAnExecuteThatRunsOutOfTimeIsAnErrorCarryingTheInstance(t *testing.T) {
	runningAtOnce := func(context.Context, *pb.CreateInstanceRequest) (*pb.CreateInstanceResponse, error) {
		return &pb.CreateInstanceResponse{Instance: &pb.Instance{Name: instanceName, Status: pb.InstanceStatus_INSTANCE_STATUS_RUNNING}}, nil
	}
	for name, create := range map[string]func(context.Context, *pb.CreateInstanceRequest) (*pb.CreateInstanceResponse, error){
		"the create waits":    createLongPoll,
		"the create does not": runningAtOnce,
	} {
		t.Run(name, func(t *testing.T) {
			f := &fakeServer{create: create, wait: longPoll}
			client := serve(t, f)
			const timeout = 50 * time.Millisecond
			start := time.Now()
			instance, err := client.Execute(context.Background(), []taskstream.TaskSpec{{Type: "sleep"}}, timeout)
			var timedOut *taskstream.WaitTimeoutError
			if !errors.Is(err, taskstream.ErrWaitTimeout) || !errors.As(err, &timedOut) || instance != nil {
				t.Fatalf("Execute = %v, %v", instance, err)
			}
			if got := timedOut.Instance(); got.GetName() != instanceName || got.GetStatus() != pb.InstanceStatus_INSTANCE_STATUS_RUNNING {
				t.Errorf("instance %v", got)
			}
			if !slices.Equal(timedOut.Names, []string{instanceName}) || timedOut.Timeout != timeout {
				t.Errorf("error %+v", timedOut)
			}
			if elapsed := time.Since(start); elapsed < timeout || elapsed > 5*time.Second {
				t.Errorf("waited %v", elapsed)
			}
			// Every wait asked of the server, the create's and the long polls', is within the timeout.
			waits := []time.Duration{sent[*pb.CreateInstanceRequest](f)[0].GetWaitTimeout().AsDuration()}
			for _, req := range sent[*pb.WaitInstanceRequest](f) {
				waits = append(waits, req.GetTimeout().AsDuration())
			}
			for _, d := range waits {
				if d <= 0 || d > timeout {
					t.Errorf("server wait %v is not within the timeout", d)
				}
			}
		})
	}
}

func TestExecuteRefusesWhatCannotBeSent(t *testing.T) {
	f := &fakeServer{}
	client := serve(t, f)
	if _, err := client.Execute(context.Background(), nil, time.Minute); err == nil {
		t.Error("no error for an instance without tasks")
	}
	if _, err := client.ExecuteTask(context.Background(), "echo", map[string]any{"f": func() {}}, time.Minute); err == nil {
		t.Error("no error for parameters that do not encode")
	}
	if calls := sent[proto.Message](f); len(calls) != 0 {
		t.Errorf("calls made: %v", calls)
	}
}

func TestExecuteDoesNotRetryTheCreate(t *testing.T) {
	f := &fakeServer{create: func(context.Context, *pb.CreateInstanceRequest) (*pb.CreateInstanceResponse, error) {
		return nil, status.Error(codes.Unavailable, "restarting")
	}}
	client := serve(t, f)
	if _, err := client.Execute(context.Background(), []taskstream.TaskSpec{{Type: "echo"}}, time.Minute); !errors.Is(err, taskstream.ErrUnavailable) {
		t.Fatalf("error %v", err)
	}
	if n := len(sent[*pb.CreateInstanceRequest](f)); n != 1 || len(sent[*pb.WaitInstanceRequest](f)) != 0 {
		t.Errorf("%d creates, want one and no wait", n)
	}
}

// failedInstance is a terminated instance whose second task failed and third was cancelled.
func failedInstance() *pb.Instance {
	return &pb.Instance{Name: instanceName, Status: pb.InstanceStatus_INSTANCE_STATUS_TERMINATED, Tasks: []*pb.Task{
		{Name: "ok", Status: pb.TaskStatus_TASK_STATUS_SUCCESS},
		{Name: "fail", Status: pb.TaskStatus_TASK_STATUS_FAILED, Error: &pb.TaskError{Type: "builtins.ValueError", Message: "Task failure", Traceback: "Traceback ..."}},
		{Name: "later", Status: pb.TaskStatus_TASK_STATUS_CANCELLED},
	}}
}

// checkInstanceFailed checks that err is the *InstanceFailedError of failedInstance.
func checkInstanceFailed(t *testing.T, err error) {
	t.Helper()
	var failed *taskstream.InstanceFailedError
	if !errors.Is(err, taskstream.ErrInstanceFailed) || !errors.As(err, &failed) {
		t.Fatalf("error %v", err)
	}
	if failed.Instance.GetName() != instanceName || failed.Instance.GetStatus() != pb.InstanceStatus_INSTANCE_STATUS_TERMINATED {
		t.Errorf("instance %v", failed.Instance)
	}
	if failed.Task.GetName() != "fail" || failed.Task.GetStatus() != pb.TaskStatus_TASK_STATUS_FAILED {
		t.Errorf("task %v", failed.Task)
	}
	var taskErr *taskstream.TaskError
	if !errors.As(err, &taskErr) || taskErr.Type != "builtins.ValueError" || taskErr.Message != "Task failure" {
		t.Errorf("task error %v", taskErr)
	}
	want := "taskstream: instance " + instanceName + " failed: task fail is TASK_STATUS_FAILED: builtins.ValueError: Task failure"
	if err.Error() != want {
		t.Errorf("message %q, want %q", err.Error(), want)
	}
	if errors.Is(err, taskstream.ErrWaitTimeout) {
		t.Error("a failed instance matches ErrWaitTimeout")
	}
}

func TestExecuteOfAFailedInstanceIsAnError(t *testing.T) {
	for name, f := range map[string]*fakeServer{
		"the create waits": {create: func(context.Context, *pb.CreateInstanceRequest) (*pb.CreateInstanceResponse, error) {
			return &pb.CreateInstanceResponse{Instance: failedInstance(), Terminated: true}, nil
		}},
		"a later wait": {wait: func(context.Context, *pb.WaitInstanceRequest) (*pb.WaitInstanceResponse, error) {
			return &pb.WaitInstanceResponse{Instance: failedInstance(), Terminated: true}, nil
		}},
	} {
		t.Run(name, func(t *testing.T) {
			client := serve(t, f)
			instance, err := client.ExecuteTask(context.Background(), "fail", nil, time.Minute)
			if instance != nil {
				t.Errorf("instance %v returned with the error", instance)
			}
			checkInstanceFailed(t, err)
		})
	}
}

func TestInstanceFailedErrorOfACancelledTaskHasNoTaskError(t *testing.T) {
	cancelled := &pb.Instance{Name: instanceName, Status: pb.InstanceStatus_INSTANCE_STATUS_TERMINATED, Tasks: []*pb.Task{{
		Name: "t", Status: pb.TaskStatus_TASK_STATUS_CANCELLED, Cancellation: &pb.Cancellation{Message: "no time"},
	}}}
	f := &fakeServer{create: func(context.Context, *pb.CreateInstanceRequest) (*pb.CreateInstanceResponse, error) {
		return &pb.CreateInstanceResponse{Instance: cancelled, Terminated: true}, nil
	}}
	client := serve(t, f)
	_, err := client.ExecuteTask(context.Background(), "sleep", nil, time.Minute)
	var failed *taskstream.InstanceFailedError
	if !errors.As(err, &failed) || failed.Task.GetName() != "t" {
		t.Fatalf("error %v", err)
	}
	var taskErr *taskstream.TaskError
	if errors.As(err, &taskErr) || errors.Unwrap(err) != nil {
		t.Errorf("a cancelled task unwraps to %v", errors.Unwrap(err))
	}
	if !strings.HasSuffix(err.Error(), "task t is TASK_STATUS_CANCELLED: no time") {
		t.Errorf("message %q", err.Error())
	}
}

func TestWaitReturnsAFailedInstanceAndWaitForSuccessFails(t *testing.T) {
	f := &fakeServer{wait: func(context.Context, *pb.WaitInstanceRequest) (*pb.WaitInstanceResponse, error) {
		return &pb.WaitInstanceResponse{Instance: failedInstance(), Terminated: true}, nil
	}}
	client := serve(t, f)
	instance, err := client.Wait(context.Background(), "i1", time.Minute)
	if err != nil || instance.GetSuccessful() || len(instance.GetTasks()) != 3 {
		t.Fatalf("Wait = %v, %v", instance, err)
	}
	instance, err = client.WaitForSuccess(context.Background(), "i1", time.Minute)
	if instance != nil {
		t.Errorf("instance %v returned with the error", instance)
	}
	checkInstanceFailed(t, err)
}

func TestWaitForSuccessReturnsASuccessfulInstance(t *testing.T) {
	f := &fakeServer{wait: func(_ context.Context, req *pb.WaitInstanceRequest) (*pb.WaitInstanceResponse, error) {
		done := &pb.Instance{Name: req.GetName(), Status: pb.InstanceStatus_INSTANCE_STATUS_TERMINATED, Successful: true}
		return &pb.WaitInstanceResponse{Instance: done, Terminated: true}, nil
	}}
	client := serve(t, f)
	instance, err := client.WaitForSuccess(context.Background(), "i1", time.Minute)
	if err != nil || !instance.GetSuccessful() {
		t.Fatalf("WaitForSuccess = %v, %v", instance, err)
	}
}
