package taskstream_test

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/taskstream/taskstream/clients/go/gen/taskstream/v1"
	"github.com/taskstream/taskstream/clients/go/taskstream"
)

// scheduleAnswers script the fake's ScheduleService; an unset one answers with the named schedule (or,
// for a trigger, an instance naming it).
type scheduleAnswers struct {
	create  func(*pb.CreateScheduleRequest) (*pb.CreateScheduleResponse, error)
	get     func(*pb.GetScheduleRequest) (*pb.GetScheduleResponse, error)
	list    func(*pb.ListSchedulesRequest) (*pb.ListSchedulesResponse, error)
	pause   func(*pb.PauseScheduleRequest) (*pb.PauseScheduleResponse, error)
	resume  func(*pb.ResumeScheduleRequest) (*pb.ResumeScheduleResponse, error)
	trigger func(*pb.TriggerScheduleRequest) (*pb.TriggerScheduleResponse, error)
	delete  func(*pb.DeleteScheduleRequest) (*pb.DeleteScheduleResponse, error)
}

// fakeScheduleService serves f.schedules and records each request in f.
type fakeScheduleService struct {
	pb.UnimplementedScheduleServiceServer
	f *fakeServer
}

func (s *fakeScheduleService) CreateSchedule(ctx context.Context, req *pb.CreateScheduleRequest) (*pb.CreateScheduleResponse, error) {
	s.f.record(ctx, req)
	if s.f.schedules.create == nil {
		return &pb.CreateScheduleResponse{Schedule: &pb.Schedule{Name: req.GetParent() + "/schedules/" + req.GetScheduleId(), Id: req.GetScheduleId()}}, nil
	}
	return s.f.schedules.create(req)
}

func (s *fakeScheduleService) GetSchedule(ctx context.Context, req *pb.GetScheduleRequest) (*pb.GetScheduleResponse, error) {
	s.f.record(ctx, req)
	if s.f.schedules.get == nil {
		return &pb.GetScheduleResponse{Schedule: &pb.Schedule{Name: req.GetName()}}, nil
	}
	return s.f.schedules.get(req)
}

func (s *fakeScheduleService) ListSchedules(ctx context.Context, req *pb.ListSchedulesRequest) (*pb.ListSchedulesResponse, error) {
	s.f.record(ctx, req)
	return s.f.schedules.list(req)
}

func (s *fakeScheduleService) PauseSchedule(ctx context.Context, req *pb.PauseScheduleRequest) (*pb.PauseScheduleResponse, error) {
	s.f.record(ctx, req)
	if s.f.schedules.pause == nil {
		return &pb.PauseScheduleResponse{Schedule: &pb.Schedule{Name: req.GetName(), Paused: true}}, nil
	}
	return s.f.schedules.pause(req)
}

func (s *fakeScheduleService) ResumeSchedule(ctx context.Context, req *pb.ResumeScheduleRequest) (*pb.ResumeScheduleResponse, error) {
	s.f.record(ctx, req)
	if s.f.schedules.resume == nil {
		return &pb.ResumeScheduleResponse{Schedule: &pb.Schedule{Name: req.GetName(), NextFireTime: timestamppb.Now()}}, nil
	}
	return s.f.schedules.resume(req)
}

func (s *fakeScheduleService) TriggerSchedule(ctx context.Context, req *pb.TriggerScheduleRequest) (*pb.TriggerScheduleResponse, error) {
	s.f.record(ctx, req)
	if s.f.schedules.trigger == nil {
		return &pb.TriggerScheduleResponse{Instance: &pb.Instance{Name: instanceName, Schedule: req.GetName()}}, nil
	}
	return s.f.schedules.trigger(req)
}

func (s *fakeScheduleService) DeleteSchedule(ctx context.Context, req *pb.DeleteScheduleRequest) (*pb.DeleteScheduleResponse, error) {
	s.f.record(ctx, req)
	if s.f.schedules.delete == nil {
		return &pb.DeleteScheduleResponse{}, nil
	}
	return s.f.schedules.delete(req)
}

const scheduleName = "projects/p/schedules/nightly"

