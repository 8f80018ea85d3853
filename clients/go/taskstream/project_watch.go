package taskstream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/taskstream/taskstream/clients/go/gen/taskstream/v1"
)

// WatchInstancesOptions chooses what a project watch follows and from where; the zero value (or nil)
// follows every instance of the client's project from a new snapshot.
type WatchInstancesOptions struct {
	// Statuses keeps the instances in one of these statuses; empty means any. The change that takes an
	// instance out of them is still sent, so the watcher sees it go.
	Statuses []pb.InstanceStatus
	// Owner keeps the instances this principal created.
	Owner string
	// Labels keeps the instances that carry every one of these labels with the same value.
	Labels map[string]string
	// TaskTypes keeps the instances with a task of one of these types.
	TaskTypes []string
	// CreateTimeStart and CreateTimeEnd keep the instances created in [start, end); zero means no bound.
	CreateTimeStart, CreateTimeEnd time.Time
	// SnapshotLimit is how many instances a snapshot holds at most (the newest); 0 means the server's 1000.
	SnapshotLimit int32
	// AfterSeq resumes after a project sequence number seen before (an event's or a heartbeat's Seq): no
	// snapshot first, only the changes after it (or a new snapshot when the server no longer keeps them).
	AfterSeq int64
	// Heartbeats yields the server's *Heartbeat events too, sent every HeartbeatInterval while nothing is
	// sent (0 means the server's default of 10 seconds).
	Heartbeats        bool
	HeartbeatInterval time.Duration
}

// ProjectEvent is one item of a project watch: *ProjectSnapshot, *InstanceCreated,
// *InstanceStatusUpdated, *InstanceDeleted or *Heartbeat (with Heartbeats). Switch on its type.
type ProjectEvent interface {
	// projectSequence is the project's sequence number the event brings the watcher to.
	projectSequence() int64
}

// ProjectSnapshot holds the project's instances that matched the filter at project position Seq, newest
// first, each without its tasks. A watch starts with one (unless it starts after a cursor), and gets one
// again when the server no longer keeps the changes a resumed watch missed: replace what you hold.
// Truncated says more matched than the snapshot's limit; the older ones were left out.
type ProjectSnapshot struct {
	Seq       int64
	Instances []*pb.InstanceSummary
	Truncated bool
}

// ProjectChange is what every change in a project's sequence carries.
type ProjectChange struct {
	// Seq is the project's sequence number of the change; pass it as AfterSeq to continue after it.
	Seq int64
	// Time is when the server recorded the change.
	Time time.Time
	// Instance is the instance right after the change, without its tasks.
	Instance *pb.InstanceSummary
}

// InstanceCreated reports a new instance of the project.
type InstanceCreated struct {
	ProjectChange
	// ParentInstance names the workflow that started it, for sub-instances.
	ParentInstance string
}

// InstanceStatusUpdated reports a new status of an instance; it ended when Status is TERMINATED.
type InstanceStatusUpdated struct {
	ProjectChange
	PreviousStatus, Status pb.InstanceStatus
	// Successful is true once the instance terminated with every task SUCCESS.
	Successful bool
}

// InstanceDeleted reports an instance that retention deleted (Instance has its name, id, status,
// Successful and end time only).
type InstanceDeleted struct {
	ProjectChange
	DeleteTime time.Time
}

func (s *ProjectSnapshot) projectSequence() int64 { return s.Seq }
func (c ProjectChange) projectSequence() int64    { return c.Seq }
func (h *Heartbeat) projectSequence() int64       { return h.Seq }

// WatchInstances follows every instance of the client's project that opts choose, as a Kubernetes watch
// follows a collection: a *ProjectSnapshot first, then each instance-level change in the project's
// order. It never ends by itself: break out of the loop, or cancel ctx.
//
// A stream that fails transiently, or ends (the server drains), is resumed after the last project
// sequence number seen, on any replica and after restarts, so nothing is lost or repeated; the client's
// RetryPolicy bounds the retries. An error ends the iteration as its last pair.
//
//	for ev, err := range client.WatchInstances(ctx, &taskstream.WatchInstancesOptions{Owner: "me"}) {
//		if err != nil {
//			return err
//		}
//		switch ev := ev.(type) {
//		case *taskstream.ProjectSnapshot:
//			fmt.Println(len(ev.Instances), "instances")
//		case *taskstream.InstanceStatusUpdated:
//			fmt.Println(ev.Seq, ev.Instance.GetInstance().GetId(), ev.Status)
//		}
//	}
func (c *Client) WatchInstances(ctx context.Context, opts *WatchInstancesOptions) iter.Seq2[ProjectEvent, error] {
	if opts == nil {
		opts = &WatchInstancesOptions{}
	}
	req := &pb.WatchInstancesRequest{
		Parent:        "projects/" + c.project,
		Statuses:      opts.Statuses,
		Owner:         opts.Owner,
		Labels:        opts.Labels,
		TaskTypes:     opts.TaskTypes,
		SnapshotLimit: opts.SnapshotLimit,
	}
	if !opts.CreateTimeStart.IsZero() {
		req.CreateTimeStart = timestamppb.New(opts.CreateTimeStart)
	}
	if !opts.CreateTimeEnd.IsZero() {
		req.CreateTimeEnd = timestamppb.New(opts.CreateTimeEnd)
	}
	if opts.HeartbeatInterval > 0 {
		req.HeartbeatInterval = durationpb.New(opts.HeartbeatInterval)
	}
	return func(yield func(ProjectEvent, error) bool) {
		if opts.AfterSeq < 0 {
			yield(nil, fmt.Errorf("taskstream: AfterSeq must be >= 0, not %d", opts.AfterSeq))
			return
		}
		w := &projectWatcher{rpc: c.rpc, req: req, heartbeats: opts.Heartbeats, seq: opts.AfterSeq, retry: retrier{policy: c.retry}}
		for {
			stopped, err := w.stream(ctx, yield)
			if stopped {
				return
			}
			if !w.retry.again(ctx, err) {
				if ctx.Err() != nil {
					err = ctx.Err()
				}
				yield(nil, callError(err))
				return
			}
		}
	}
}

