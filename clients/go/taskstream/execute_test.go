package taskstream_test

import (
	"context"
	"errors"
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
				// The task failed: a terminated instance, which Execute returns without an error.
				failed := &pb.Instance{Name: instanceName, Status: pb.InstanceStatus_INSTANCE_STATUS_TERMINATED, Successful: false}
				return &pb.CreateInstanceResponse{Instance: failed, Terminated: true}, nil
			}}
			client := serve(t, f)
			instance, err := client.ExecuteTask(context.Background(), "fail", map[string]any{"message": "no"}, tc.timeout)
			if err != nil || instance.GetStatus() != pb.InstanceStatus_INSTANCE_STATUS_TERMINATED || instance.GetSuccessful() {
				t.Fatalf("ExecuteTask = %v, %v", instance, err)
			}
			creates := sent[*pb.CreateInstanceRequest](f)
			if len(creates) != 1 || len(sent[*pb.WaitInstanceRequest](f)) != 0 {
				t.Fatalf("%d creates and %d waits, want one create", len(creates), len(sent[*pb.WaitInstanceRequest](f)))
			}
			req := creates[0]
			if len(req.GetTasks()) != 1 || req.GetTasks()[0].GetType() != "fail" || req.GetTasks()[0].GetParametersJson() != `{"message":"no"}` {
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

func TestExecuteTimeoutReturnsTheCurrentState(t *testing.T) {
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
			if !errors.Is(err, taskstream.ErrWaitTimeout) {
				t.Fatalf("error %v", err)
			}
			if instance.GetName() != instanceName || instance.GetStatus() != pb.InstanceStatus_INSTANCE_STATUS_RUNNING {
				t.Errorf("instance %v", instance)
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