func TestCreateScheduleSendsAnIntervalTheTemplateAndEveryOption(t *testing.T) {
	f := &fakeServer{}
	client := serve(t, f)
	schedule, err := client.CreateSchedule(context.Background(), "nightly", taskstream.Every(time.Hour), []taskstream.TaskSpec{
		{Name: "extract", Type: "echo", Parameters: map[string]any{"n": 7}, Retry: &taskstream.TaskRetryPolicy{MaxAttempts: 3}},
		{Name: "load", Type: "echo", DependsOn: []taskstream.Dependency{{Task: "extract"}}},
	},
		taskstream.WithOverlapPolicy(pb.OverlapPolicy_OVERLAP_POLICY_ALLOW),
		taskstream.WithCatchUpWindow(10*time.Minute),
		taskstream.WithPausedSchedule(),
		taskstream.WithScheduleRequestID("req-1"),
		taskstream.WithInstanceOptions(
			taskstream.WithLabels(map[string]string{"team": "data"}),
			taskstream.WithPriority(3),
			taskstream.WithRetention(24*time.Hour),
			taskstream.WithCancelOnTaskFailure(),
		),
	)
	if err != nil {
		t.Fatal(err)
	}
	if schedule.GetName() != scheduleName {
		t.Errorf("schedule %v", schedule)
	}
	priority := int32(3)
	want := &pb.CreateScheduleRequest{
		Parent:     "projects/p",
		ScheduleId: "nightly",
		RequestId:  "req-1",
		Schedule: &pb.Schedule{
			Timing:        &pb.Schedule_Interval{Interval: durationpb.New(time.Hour)},
			OverlapPolicy: pb.OverlapPolicy_OVERLAP_POLICY_ALLOW,
			CatchUpWindow: durationpb.New(10 * time.Minute),
			Paused:        true,
			InstanceTemplate: &pb.InstanceTemplate{
				Tasks: []*pb.TaskSpec{
					{Name: "extract", Type: "echo", ParametersJson: `{"n":7}`, RetryPolicy: &pb.RetryPolicy{MaxAttempts: 3}},
					{Name: "load", Type: "echo", Dependencies: []*pb.TaskDependency{{Task: "extract"}}},
				},
				Priority: &priority,
				Labels:   map[string]string{"team": "data"},
				Options:  &pb.InstanceOptions{Retention: durationpb.New(24 * time.Hour), CancelOnTaskFailure: true},
			},
		},
	}
	if got := sent[*pb.CreateScheduleRequest](f)[0]; !proto.Equal(got, want) {
		t.Errorf("request\n%v\nwant\n%v", got, want)
	}
	if users := f.sentUsers(); !slices.Equal(users, []string{"ann"}) {
		t.Errorf("the call carried users %v, want [ann]", users)
	}
}

func TestCreateScheduleSendsACronWithItsTimeZoneAndLeavesTheRestToTheServer(t *testing.T) {
	f := &fakeServer{}
	client := serve(t, f)
	if _, err := client.CreateSchedule(context.Background(), "nightly", taskstream.Cron("0 2 * * *", "Europe/Paris"), []taskstream.TaskSpec{{Type: "echo"}}); err != nil {
		t.Fatal(err)
	}
	want := &pb.CreateScheduleRequest{
		Parent:     "projects/p",
		ScheduleId: "nightly",
		Schedule: &pb.Schedule{
			Timing:           &pb.Schedule_Cron{Cron: &pb.CronSpec{Expression: "0 2 * * *", TimeZone: "Europe/Paris"}},
			InstanceTemplate: &pb.InstanceTemplate{Tasks: []*pb.TaskSpec{{Type: "echo"}}},
		},
	}
	if got := sent[*pb.CreateScheduleRequest](f)[0]; !proto.Equal(got, want) {
		t.Errorf("request\n%v\nwant\n%v", got, want)
	}
}

