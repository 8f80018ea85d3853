package taskstream_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/taskstream/taskstream/clients/go/gen/taskstream/v1"
	"github.com/taskstream/taskstream/clients/go/taskstream"
)

const (
	running    = pb.InstanceStatus_INSTANCE_STATUS_RUNNING
	terminated = pb.InstanceStatus_INSTANCE_STATUS_TERMINATED
)

// collect reads a watch to its end: a line per event ("snapshot 0", "change 3", "heartbeat 2") and the
// error it ended with.
func collect(t *testing.T, events func(func(taskstream.Event, error) bool)) ([]string, error) {
	t.Helper()
	var seen []string
	for ev, err := range events {
		if err != nil {
			return seen, err
		}
		switch ev := ev.(type) {
		case *taskstream.Snapshot:
			seen = append(seen, fmt.Sprint("snapshot ", ev.Seq))
		case *taskstream.Heartbeat:
			seen = append(seen, fmt.Sprint("heartbeat ", ev.Seq))
		case *taskstream.TaskProgressUpdated:
			seen = append(seen, fmt.Sprint("change ", ev.Seq))
		default:
			t.Fatalf("unexpected event %T", ev)
		}
	}
	return seen, nil
}

func afterSeqs(f *fakeServer) []int64 {
	var seqs []int64
	for _, req := range sent[*pb.WatchInstanceRequest](f) {
		seqs = append(seqs, req.GetAfterSeq())
	}
	return seqs
}

func TestWatchTypesEveryChange(t *testing.T) {
	at := time.Unix(1700000000, 0).UTC()
	event := func(seq int64, change any) *pb.WatchInstanceResponse {
		e := &pb.InstanceEvent{Seq: seq, Time: timestamppb.New(at)}
		switch c := change.(type) {
		case *pb.InstanceStatusChanged:
			e.Change = &pb.InstanceEvent_InstanceStatusChanged{InstanceStatusChanged: c}
		case *pb.TaskStatusChanged:
			e.Change = &pb.InstanceEvent_TaskStatusChanged{TaskStatusChanged: c}
		case *pb.TaskPropertyUpdated:
			e.Change = &pb.InstanceEvent_TaskPropertyUpdated{TaskPropertyUpdated: c}
		case *pb.TaskOutputAppended:
			e.Change = &pb.InstanceEvent_TaskOutputAppended{TaskOutputAppended: c}
		case *pb.SubInstanceCreated:
			e.Change = &pb.InstanceEvent_SubInstanceCreated{SubInstanceCreated: c}
		case *pb.TaskWaitingReasonChanged:
			e.Change = &pb.InstanceEvent_TaskWaitingReasonChanged{TaskWaitingReasonChanged: c}
		}
		return &pb.WatchInstanceResponse{Kind: &pb.WatchInstanceResponse_Event{Event: e}}
	}
	f := &fakeServer{watches: []func(*pb.WatchInstanceRequest, grpc.ServerStreamingServer[pb.WatchInstanceResponse]) error{
		sends(nil,
			snapshot(0, running),
			event(1, &pb.TaskStatusChanged{PreviousStatus: pb.TaskStatus_TASK_STATUS_WAITING, Task: &pb.Task{Name: "t", Status: pb.TaskStatus_TASK_STATUS_RUNNING}}),
			event(2, &pb.TaskPropertyUpdated{Task: "t", Key: "n", Value: &pb.PropertyValue{Kind: &pb.PropertyValue_IntValue{IntValue: 3}}}),
			event(3, &pb.TaskOutputAppended{Task: "t", Stream: pb.OutputStream_OUTPUT_STREAM_STDERR, Offset: 5, Data: []byte("x"), Attempt: 1}),
			event(4, &pb.SubInstanceCreated{Instance: "projects/p/instances/sub", Name: "step", Task: "t"}),
			event(5, &pb.TaskWaitingReasonChanged{Task: "u", WaitingReason: pb.WaitingReason_WAITING_REASON_QUEUED}),
			event(6, &pb.InstanceEvent{}), // a kind of change this client does not know
			event(7, &pb.InstanceStatusChanged{PreviousStatus: running, Status: terminated, Successful: true}),
			snapshot(7, terminated),
		),
	}}
	client := serve(t, f)
	var events []taskstream.Event
	for ev, err := range client.Watch(context.Background(), "i1", taskstream.WithOutput()) {
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, ev)
	}
	change := func(seq int64) taskstream.Change { return taskstream.Change{Seq: seq, Time: at} }
	want := []string{
		fmt.Sprintf("%+v", &taskstream.Snapshot{Seq: 0}),
		fmt.Sprintf("%+v", &taskstream.TaskStatusChanged{Change: change(1), PreviousStatus: pb.TaskStatus_TASK_STATUS_WAITING, Status: pb.TaskStatus_TASK_STATUS_RUNNING}),
		fmt.Sprintf("%+v", &taskstream.TaskPropertyUpdated{Change: change(2), TaskName: "t", Key: "n", Value: int64(3)}),
		fmt.Sprintf("%+v", &taskstream.TaskOutputAppended{Change: change(3), TaskName: "t", Stream: pb.OutputStream_OUTPUT_STREAM_STDERR, Offset: 5, Data: []byte("x"), Attempt: 1}),
		fmt.Sprintf("%+v", &taskstream.SubInstanceCreated{Change: change(4), Instance: "projects/p/instances/sub", Name: "step", TaskName: "t"}),
		fmt.Sprintf("%+v", &taskstream.TaskWaitingReasonChanged{Change: change(5), TaskName: "u", WaitingReason: pb.WaitingReason_WAITING_REASON_QUEUED}),
		fmt.Sprintf("%+v", &taskstream.InstanceStatusChanged{Change: change(7), PreviousStatus: running, Status: terminated, Successful: true}),
		fmt.Sprintf("%+v", &taskstream.Snapshot{Seq: 7}),
	}
	if len(events) != len(want) {
		t.Fatalf("%d events, want %d", len(events), len(want))
	}
	for i, ev := range events {
		// Compare without the proto messages, which are checked below.
		switch e := ev.(type) {
		case *taskstream.Snapshot:
			ev = &taskstream.Snapshot{Seq: e.Seq}
		case *taskstream.TaskStatusChanged:
			if e.Task.GetName() != "t" {
				t.Errorf("task %v", e.Task)
			}
			copied := *e
			copied.Task = nil
			ev = &copied
		}
		if got := fmt.Sprintf("%+v", ev); got != want[i] {
			t.Errorf("event %d: %s, want %s", i, got, want[i])
		}
	}
	if req := sent[*pb.WatchInstanceRequest](f)[0]; req.GetName() != instanceName || !req.GetIncludeOutput() || req.GetAfterSeq() != 0 {
		t.Errorf("request %v", req)
	}
}

