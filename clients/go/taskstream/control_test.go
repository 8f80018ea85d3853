package taskstream_test

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/taskstream/taskstream/clients/go/gen/taskstream/v1"
	"github.com/taskstream/taskstream/clients/go/taskstream"
)

func TestSuspendAndResumeNameTheInstance(t *testing.T) {
	f := &fakeServer{}
	client := serve(t, f)
	ctx := context.Background()
	suspended, err := client.Suspend(ctx, "i1")
	if err != nil || suspended.GetStatus() != pb.InstanceStatus_INSTANCE_STATUS_SUSPENDED {
		t.Fatalf("Suspend = %v, %v", suspended, err)
	}
	resumed, err := client.Resume(ctx, instanceName)
	if err != nil || resumed.GetStatus() != pb.InstanceStatus_INSTANCE_STATUS_RUNNING {
		t.Fatalf("Resume = %v, %v", resumed, err)
	}
	if req := sent[*pb.SuspendInstanceRequest](f); len(req) != 1 || req[0].GetName() != instanceName {
		t.Errorf("suspend requests %v", req)
	}
	if req := sent[*pb.ResumeInstanceRequest](f); len(req) != 1 || req[0].GetName() != instanceName {
		t.Errorf("resume requests %v", req)
	}
}

func TestResumeOfARunningInstanceIsAFailedPrecondition(t *testing.T) {
	f := &fakeServer{resume: func(*pb.ResumeInstanceRequest) (*pb.ResumeInstanceResponse, error) {
		return nil, status.Error(codes.FailedPrecondition, "the instance is RUNNING")
	}}
	client := serve(t, f)
	if _, err := client.Resume(context.Background(), "i1"); !errors.Is(err, taskstream.ErrFailedPrecondition) {
		t.Fatalf("error %v", err)
	}
}

func TestLogviewAddress(t *testing.T) {
	expires := time.Date(2026, 12, 21, 10, 0, 0, 0, time.UTC)
	f := &fakeServer{logview: func(req *pb.GetLogviewAddressRequest) (*pb.GetLogviewAddressResponse, error) {
		return &pb.GetLogviewAddressResponse{Url: "http://127.0.0.1:8051/logview/?i=i1&token=t", ExpireTime: timestamppb.New(expires)}, nil
	}}
	client := serve(t, f)
	for _, hours := range []int32{2, 0} {
		address, err := client.LogviewAddress(context.Background(), "i1", hours)
		if err != nil || address.URL != "http://127.0.0.1:8051/logview/?i=i1&token=t" || !address.ExpireTime.Equal(expires) {
			t.Fatalf("LogviewAddress(%d) = %+v, %v", hours, address, err)
		}
	}
	reqs := sent[*pb.GetLogviewAddressRequest](f)
	if reqs[0].GetName() != instanceName || reqs[0].Hours == nil || reqs[0].GetHours() != 2 {
		t.Errorf("request with hours %v", reqs[0])
	}
	if reqs[1].Hours != nil {
		t.Errorf("hours 0 sent as %d, want unset (the server's default)", reqs[1].GetHours())
	}
}