func TestCreateScheduleRefusesWhatItCannotSend(t *testing.T) {
	f := &fakeServer{}
	client := serve(t, f)
	echo := []taskstream.TaskSpec{{Type: "echo"}}
	cases := map[string]struct {
		timing taskstream.ScheduleTiming
		tasks  []taskstream.TaskSpec
		opts   []taskstream.ScheduleOption
	}{
		"no timing":        {taskstream.ScheduleTiming{}, echo, nil},
		"a zero interval":  {taskstream.Every(0), echo, nil},
		"a negative one":   {taskstream.Every(-time.Second), echo, nil},
		"no task":          {taskstream.Every(time.Hour), nil, nil},
		"held instances":   {taskstream.Every(time.Hour), echo, []taskstream.ScheduleOption{taskstream.WithInstanceOptions(taskstream.WithHold())}},
		"a start time":     {taskstream.Every(time.Hour), echo, []taskstream.ScheduleOption{taskstream.WithInstanceOptions(taskstream.WithStartTime(time.Now()))}},
		"an instance's id": {taskstream.Every(time.Hour), echo, []taskstream.ScheduleOption{taskstream.WithInstanceOptions(taskstream.WithRequestID("r"))}},
	}
	for name, c := range cases {
		if _, err := client.CreateSchedule(context.Background(), "s", c.timing, c.tasks, c.opts...); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if n := len(sent[*pb.CreateScheduleRequest](f)); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestCreatingATakenScheduleIDIsErrAlreadyExists(t *testing.T) {
	f := &fakeServer{schedules: scheduleAnswers{create: func(*pb.CreateScheduleRequest) (*pb.CreateScheduleResponse, error) {
		return nil, withDetails(codes.AlreadyExists, "schedule nightly exists", &errdetails.ResourceInfo{ResourceType: "schedule", ResourceName: scheduleName})
	}}}
	client := serve(t, f)
	_, err := client.CreateSchedule(context.Background(), "nightly", taskstream.Every(time.Hour), []taskstream.TaskSpec{{Type: "echo"}})
	var apiErr *taskstream.APIError
	if !errors.Is(err, taskstream.ErrAlreadyExists) || errors.Is(err, taskstream.ErrNotFound) || !errors.As(err, &apiErr) {
		t.Fatalf("err = %v, want ErrAlreadyExists", err)
	}
	if apiErr.ResourceType != "schedule" || apiErr.ResourceName != scheduleName || status.Code(err) != codes.AlreadyExists {
		t.Errorf("error %+v", apiErr)
	}
}

func TestScheduleCallsTakeAnIDOrAName(t *testing.T) {
	f := &fakeServer{}
	client := serve(t, f)
	ctx := context.Background()
	if got := client.ScheduleName("nightly"); got != scheduleName {
		t.Errorf("ScheduleName = %s", got)
	}
	if got := client.ScheduleName("projects/q/schedules/x"); got != "projects/q/schedules/x" {
		t.Errorf("ScheduleName of a name = %s", got)
	}
	if s, err := client.GetSchedule(ctx, "nightly"); err != nil || s.GetName() != scheduleName {
		t.Errorf("GetSchedule = %v, %v", s, err)
	}
	if s, err := client.PauseSchedule(ctx, scheduleName); err != nil || !s.GetPaused() {
		t.Errorf("PauseSchedule = %v, %v", s, err)
	}
	if s, err := client.ResumeSchedule(ctx, "nightly"); err != nil || s.GetNextFireTime() == nil {
		t.Errorf("ResumeSchedule = %v, %v", s, err)
	}
	instance, err := client.TriggerSchedule(ctx, "nightly")
	if err != nil || instance.GetName() != instanceName || instance.GetSchedule() != scheduleName {
		t.Errorf("TriggerSchedule = %v, %v", instance, err)
	}
	// An instance names its schedule: the name goes back to the schedule's calls as it is.
	if err := client.DeleteSchedule(ctx, instance.GetSchedule()); err != nil {
		t.Fatal(err)
	}
	names := []string{
		sent[*pb.GetScheduleRequest](f)[0].GetName(),
		sent[*pb.PauseScheduleRequest](f)[0].GetName(),
		sent[*pb.ResumeScheduleRequest](f)[0].GetName(),
		sent[*pb.TriggerScheduleRequest](f)[0].GetName(),
		sent[*pb.DeleteScheduleRequest](f)[0].GetName(),
	}
	for i, name := range names {
		if name != scheduleName {
			t.Errorf("call %d named %q", i, name)
		}
	}
}

func TestScheduleCallsReturnTheirStatusErrors(t *testing.T) {
	notFound := withDetails(codes.NotFound, "no schedule nightly", &errdetails.ResourceInfo{ResourceType: "schedule", ResourceName: scheduleName})
	var triggers atomic.Int32
	f := &fakeServer{schedules: scheduleAnswers{
		get:    func(*pb.GetScheduleRequest) (*pb.GetScheduleResponse, error) { return nil, notFound },
		delete: func(*pb.DeleteScheduleRequest) (*pb.DeleteScheduleResponse, error) { return nil, notFound },
		trigger: func(*pb.TriggerScheduleRequest) (*pb.TriggerScheduleResponse, error) {
			if triggers.Add(1) == 1 {
				return nil, withDetails(codes.FailedPrecondition, "an instance still runs", &errdetails.ErrorInfo{Reason: "SCHEDULE_OVERLAP"})
			}
			return nil, status.Error(codes.Unavailable, "draining")
		},
	}}
	client := serve(t, f)
	ctx := context.Background()
	if _, err := client.GetSchedule(ctx, "nightly"); !errors.Is(err, taskstream.ErrNotFound) {
		t.Errorf("GetSchedule: %v, want ErrNotFound", err)
	}
	if err := client.DeleteSchedule(ctx, "nightly"); !errors.Is(err, taskstream.ErrNotFound) {
		t.Errorf("DeleteSchedule: %v, want ErrNotFound", err)
	}
	_, err := client.TriggerSchedule(ctx, "nightly")
	var apiErr *taskstream.APIError
	if !errors.Is(err, taskstream.ErrFailedPrecondition) || !errors.As(err, &apiErr) || apiErr.Reason != "SCHEDULE_OVERLAP" {
		t.Errorf("TriggerSchedule: %v, want ErrFailedPrecondition SCHEDULE_OVERLAP", err)
	}
	// A trigger is not idempotent: it is never retried, even after a transient failure.
	if _, err := client.TriggerSchedule(ctx, "nightly"); !errors.Is(err, taskstream.ErrUnavailable) {
		t.Errorf("TriggerSchedule: %v, want ErrUnavailable", err)
	}
	if n := len(sent[*pb.TriggerScheduleRequest](f)); n != 2 {
		t.Errorf("two triggers were sent %d times", n)
	}
}

func TestListSchedulesFetchesEveryPageAndRetriesATransientFailure(t *testing.T) {
	var all []*pb.Schedule
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		all = append(all, &pb.Schedule{Name: "projects/p/schedules/" + id, Id: id})
	}
	var failed atomic.Bool
	f := &fakeServer{}
	f.schedules.list = func(req *pb.ListSchedulesRequest) (*pb.ListSchedulesResponse, error) {
		if req.GetPageToken() == "4" && failed.CompareAndSwap(false, true) {
			return nil, status.Error(codes.Unavailable, "dropped")
		}
		items, next := pages(t, all, req.GetPageSize(), req.GetPageToken())
		return &pb.ListSchedulesResponse{Schedules: items, NextPageToken: next}, nil
	}
	client := serve(t, f)
	var ids []string
	for schedule, err := range client.ListSchedules(context.Background(), &taskstream.ListSchedulesOptions{PageSize: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, schedule.GetId())
	}
	if !slices.Equal(ids, []string{"a", "b", "c", "d", "e"}) {
		t.Errorf("ids %v", ids)
	}
	var tokens []string
	for _, req := range sent[*pb.ListSchedulesRequest](f) {
		if req.GetParent() != "projects/p" || req.GetPageSize() != 2 {
			t.Errorf("request %v", req)
		}
		tokens = append(tokens, req.GetPageToken())
	}
	if !slices.Equal(tokens, []string{"", "2", "4", "4"}) {
		t.Errorf("page tokens %v", tokens)
	}
}

func TestListSchedulesEndsWithTheErrorOfAPage(t *testing.T) {
	f := &fakeServer{}
	f.schedules.list = func(req *pb.ListSchedulesRequest) (*pb.ListSchedulesResponse, error) {
		if req.GetPageToken() != "" {
			return nil, status.Error(codes.InvalidArgument, "bad page token")
		}
		return &pb.ListSchedulesResponse{Schedules: []*pb.Schedule{{Id: "a"}}, NextPageToken: "x"}, nil
	}
	client := serve(t, f)
	var ids []string
	var last error
	for schedule, err := range client.ListSchedules(context.Background(), nil) {
		if err != nil {
			last = err
			continue
		}
		ids = append(ids, schedule.GetId())
	}
	if !slices.Equal(ids, []string{"a"}) || !errors.Is(last, taskstream.ErrInvalidArgument) {
		t.Errorf("ids %v, error %v", ids, last)
	}
	if size := sent[*pb.ListSchedulesRequest](f)[0].GetPageSize(); size != 0 {
		t.Errorf("page size %d, want the server's default", size)
	}
}
