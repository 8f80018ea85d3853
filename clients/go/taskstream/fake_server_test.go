package taskstream_test

import (
	"context"
	"net"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/taskstream/taskstream/clients/go/gen/taskstream/v1"
	"github.com/taskstream/taskstream/clients/go/taskstream"
)

// fakeServer is an InstanceService whose answers each test scripts; it records what it was sent.
type fakeServer struct {
	pb.UnimplementedInstanceServiceServer

	create func(context.Context, *pb.CreateInstanceRequest) (*pb.CreateInstanceResponse, error)
	get    func(*pb.GetInstanceRequest) (*pb.GetInstanceResponse, error)
	stop   func(*pb.StopInstanceRequest) (*pb.StopInstanceResponse, error)
	wait   func(context.Context, *pb.WaitInstanceRequest) (*pb.WaitInstanceResponse, error)
	result func(*pb.GetTaskResultRequest) (*pb.GetTaskResultResponse, error)
	// waitMany answers WaitInstances.
	waitMany func(context.Context, *pb.WaitInstancesRequest) (*pb.WaitInstancesResponse, error)
	// suspend and resume answer with the named instance SUSPENDED and RUNNING unless set.
	suspend   func(*pb.SuspendInstanceRequest) (*pb.SuspendInstanceResponse, error)
	resume    func(*pb.ResumeInstanceRequest) (*pb.ResumeInstanceResponse, error)
	list      func(*pb.ListInstancesRequest) (*pb.ListInstancesResponse, error)
	subs      func(*pb.ListSubInstancesRequest) (*pb.ListSubInstancesResponse, error)
	rows      func(*pb.ListTaskResultRowsRequest) (*pb.ListTaskResultRowsResponse, error)
	taskTypes func(*pb.ListTaskTypesRequest) (*pb.ListTaskTypesResponse, error)
	logview   func(*pb.GetLogviewAddressRequest) (*pb.GetLogviewAddressResponse, error)
	// cancelTask and deleteInstance answer with the named instance and a delete time unless set.
	cancelTask     func(*pb.CancelTaskRequest) (*pb.CancelTaskResponse, error)
	deleteInstance func(*pb.DeleteInstanceRequest) (*pb.DeleteInstanceResponse, error)
	// outputs[i] answers the i-th ReadTaskOutput call; calls past the end fail with UNAVAILABLE.
	outputs []func(*pb.ReadTaskOutputRequest, grpc.ServerStreamingServer[pb.ReadTaskOutputResponse]) error
	// watches[i] answers the i-th WatchInstance call; calls past the end fail with UNAVAILABLE.
	watches []func(*pb.WatchInstanceRequest, grpc.ServerStreamingServer[pb.WatchInstanceResponse]) error
	// projectWatches[i] answers the i-th WatchInstances call; calls past the end fail with UNAVAILABLE.
	projectWatches []func(*pb.WatchInstancesRequest, grpc.ServerStreamingServer[pb.WatchInstancesResponse]) error
	// schedules answers ScheduleService, recording into the same requests.
	schedules scheduleAnswers

	mu       sync.Mutex
	requests []proto.Message
	users    []string
}

func (f *fakeServer) record(ctx context.Context, req proto.Message) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, req)
	md, _ := metadata.FromIncomingContext(ctx)
	f.users = append(f.users, md.Get(taskstream.UserMetadataKey)...)
}

// sent returns the requests of one type, in the order they came.
func sent[T proto.Message](f *fakeServer) []T {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []T
	for _, r := range f.requests {
		if req, ok := r.(T); ok {
			out = append(out, req)
		}
	}
	return out
}

// sentUsers returns the x-taskstream-user values the calls carried.
func (f *fakeServer) sentUsers() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.users)
}

func (f *fakeServer) CreateInstance(ctx context.Context, req *pb.CreateInstanceRequest) (*pb.CreateInstanceResponse, error) {
	f.record(ctx, req)
	if f.create == nil {
		return &pb.CreateInstanceResponse{Instance: &pb.Instance{Name: req.GetParent() + "/instances/i1", Id: "i1"}}, nil
	}
	return f.create(ctx, req)
}

func (f *fakeServer) GetInstance(ctx context.Context, req *pb.GetInstanceRequest) (*pb.GetInstanceResponse, error) {
	f.record(ctx, req)
	if f.get == nil {
		return &pb.GetInstanceResponse{Instance: &pb.Instance{Name: req.GetName()}}, nil
	}
	return f.get(req)
}