// projectWatcher is one project watch's position across the streams it opens.
type projectWatcher struct {
	rpc        pb.InstanceServiceClient
	req        *pb.WatchInstancesRequest
	heartbeats bool
	seq        int64 // the last project sequence number reached
	pages      []*pb.InstanceSummary
	retry      retrier
}

// stream opens one stream after the cursor and yields its events; stopped when the caller stopped,
// otherwise the error that ended the stream.
func (w *projectWatcher) stream(ctx context.Context, yield func(ProjectEvent, error) bool) (stopped bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req := proto.CloneOf(w.req)
	req.AfterSeq = w.seq
	w.pages = nil // a snapshot half read starts over
	stream, err := w.rpc.WatchInstances(ctx, req)
	if err != nil {
		return false, err
	}
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return false, status.Errorf(codes.Unavailable, "the watch of %s ended", w.req.GetParent())
		}
		if err != nil {
			return false, err
		}
		w.retry.failures = 0
		ev, err := w.receive(resp)
		if err != nil {
			return false, err
		}
		if ev != nil && !yield(ev, nil) {
			return true, nil
		}
	}
}

// receive returns the event to yield for one message (nil for none), or the error a WatchEnd stands for.
func (w *projectWatcher) receive(resp *pb.WatchInstancesResponse) (ProjectEvent, error) {
	switch kind := resp.GetKind().(type) {
	case *pb.WatchInstancesResponse_Snapshot:
		page := kind.Snapshot
		w.pages = append(w.pages, page.GetInstances()...)
		if !page.GetLast() {
			return nil, nil
		}
		w.seq = page.GetSeq()
		instances := w.pages
		w.pages = nil
		return &ProjectSnapshot{page.GetSeq(), instances, page.GetTruncated()}, nil
	case *pb.WatchInstancesResponse_Event:
		e := kind.Event
		if e.GetSeq() <= w.seq {
			return nil, nil // yielded before the stream was resumed
		}
		w.seq = e.GetSeq()
		return newProjectEvent(e), nil
	case *pb.WatchInstancesResponse_Heartbeat:
		w.seq = max(w.seq, kind.Heartbeat.GetSeq())
		if !w.heartbeats {
			return nil, nil
		}
		return &Heartbeat{kind.Heartbeat.GetSeq(), kind.Heartbeat.GetTime().AsTime()}, nil
	case *pb.WatchInstancesResponse_End:
		end := kind.End
		w.seq = max(w.seq, end.GetResumeAfterSeq())
		return nil, status.Errorf(codes.Unavailable, "the server ended the watch of %s (%s): %s", w.req.GetParent(), end.GetReason(), end.GetMessage())
	}
	return nil, nil // a kind of message added by a newer server
}

// newProjectEvent returns the event for one change, or nil for a kind of change this client does not know.
func newProjectEvent(e *pb.ProjectInstanceEvent) ProjectEvent {
	change := ProjectChange{Seq: e.GetSeq(), Time: e.GetTime().AsTime(), Instance: e.GetInstance()}
	switch c := e.GetChange().(type) {
	case *pb.ProjectInstanceEvent_InstanceCreated:
		return &InstanceCreated{change, c.InstanceCreated.GetParentInstance()}
	case *pb.ProjectInstanceEvent_InstanceStatusChanged:
		x := c.InstanceStatusChanged
		return &InstanceStatusUpdated{change, x.GetPreviousStatus(), x.GetStatus(), x.GetSuccessful()}
	case *pb.ProjectInstanceEvent_InstanceDeleted:
		return &InstanceDeleted{change, c.InstanceDeleted.GetDeleteTime().AsTime()}
	}
	return nil
}
