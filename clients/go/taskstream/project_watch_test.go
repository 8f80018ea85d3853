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

type projectScript = func(*pb.WatchInstancesRequest, grpc.ServerStreamingServer[pb.WatchInstancesResponse]) error

func sendsProject(err error, messages ...*pb.WatchInstancesResponse) projectScript {
	return func(_ *pb.WatchInstancesRequest, stream grpc.ServerStreamingServer[pb.WatchInstancesResponse]) error {
		for _, m := range messages {
			if err := stream.Send(m); err != nil {
				return err
			}
		}
		return err
	}
}

func summary(id string, s pb.InstanceStatus) *pb.InstanceSummary {
	return &pb.InstanceSummary{Instance: &pb.Instance{Id: id, Status: s}, TaskTypes: []string{"echo"}, TaskCount: 1}
}

func snapshotPage(seq int64, last bool, ids ...string) *pb.WatchInstancesResponse {
	page := &pb.InstancesSnapshot{Seq: seq, Last: last}
	for _, id := range ids {
		page.Instances = append(page.Instances, summary(id, terminated))
	}
	return &pb.WatchInstancesResponse{Kind: &pb.WatchInstancesResponse_Snapshot{Snapshot: page}}
}

func projectEvent(seq int64, id string, created bool) *pb.WatchInstancesResponse {
	e := &pb.ProjectInstanceEvent{Seq: seq, Time: timestamppb.New(time.Unix(1700000000, 0)), Instance: summary(id, running)}
	if created {
		e.Change = &pb.ProjectInstanceEvent_InstanceCreated{InstanceCreated: &pb.InstanceCreated{}}
	} else {
		e.Instance.Instance.Status = terminated
		e.Change = &pb.ProjectInstanceEvent_InstanceStatusChanged{InstanceStatusChanged: &pb.InstanceStatusChanged{
			PreviousStatus: running, Status: terminated, Successful: true,
		}}
	}
	return &pb.WatchInstancesResponse{Kind: &pb.WatchInstancesResponse_Event{Event: e}}
}

func projectEnd(resumeAfter int64) *pb.WatchInstancesResponse {
	end := &pb.WatchEnd{Reason: pb.WatchEndReason_WATCH_END_REASON_SERVER_DRAINING, ResumeAfterSeq: resumeAfter}
	return &pb.WatchInstancesResponse{Kind: &pb.WatchInstancesResponse_End{End: end}}
}

func TestWatchInstancesGathersSnapshotPagesAndResumesAfterTheLastSeq(t *testing.T) {
	f := &fakeServer{projectWatches: []projectScript{
		// A snapshot in two pages, a change, then a drop mid-stream.
		sendsProject(status.Error(codes.Unavailable, "connection reset"),
			snapshotPage(4, false, "b"), snapshotPage(4, true, "a"), projectEvent(5, "c", true)),
		// The server resends what the client has (5), then more; a heartbeat moves the cursor past
		// changes the filter left out; the server drains with its cursor.
		sendsProject(nil, projectEvent(5, "c", true), projectEvent(6, "c", false),
			&pb.WatchInstancesResponse{Kind: &pb.WatchInstancesResponse_Heartbeat{Heartbeat: &pb.Heartbeat{Seq: 9}}},
			projectEnd(9)),
		sendsProject(nil, projectEvent(10, "d", true)),
	}}
	client := serve(t, f)
	var seen []string
	opts := &taskstream.WatchInstancesOptions{Labels: map[string]string{"team": "a"}, TaskTypes: []string{"echo"}}
	for ev, err := range client.WatchInstances(context.Background(), opts) {
		if err != nil {
			t.Fatal(err)
		}
		switch ev := ev.(type) {
		case *taskstream.ProjectSnapshot:
			var ids []string
			for _, s := range ev.Instances {
				ids = append(ids, s.GetInstance().GetId())
			}
			seen = append(seen, fmt.Sprint("snapshot ", ev.Seq, " ", ids))
		case *taskstream.InstanceCreated:
			seen = append(seen, fmt.Sprint("created ", ev.Seq, " ", ev.Instance.GetInstance().GetId()))
		case *taskstream.InstanceStatusUpdated:
			seen = append(seen, fmt.Sprint("status ", ev.Seq, " ", ev.Status, " ", ev.Successful))
		default:
			t.Fatalf("unexpected %T", ev)
		}
		if len(seen) == 4 {
			break
		}
	}
	want := []string{
		"snapshot 4 [b a]",
		"created 5 c",
		"status 6 INSTANCE_STATUS_TERMINATED true",
		"created 10 d",
	}
	if !slices.Equal(seen, want) {
		t.Fatalf("seen %q, want %q", seen, want)
	}
	var after []int64
	for _, req := range sent[*pb.WatchInstancesRequest](f) {
		after = append(after, req.GetAfterSeq())
		if req.GetParent() != "projects/p" || req.GetLabels()["team"] != "a" || !slices.Equal(req.GetTaskTypes(), []string{"echo"}) {
			t.Fatalf("request %v lost the filter", req)
		}
	}
	if !slices.Equal(after, []int64{0, 5, 9}) {
		t.Fatalf("after_seq of the calls %v, want [0 5 9]", after)
	}
}

func TestWatchInstancesGivesUpOnAPermanentError(t *testing.T) {
	f := &fakeServer{projectWatches: []projectScript{
		sendsProject(status.Error(codes.PermissionDenied, "not yours")),
	}}
	client := serve(t, f)
	var errs []error
	for _, err := range client.WatchInstances(context.Background(), nil) {
		if err == nil {
			t.Fatal("an event from a refused watch")
		}
		errs = append(errs, err)
	}
	if len(errs) != 1 || !errors.Is(errs[0], taskstream.ErrPermissionDenied) {
		t.Fatalf("errors %v, want one PermissionDenied", errs)
	}
	if calls := len(sent[*pb.WatchInstancesRequest](f)); calls != 1 {
		t.Fatalf("%d calls: a permanent error was retried", calls)
	}
}