func TestWatchResumesAfterADroppedStream(t *testing.T) {
	f := &fakeServer{watches: []func(*pb.WatchInstanceRequest, grpc.ServerStreamingServer[pb.WatchInstanceResponse]) error{
		sends(status.Error(codes.Unavailable, "connection reset"), snapshot(0, running), progressEvent(1, 10), progressEvent(3, 30)),
		// A resumed stream may repeat what was sent before the drop; the watch skips it.
		sends(nil, progressEvent(3, 30), progressEvent(4, 40), snapshot(5, terminated)),
	}}
	client := serve(t, f)
	seen, err := collect(t, client.Watch(context.Background(), "i1"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"snapshot 0", "change 1", "change 3", "change 4", "snapshot 5"}
	if !slices.Equal(seen, want) {
		t.Errorf("events %v, want %v", seen, want)
	}
	if got := afterSeqs(f); !slices.Equal(got, []int64{0, 3}) {
		t.Errorf("after_seq of each try %v", got)
	}
}

func TestWatchResumesAStreamThatEndsEarly(t *testing.T) {
	f := &fakeServer{watches: []func(*pb.WatchInstanceRequest, grpc.ServerStreamingServer[pb.WatchInstanceResponse]) error{
		sends(nil, snapshot(2, running)),
		sends(nil, progressEvent(3, 30), snapshot(3, terminated)),
	}}
	client := serve(t, f)
	seen, err := collect(t, client.Watch(context.Background(), "i1"))
	if err != nil || !slices.Equal(seen, []string{"snapshot 2", "change 3", "snapshot 3"}) {
		t.Errorf("events %v, error %v", seen, err)
	}
	if got := afterSeqs(f); !slices.Equal(got, []int64{0, 2}) {
		t.Errorf("after_seq of each try %v", got)
	}
}

func TestWatchResumesWhenTheServerDrains(t *testing.T) {
	f := &fakeServer{watches: []func(*pb.WatchInstanceRequest, grpc.ServerStreamingServer[pb.WatchInstanceResponse]) error{
		sends(nil, progressEvent(8, 10), watchEnd(pb.WatchEndReason_WATCH_END_REASON_SERVER_DRAINING, 8)),
		sends(nil, snapshot(9, terminated)),
	}}
	client := serve(t, f)
	seen, err := collect(t, client.Watch(context.Background(), "i1", taskstream.WithAfterSeq(7)))
	if err != nil || !slices.Equal(seen, []string{"change 8", "snapshot 9"}) {
		t.Errorf("events %v, error %v", seen, err)
	}
	if got := afterSeqs(f); !slices.Equal(got, []int64{7, 8}) {
		t.Errorf("after_seq of each try %v", got)
	}
}

func TestWatchOfADeletedInstanceEndsNotFound(t *testing.T) {
	f := &fakeServer{watches: []func(*pb.WatchInstanceRequest, grpc.ServerStreamingServer[pb.WatchInstanceResponse]) error{
		sends(nil, snapshot(1, running), watchEnd(pb.WatchEndReason_WATCH_END_REASON_INSTANCE_DELETED, 1)),
	}}
	client := serve(t, f)
	seen, err := collect(t, client.Watch(context.Background(), "i1"))
	if !errors.Is(err, taskstream.ErrNotFound) || len(seen) != 1 {
		t.Errorf("events %v, error %v", seen, err)
	}
}

func TestWatchDoesNotRetryNotFound(t *testing.T) {
	f := &fakeServer{watches: []func(*pb.WatchInstanceRequest, grpc.ServerStreamingServer[pb.WatchInstanceResponse]) error{
		sends(status.Error(codes.NotFound, "no such instance")),
	}}
	client := serve(t, f)
	if _, err := collect(t, client.Watch(context.Background(), "i1")); !errors.Is(err, taskstream.ErrNotFound) {
		t.Errorf("error %v", err)
	}
	if n := len(afterSeqs(f)); n != 1 {
		t.Errorf("%d tries", n)
	}
}

func TestWatchGivesUpAfterFailuresInARow(t *testing.T) {
	f := &fakeServer{} // every try fails with UNAVAILABLE
	client := serve(t, f)
	_, err := collect(t, client.Watch(context.Background(), "i1"))
	if !errors.Is(err, taskstream.ErrUnavailable) {
		t.Errorf("error %v", err)
	}
	if n := len(afterSeqs(f)); n != fastRetry.Attempts {
		t.Errorf("%d tries, want %d", n, fastRetry.Attempts)
	}
}

func TestWatchCountsOnlyFailuresInARow(t *testing.T) {
	drop := status.Error(codes.Unavailable, "reset")
	f := &fakeServer{watches: []func(*pb.WatchInstanceRequest, grpc.ServerStreamingServer[pb.WatchInstanceResponse]) error{
		sends(drop), sends(drop, progressEvent(1, 1)), sends(drop), sends(drop, progressEvent(2, 2)), sends(drop), sends(nil, snapshot(3, terminated)),
	}}
	client := serve(t, f)
	seen, err := collect(t, client.Watch(context.Background(), "i1"))
	if err != nil || !slices.Equal(seen, []string{"change 1", "change 2", "snapshot 3"}) {
		t.Errorf("events %v, error %v", seen, err)
	}
}

func TestWatchYieldsHeartbeatsOnlyWhenAsked(t *testing.T) {
	script := sends(nil, snapshot(1, running), heartbeat(1), snapshot(1, terminated))
	f := &fakeServer{watches: []func(*pb.WatchInstanceRequest, grpc.ServerStreamingServer[pb.WatchInstanceResponse]) error{script, script}}
	client := serve(t, f)
	seen, err := collect(t, client.Watch(context.Background(), "i1"))
	if err != nil || !slices.Equal(seen, []string{"snapshot 1", "snapshot 1"}) {
		t.Errorf("events %v, error %v", seen, err)
	}
	seen, err = collect(t, client.Watch(context.Background(), "i1", taskstream.WithHeartbeats(time.Second)))
	if err != nil || !slices.Equal(seen, []string{"snapshot 1", "heartbeat 1", "snapshot 1"}) {
		t.Errorf("events %v, error %v", seen, err)
	}
	if got := sent[*pb.WatchInstanceRequest](f)[1].GetHeartbeatInterval().AsDuration(); got != time.Second {
		t.Errorf("heartbeat interval %v", got)
	}
}

func TestBreakingOutOfAWatchEndsTheCall(t *testing.T) {
	ended := make(chan error, 1)
	f := &fakeServer{watches: []func(*pb.WatchInstanceRequest, grpc.ServerStreamingServer[pb.WatchInstanceResponse]) error{
		func(_ *pb.WatchInstanceRequest, stream grpc.ServerStreamingServer[pb.WatchInstanceResponse]) error {
			if err := stream.Send(snapshot(1, running)); err != nil {
				return err
			}
			<-stream.Context().Done() // held open until the client goes away
			ended <- stream.Context().Err()
			return nil
		},
	}}
	client := serve(t, f)
	for range client.Watch(context.Background(), "i1") {
		break
	}
	select {
	case err := <-ended:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("server saw %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the server never saw the watch end")
	}
}

func TestWatchEndsWithTheContextError(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := &fakeServer{watches: []func(*pb.WatchInstanceRequest, grpc.ServerStreamingServer[pb.WatchInstanceResponse]) error{
		func(_ *pb.WatchInstanceRequest, stream grpc.ServerStreamingServer[pb.WatchInstanceResponse]) error {
			if err := stream.Send(snapshot(1, running)); err != nil {
				return err
			}
			<-stream.Context().Done()
			return nil
		},
	}}
	client := serve(t, f)
	var last error
	for ev, err := range client.Watch(ctx, "i1") {
		if ev != nil {
			cancel() // the caller gives up while the stream is open
		}
		last = err
	}
	if !errors.Is(last, context.Canceled) {
		t.Errorf("last error %v", last)
	}
	if n := len(afterSeqs(f)); n != 1 {
		t.Errorf("%d tries after the context ended", n)
	}
}

func TestWatchRejectsANegativeCursor(t *testing.T) {
	client := serve(t, &fakeServer{})
	if _, err := collect(t, client.Watch(context.Background(), "i1", taskstream.WithAfterSeq(-1))); err == nil {
		t.Error("no error")
	}
}