func (f *fakeServer) StopInstance(ctx context.Context, req *pb.StopInstanceRequest) (*pb.StopInstanceResponse, error) {
	f.record(ctx, req)
	if f.stop == nil {
		return &pb.StopInstanceResponse{Instance: &pb.Instance{Name: req.GetName()}}, nil
	}
	return f.stop(req)
}

func (f *fakeServer) WaitInstance(ctx context.Context, req *pb.WaitInstanceRequest) (*pb.WaitInstanceResponse, error) {
	f.record(ctx, req)
	return f.wait(ctx, req)
}

func (f *fakeServer) GetTaskResult(ctx context.Context, req *pb.GetTaskResultRequest) (*pb.GetTaskResultResponse, error) {
	f.record(ctx, req)
	return f.result(req)
}

func (f *fakeServer) WatchInstance(req *pb.WatchInstanceRequest, stream grpc.ServerStreamingServer[pb.WatchInstanceResponse]) error {
	f.record(stream.Context(), req)
	n := len(sent[*pb.WatchInstanceRequest](f)) - 1
	if n >= len(f.watches) {
		return status.Error(codes.Unavailable, "no more scripted watches")
	}
	return f.watches[n](req, stream)
}

func (f *fakeServer) WatchInstances(req *pb.WatchInstancesRequest, stream grpc.ServerStreamingServer[pb.WatchInstancesResponse]) error {
	f.record(stream.Context(), req)
	n := len(sent[*pb.WatchInstancesRequest](f)) - 1
	if n >= len(f.projectWatches) {
		return status.Error(codes.Unavailable, "no more scripted project watches")
	}
	return f.projectWatches[n](req, stream)
}

func (f *fakeServer) WaitInstances(ctx context.Context, req *pb.WaitInstancesRequest) (*pb.WaitInstancesResponse, error) {
	f.record(ctx, req)
	return f.waitMany(ctx, req)
}

func (f *fakeServer) SuspendInstance(ctx context.Context, req *pb.SuspendInstanceRequest) (*pb.SuspendInstanceResponse, error) {
	f.record(ctx, req)
	if f.suspend == nil {
		return &pb.SuspendInstanceResponse{Instance: &pb.Instance{Name: req.GetName(), Status: pb.InstanceStatus_INSTANCE_STATUS_SUSPENDED}}, nil
	}
	return f.suspend(req)
}

func (f *fakeServer) ResumeInstance(ctx context.Context, req *pb.ResumeInstanceRequest) (*pb.ResumeInstanceResponse, error) {
	f.record(ctx, req)
	if f.resume == nil {
		return &pb.ResumeInstanceResponse{Instance: &pb.Instance{Name: req.GetName(), Status: pb.InstanceStatus_INSTANCE_STATUS_RUNNING}}, nil
	}
	return f.resume(req)
}

func (f *fakeServer) ListInstances(ctx context.Context, req *pb.ListInstancesRequest) (*pb.ListInstancesResponse, error) {
	f.record(ctx, req)
	return f.list(req)
}

func (f *fakeServer) ListSubInstances(ctx context.Context, req *pb.ListSubInstancesRequest) (*pb.ListSubInstancesResponse, error) {
	f.record(ctx, req)
	return f.subs(req)
}

func (f *fakeServer) ListTaskResultRows(ctx context.Context, req *pb.ListTaskResultRowsRequest) (*pb.ListTaskResultRowsResponse, error) {
	f.record(ctx, req)
	return f.rows(req)
}

func (f *fakeServer) ListTaskTypes(ctx context.Context, req *pb.ListTaskTypesRequest) (*pb.ListTaskTypesResponse, error) {
	f.record(ctx, req)
	return f.taskTypes(req)
}

func (f *fakeServer) GetLogviewAddress(ctx context.Context, req *pb.GetLogviewAddressRequest) (*pb.GetLogviewAddressResponse, error) {
	f.record(ctx, req)
	return f.logview(req)
}

func (f *fakeServer) CancelTask(ctx context.Context, req *pb.CancelTaskRequest) (*pb.CancelTaskResponse, error) {
	f.record(ctx, req)
	if f.cancelTask == nil {
		return &pb.CancelTaskResponse{Instance: &pb.Instance{Name: instanceName}}, nil
	}
	return f.cancelTask(req)
}

