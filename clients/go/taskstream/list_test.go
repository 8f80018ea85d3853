package taskstream_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/taskstream/taskstream/clients/go/gen/taskstream/v1"
	"github.com/taskstream/taskstream/clients/go/taskstream"
)

// instancesNamed are instances with these ids in project p.
func instancesNamed(ids ...string) []*pb.Instance {
	var out []*pb.Instance
	for _, id := range ids {
		out = append(out, &pb.Instance{Name: "projects/p/instances/" + id, Id: id})
	}
	return out
}

// ids collects the ids an iteration yields, failing the test on an error.
func ids(t *testing.T, instances func(func(*pb.Instance, error) bool)) []string {
	t.Helper()
	var out []string
	for instance, err := range instances {
		if err != nil {
			t.Fatalf("after %v: %v", out, err)
		}
		out = append(out, instance.GetId())
	}
	return out
}

func TestListInstancesFetchesEveryPageWithTheFilters(t *testing.T) {
	all := instancesNamed("i5", "i4", "i3", "i2", "i1")
	f := &fakeServer{}
	f.list = func(req *pb.ListInstancesRequest) (*pb.ListInstancesResponse, error) {
		page, next := pages(t, all, req.GetPageSize(), req.GetPageToken())
		return &pb.ListInstancesResponse{Instances: page, NextPageToken: next}, nil
	}
	client := serve(t, f)
	start := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	opts := &taskstream.ListInstancesOptions{
		Statuses:        []pb.InstanceStatus{pb.InstanceStatus_INSTANCE_STATUS_TERMINATED, pb.InstanceStatus_INSTANCE_STATUS_SUSPENDED},
		Owner:           "ann",
		CreateTimeStart: start,
		CreateTimeEnd:   start.Add(time.Hour),
		Labels:          map[string]string{"run": "abc"},
		PageSize:        2,
	}
	if got := ids(t, client.ListInstances(context.Background(), opts)); !slices.Equal(got, []string{"i5", "i4", "i3", "i2", "i1"}) {
		t.Errorf("ids %v", got)
	}
	reqs := sent[*pb.ListInstancesRequest](f)
	var tokens []string
	for _, req := range reqs {
		tokens = append(tokens, req.GetPageToken())
		if req.GetParent() != "projects/p" || req.GetPageSize() != 2 || req.GetOwner() != "ann" ||
			!slices.Equal(req.GetStatuses(), opts.Statuses) || !maps.Equal(req.GetLabels(), opts.Labels) ||
			!req.GetCreateTimeStart().AsTime().Equal(start) || !req.GetCreateTimeEnd().AsTime().Equal(start.Add(time.Hour)) {
			t.Errorf("request %v", req)
		}
	}
	if !slices.Equal(tokens, []string{"", "2", "4"}) {
		t.Errorf("page tokens %q", tokens)
	}
}

func TestListInstancesWithoutOptionsSendsNoFilter(t *testing.T) {
	f := &fakeServer{list: func(*pb.ListInstancesRequest) (*pb.ListInstancesResponse, error) {
		return &pb.ListInstancesResponse{Instances: instancesNamed("i1")}, nil
	}}
	client := serve(t, f)
	if got := ids(t, client.ListInstances(context.Background(), nil)); !slices.Equal(got, []string{"i1"}) {
		t.Errorf("ids %v", got)
	}
	req := sent[*pb.ListInstancesRequest](f)[0]
	if req.GetParent() != "projects/p" || req.GetPageSize() != 0 || len(req.GetStatuses()) != 0 || req.GetOwner() != "" ||
		req.GetCreateTimeStart() != nil || req.GetCreateTimeEnd() != nil || len(req.GetLabels()) != 0 {
		t.Errorf("request %v", req)
	}
}

func TestListInstancesFetchesNoMorePagesAfterABreak(t *testing.T) {
	all := instancesNamed("i3", "i2", "i1")
	f := &fakeServer{}
	f.list = func(req *pb.ListInstancesRequest) (*pb.ListInstancesResponse, error) {
		page, next := pages(t, all, req.GetPageSize(), req.GetPageToken())
		return &pb.ListInstancesResponse{Instances: page, NextPageToken: next}, nil
	}
	client := serve(t, f)
	for range client.ListInstances(context.Background(), &taskstream.ListInstancesOptions{PageSize: 1}) {
		break
	}
	if n := len(sent[*pb.ListInstancesRequest](f)); n != 1 {
		t.Errorf("%d pages fetched", n)
	}
}