// waitManyLongPoll answers WaitInstances as the server does when only the first instance terminates:
// done at once for WAIT_MODE_ANY, and not done once the requested timeout passes for WAIT_MODE_ALL.
func waitManyLongPoll(ctx context.Context, req *pb.WaitInstancesRequest) (*pb.WaitInstancesResponse, error) {
	var instances []*pb.Instance
	for i, name := range req.GetNames() {
		s := pb.InstanceStatus_INSTANCE_STATUS_RUNNING
		if i == 0 {
			s = pb.InstanceStatus_INSTANCE_STATUS_TERMINATED
		}
		instances = append(instances, &pb.Instance{Name: name, Status: s})
	}
	if req.GetMode() == pb.WaitMode_WAIT_MODE_ANY {
		return &pb.WaitInstancesResponse{Instances: instances, Done: true}, nil
	}
	timer := time.NewTimer(req.GetTimeout().AsDuration())
	defer timer.Stop()
	select {
	case <-timer.C:
		return &pb.WaitInstancesResponse{Instances: instances}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func TestWaitAnyReturnsEveryInstanceOnceOneTerminated(t *testing.T) {
	f := &fakeServer{waitMany: waitManyLongPoll}
	client := serve(t, f)
	instances, err := client.WaitAny(context.Background(), []string{"quick", "projects/p/instances/slow"}, time.Minute)
	if err != nil || len(instances) != 2 {
		t.Fatalf("WaitAny = %v, %v", instances, err)
	}
	if instances[0].GetStatus() != pb.InstanceStatus_INSTANCE_STATUS_TERMINATED || instances[1].GetStatus() != pb.InstanceStatus_INSTANCE_STATUS_RUNNING {
		t.Errorf("instances %v", instances)
	}
	req := sent[*pb.WaitInstancesRequest](f)[0]
	if req.GetMode() != pb.WaitMode_WAIT_MODE_ANY || !slices.Equal(req.GetNames(), []string{"projects/p/instances/quick", "projects/p/instances/slow"}) {
		t.Errorf("request %v", req)
	}
	if d := req.GetTimeout().AsDuration(); d <= 0 || d > time.Minute {
		t.Errorf("server wait %v", d)
	}
}

func TestWaitAllThatRunsOutOfTimeIsAnErrorNamingTheRunningInstances(t *testing.T) {
	f := &fakeServer{waitMany: waitManyLongPoll}
	client := serve(t, f)
	const timeout = 50 * time.Millisecond
	instances, err := client.WaitAll(context.Background(), []string{"quick", "slow", "slower"}, timeout)
	var timedOut *taskstream.WaitTimeoutError
	if instances != nil || !errors.Is(err, taskstream.ErrWaitTimeout) || !errors.As(err, &timedOut) {
		t.Fatalf("WaitAll = %v, %v", instances, err)
	}
	if want := []string{"projects/p/instances/slow", "projects/p/instances/slower"}; !slices.Equal(timedOut.Names, want) {
		t.Errorf("names %v, want %v", timedOut.Names, want)
	}
	if len(timedOut.Instances) != 3 || timedOut.Instance().GetName() != "projects/p/instances/slow" || timedOut.Timeout != timeout {
		t.Errorf("error %+v", timedOut)
	}
	want := "taskstream: wait timed out: 2 instances (projects/p/instances/slow, projects/p/instances/slower) are not terminated after 50ms"
	if err.Error() != want {
		t.Errorf("message %q", err.Error())
	}
	for _, req := range sent[*pb.WaitInstancesRequest](f) {
		if req.GetMode() != pb.WaitMode_WAIT_MODE_ALL {
			t.Errorf("mode %v", req.GetMode())
		}
		if d := req.GetTimeout().AsDuration(); d <= 0 || d > timeout {
			t.Errorf("server wait %v is not within the timeout", d)
		}
	}
}

func TestWaitOnNoInstancesCallsNothing(t *testing.T) {
	f := &fakeServer{}
	client := serve(t, f)
	for _, wait := range []func(context.Context, []string, time.Duration) ([]*pb.Instance, error){client.WaitAll, client.WaitAny} {
		if instances, err := wait(context.Background(), nil, time.Minute); instances != nil || err != nil {
			t.Errorf("wait = %v, %v", instances, err)
		}
	}
	if n := len(sent[*pb.WaitInstancesRequest](f)); n != 0 {
		t.Errorf("%d calls", n)
	}
}

func TestWaitAllRetriesTransientFailures(t *testing.T) {
	var calls atomic.Int32
	f := &fakeServer{waitMany: func(_ context.Context, req *pb.WaitInstancesRequest) (*pb.WaitInstancesResponse, error) {
		if calls.Add(1) == 1 {
			return nil, status.Error(codes.Unavailable, "restarting")
		}
		return &pb.WaitInstancesResponse{Instances: instancesNamed("a", "b"), Done: true}, nil
	}}
	client := serve(t, f)
	instances, err := client.WaitAll(context.Background(), []string{"a", "b"}, 0)
	if err != nil || len(instances) != 2 || calls.Load() != 2 {
		t.Fatalf("WaitAll = %v, %v after %d calls", instances, err, calls.Load())
	}
}