func (f *fakeServer) DeleteInstance(ctx context.Context, req *pb.DeleteInstanceRequest) (*pb.DeleteInstanceResponse, error) {
	f.record(ctx, req)
	if f.deleteInstance == nil {
		return &pb.DeleteInstanceResponse{DeleteTime: timestamppb.Now()}, nil
	}
	return f.deleteInstance(req)
}

func (f *fakeServer) ReadTaskOutput(req *pb.ReadTaskOutputRequest, stream grpc.ServerStreamingServer[pb.ReadTaskOutputResponse]) error {
	f.record(stream.Context(), req)
	n := len(sent[*pb.ReadTaskOutputRequest](f)) - 1
	if n >= len(f.outputs) {
		return status.Error(codes.Unavailable, "no more scripted output reads")
	}
	return f.outputs[n](req, stream)
}

// pages serves items page by page as a server does: at most pageSize items (all when 0), and the index
// of the next item as the page token.
func pages[T any](t *testing.T, items []T, pageSize int32, token string) ([]T, string) {
	t.Helper()
	start := 0
	if token != "" {
		var err error
		if start, err = strconv.Atoi(token); err != nil {
			t.Errorf("page token %q", token)
			return nil, ""
		}
	}
	end := len(items)
	if pageSize > 0 {
		end = min(end, start+int(pageSize))
	}
	next := ""
	if end < len(items) {
		next = strconv.Itoa(end)
	}
	return items[start:end], next
}

// fastRetry resumes at once, so that tests of resuming do not wait.
var fastRetry = taskstream.RetryPolicy{Attempts: 3, FirstDelay: time.Millisecond, MaxDelay: time.Millisecond}

// serve starts the fake on 127.0.0.1 port 0 and returns a client of it in project "p" as user "ann".
func serve(t *testing.T, f *fakeServer, opts ...taskstream.Option) *taskstream.Client {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	pb.RegisterInstanceServiceServer(srv, f)
	pb.RegisterScheduleServiceServer(srv, &fakeScheduleService{f: f})
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	opts = append([]taskstream.Option{taskstream.WithProject("p"), taskstream.WithUser("ann"), taskstream.WithRetry(fastRetry)}, opts...)
	client, err := taskstream.NewClient(lis.Addr().String(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	return client
}

// withDetails is a status error carrying google.rpc details.
func withDetails(code codes.Code, message string, details ...protoadapt.MessageV1) error {
	st, err := status.New(code, message).WithDetails(details...)
	if err != nil {
		panic(err)
	}
	return st.Err()
}

// Watch stream messages.

const instanceName = "projects/p/instances/i1"

func snapshot(seq int64, status pb.InstanceStatus) *pb.WatchInstanceResponse {
	return &pb.WatchInstanceResponse{Kind: &pb.WatchInstanceResponse_Snapshot{Snapshot: &pb.Instance{Name: instanceName, Seq: seq, Status: status}}}
}

func progressEvent(seq int64, percent int32) *pb.WatchInstanceResponse {
	return &pb.WatchInstanceResponse{Kind: &pb.WatchInstanceResponse_Event{Event: &pb.InstanceEvent{
		Seq:  seq,
		Time: timestamppb.New(time.Unix(1700000000, 0)),
		Change: &pb.InstanceEvent_TaskProgressUpdated{TaskProgressUpdated: &pb.TaskProgressUpdated{
			Task: "t", Progress: &pb.Progress{Percent: percent},
		}},
	}}}
}

func heartbeat(seq int64) *pb.WatchInstanceResponse {
	return &pb.WatchInstanceResponse{Kind: &pb.WatchInstanceResponse_Heartbeat{Heartbeat: &pb.Heartbeat{Seq: seq}}}
}

func watchEnd(reason pb.WatchEndReason, resumeAfter int64) *pb.WatchInstanceResponse {
	return &pb.WatchInstanceResponse{Kind: &pb.WatchInstanceResponse_End{End: &pb.WatchEnd{Reason: reason, ResumeAfterSeq: resumeAfter, Message: "bye"}}}
}

// sends is a scripted watch that sends messages, then ends with err (nil closes the stream).
func sends(err error, messages ...*pb.WatchInstanceResponse) func(*pb.WatchInstanceRequest, grpc.ServerStreamingServer[pb.WatchInstanceResponse]) error {
	return func(_ *pb.WatchInstanceRequest, stream grpc.ServerStreamingServer[pb.WatchInstanceResponse]) error {
		for _, m := range messages {
			if err := stream.Send(m); err != nil {
				return err
			}
		}
		return err
	}
}