func TestListInstancesFetchesAPageAgainAfterATransientFailure(t *testing.T) {
	all := instancesNamed("i3", "i2", "i1")
	var calls atomic.Int32
	f := &fakeServer{}
	f.list = func(req *pb.ListInstancesRequest) (*pb.ListInstancesResponse, error) {
		if calls.Add(1) == 2 {
			return nil, status.Error(codes.Unavailable, "restarting")
		}
		page, next := pages(t, all, req.GetPageSize(), req.GetPageToken())
		return &pb.ListInstancesResponse{Instances: page, NextPageToken: next}, nil
	}
	client := serve(t, f)
	if got := ids(t, client.ListInstances(context.Background(), &taskstream.ListInstancesOptions{PageSize: 2})); !slices.Equal(got, []string{"i3", "i2", "i1"}) {
		t.Errorf("ids %v", got)
	}
	var tokens []string
	for _, req := range sent[*pb.ListInstancesRequest](f) {
		tokens = append(tokens, req.GetPageToken())
	}
	if !slices.Equal(tokens, []string{"", "2", "2"}) {
		t.Errorf("page tokens %q", tokens)
	}
}

func TestListInstancesEndsWithAnErrorAfterThePagesBefore(t *testing.T) {
	f := &fakeServer{}
	f.list = func(req *pb.ListInstancesRequest) (*pb.ListInstancesResponse, error) {
		if req.GetPageToken() != "" {
			return nil, status.Error(codes.InvalidArgument, "bad page token")
		}
		return &pb.ListInstancesResponse{Instances: instancesNamed("i2"), NextPageToken: "x"}, nil
	}
	client := serve(t, f)
	var got []string
	var errs []error
	for instance, err := range client.ListInstances(context.Background(), nil) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		got = append(got, instance.GetId())
	}
	if !slices.Equal(got, []string{"i2"}) || len(errs) != 1 || !errors.Is(errs[0], taskstream.ErrInvalidArgument) {
		t.Errorf("ids %v, errors %v", got, errs)
	}
	if n := len(sent[*pb.ListInstancesRequest](f)); n != 2 {
		t.Errorf("%d calls: a non-transient error was retried", n)
	}
}

func TestListSubInstancesFetchesEveryPage(t *testing.T) {
	var all []*pb.SubInstance
	for i, name := range []string{"DescInputTable", "AppendID", "Third"} {
		all = append(all, &pb.SubInstance{Name: name, Task: "AppendID", Instance: instancesNamed(string(rune('a' + i)))[0]})
	}
	f := &fakeServer{}
	f.subs = func(req *pb.ListSubInstancesRequest) (*pb.ListSubInstancesResponse, error) {
		page, next := pages(t, all, 2, req.GetPageToken())
		return &pb.ListSubInstancesResponse{SubInstances: page, NextPageToken: next, Seq: 9}, nil
	}
	client := serve(t, f)
	var names []string
	for sub, err := range client.ListSubInstances(context.Background(), "i1") {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, sub.GetName())
	}
	if !slices.Equal(names, []string{"DescInputTable", "AppendID", "Third"}) {
		t.Errorf("names %v", names)
	}
	reqs := sent[*pb.ListSubInstancesRequest](f)
	if len(reqs) != 2 || reqs[0].GetParent() != instanceName || reqs[1].GetParent() != instanceName || reqs[1].GetPageToken() != "2" {
		t.Errorf("requests %v", reqs)
	}
}

func TestListSubInstancesOfAnUnknownWorkflowIsNotFound(t *testing.T) {
	f := &fakeServer{subs: func(*pb.ListSubInstancesRequest) (*pb.ListSubInstancesResponse, error) {
		return nil, status.Error(codes.NotFound, "no such instance")
	}}
	client := serve(t, f)
	n := 0
	for sub, err := range client.ListSubInstances(context.Background(), "i1") {
		n++
		if sub != nil || !errors.Is(err, taskstream.ErrNotFound) {
			t.Errorf("yielded %v, %v", sub, err)
		}
	}
	if n != 1 {
		t.Errorf("%d pairs", n)
	}
}

func TestListTaskTypes(t *testing.T) {
	f := &fakeServer{taskTypes: func(*pb.ListTaskTypesRequest) (*pb.ListTaskTypesResponse, error) {
		return &pb.ListTaskTypesResponse{TaskTypes: []*pb.TaskType{{Name: "echo", WorkerCount: 2}, {Name: "sql", WorkerCount: 1}}}, nil
	}}
	client := serve(t, f)
	types, err := client.ListTaskTypes(context.Background())
	if err != nil || len(types) != 2 || types[0].GetName() != "echo" || types[0].GetWorkerCount() != 2 || types[1].GetName() != "sql" {
		t.Fatalf("ListTaskTypes = %v, %v", types, err)
	}
	if !slices.Equal(f.sentUsers(), []string{"ann"}) {
		t.Errorf("users sent %v", f.sentUsers())
	}
}
