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
	"google.golang.org/protobuf/types/known/durationpb"

	pb "github.com/taskstream/taskstream/clients/go/gen/taskstream/v1"
)

// WatchOption configures Watch.
type WatchOption func(*watchSettings)

type watchSettings struct {
	afterSeq          int64
	includeOutput     bool
	heartbeats        bool
	heartbeatInterval time.Duration
}

// WithAfterSeq starts the watch after a sequence number seen before (a Change's Seq): no snapshot first,
// only the changes after it.
func WithAfterSeq(seq int64) WatchOption {
	return func(s *watchSettings) { s.afterSeq = seq }
}

// WithOutput adds the tasks' stdout and stderr as TaskOutputAppended events.
func WithOutput() WatchOption {
	return func(s *watchSettings) { s.includeOutput = true }
}

// WithHeartbeats yields the server's Heartbeat events too, sent every interval while nothing changes
// (0 means the server's default of 10 seconds).
func WithHeartbeats(interval time.Duration) WatchOption {
	return func(s *watchSettings) { s.heartbeats, s.heartbeatInterval = true, interval }
}

// Watch follows an instance: a Snapshot first, then every change in sequence order, and finally the
// Snapshot of the terminated instance, after which the iteration ends. Breaking out of the loop ends the
// watch.
//
// A stream that fails transiently, or ends before the instance terminated, is resumed after the last
// sequence number seen, so nothing is lost or repeated (a slow reader gets each task's latest progress
// instead of every step); the client's RetryPolicy bounds the retries. An error ends the iteration as its
// last pair: ErrNotFound for an unknown or deleted instance, the last failure when the retries are used
// up, or ctx's error.
//
//	for ev, err := range client.Watch(ctx, id) {
//		if err != nil {
//			return err
//		}
//		...
//	}
func (c *Client) Watch(ctx context.Context, name string, opts ...WatchOption) iter.Seq2[Event, error] {
	s := watchSettings{}
	for _, opt := range opts {
		opt(&s)
	}
	name = c.InstanceName(name)
	return func(yield func(Event, error) bool) {
		if s.afterSeq < 0 {
			yield(nil, fmt.Errorf("taskstream: after_seq must be >= 0, not %d", s.afterSeq))
			return
		}
		w := &watcher{rpc: c.rpc, name: name, settings: s, seq: s.afterSeq, retry: retrier{policy: c.retry}}
		for {
			finished, err := w.stream(ctx, yield)
			if finished {
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

// watcher is one watch's position across the streams it opens.
type watcher struct {
	rpc      pb.InstanceServiceClient
	name     string
	settings watchSettings
	seq      int64 // the last sequence number yielded
	retry    retrier
}

func (w *watcher) request() *pb.WatchInstanceRequest {
	req := &pb.WatchInstanceRequest{Name: w.name, AfterSeq: w.seq, IncludeOutput: w.settings.includeOutput}
	if w.settings.heartbeatInterval > 0 {
		req.HeartbeatInterval = durationpb.New(w.settings.heartbeatInterval)
	}
	return req
}

// stream opens one stream after the cursor and yields its events. It returns finished when the watch is
// over (the terminal snapshot was yielded, or the caller stopped the iteration), and otherwise the error
// that ended the stream.
func (w *watcher) stream(ctx context.Context, yield func(Event, error) bool) (finished bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends the call when the caller stops early
	stream, err := w.rpc.WatchInstance(ctx, w.request())
	if err != nil {
		return false, err
	}
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return false, status.Errorf(codes.Unavailable, "the watch of %s ended before the instance terminated", w.name)
		}
		if err != nil {
			return false, err
		}
		w.retry.failures = 0
		ev, done, err := w.receive(resp)
		if err != nil {
			return false, err
		}
		if ev != nil && !yield(ev, nil) {
			return true, nil
		}
		if done {
			return true, nil
		}
	}
}

// receive returns the event to yield for one message (nil for none) and whether the watch is over, or
// the error a WatchEnd stands for.
func (w *watcher) receive(resp *pb.WatchInstanceResponse) (Event, bool, error) {
	switch kind := resp.GetKind().(type) {
	case *pb.WatchInstanceResponse_Snapshot:
		instance := kind.Snapshot
		w.seq = instance.GetSeq() // after a reset the snapshot is the truth
		return &Snapshot{instance.GetSeq(), instance}, instance.GetStatus() == pb.InstanceStatus_INSTANCE_STATUS_TERMINATED, nil
	case *pb.WatchInstanceResponse_Event:
		if kind.Event.GetSeq() <= w.seq {
			return nil, false, nil // yielded before the stream was resumed
		}
		w.seq = kind.Event.GetSeq()
		return newEvent(kind.Event), false, nil
	case *pb.WatchInstanceResponse_Heartbeat:
		if !w.settings.heartbeats {
			return nil, false, nil
		}
		return &Heartbeat{kind.Heartbeat.GetSeq(), kind.Heartbeat.GetTime().AsTime()}, false, nil
	case *pb.WatchInstanceResponse_End:
		return nil, false, endError(w.name, kind.End)
	}
	return nil, false, nil // a kind of message added by a newer server
}

// endError is the error for a WatchEnd: NOT_FOUND when the instance was deleted, otherwise (the server
// drains, or a reason added later) UNAVAILABLE, which is resumed, perhaps on another replica.
func endError(name string, end *pb.WatchEnd) error {
	code := codes.Unavailable
	if end.GetReason() == pb.WatchEndReason_WATCH_END_REASON_INSTANCE_DELETED {
		code = codes.NotFound
	}
	return status.Errorf(code, "the server ended the watch of %s (%s): %s", name, end.GetReason(), end.GetMessage())
}

// KeepBound keeps an instance created WithCancelOnClientDisconnection bound to this caller: it holds a
// watch of the instance open until the instance terminates, resuming a dropped stream as Watch does, and
// returns the terminated instance. The server stops a bound instance (reason CLIENT_DISCONNECTED) once no
// watch of it has been open for its grace period, so run KeepBound for as long as the instance should
// run, typically in a goroutine; cancelling ctx lets the instance go, and KeepBound then returns ctx's
// error. Any other error is the watch's: ErrNotFound for an unknown instance, or the last failure once the
// client's RetryPolicy gives up (use WithRetry to ride out longer outages than the grace period).
//
//	ctx, cancel := context.WithCancel(ctx)
//	defer cancel() // the instance is stopped a grace period after this, unless it terminated
//	go client.KeepBound(ctx, instance.GetName())
func (c *Client) KeepBound(ctx context.Context, name string) (*pb.Instance, error) {
	var last *pb.Instance
	for ev, err := range c.Watch(ctx, name) {
		if err != nil {
			return nil, err
		}
		if snapshot, ok := ev.(*Snapshot); ok {
			last = snapshot.Instance
		}
	}
	return last, nil
}
