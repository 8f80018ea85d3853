package taskstream

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	pb "github.com/taskstream/taskstream/clients/go/gen/taskstream/v1"
)

// ScheduleTiming says when a schedule fires: Every or Cron.
type ScheduleTiming struct {
	interval time.Duration
	cron     *pb.CronSpec
}

// Every fires a schedule every interval (1 second to 366 days), counted from its creation: the first
// firing comes one interval after it.
func Every(interval time.Duration) ScheduleTiming {
	return ScheduleTiming{interval: interval}
}

// Cron fires a schedule at the times a five-field cron expression matches ("0 2 * * *"; @hourly, @daily,
// @weekly, @monthly and @yearly too) on the wall clock of an IANA time zone ("Europe/Paris"); an empty
// zone is UTC. A wall time the clock skips fires after the jump, one that occurs twice fires once.
func Cron(expression, timeZone string) ScheduleTiming {
	return ScheduleTiming{cron: &pb.CronSpec{Expression: expression, TimeZone: timeZone}}
}

// ScheduleOption sets an option of a new schedule.
type ScheduleOption func(*scheduleSettings)

type scheduleSettings struct {
	request         *pb.CreateScheduleRequest
	instanceOptions []CreateOption
}

// WithOverlapPolicy says what a firing does while an instance the schedule started still runs:
// OVERLAP_POLICY_SKIP (the default) starts nothing, OVERLAP_POLICY_ALLOW starts another one,
// OVERLAP_POLICY_CANCEL_PREVIOUS stops the running ones first. TriggerSchedule applies it too.
func WithOverlapPolicy(policy pb.OverlapPolicy) ScheduleOption {
	return func(s *scheduleSettings) { s.request.Schedule.OverlapPolicy = policy }
}

// WithCatchUpWindow sets how late a fire time may still fire when the server comes back after it passed
// (10 seconds to 7 days; one hour otherwise). Older ones are missed (Schedule.miss_count).
func WithCatchUpWindow(window time.Duration) ScheduleOption {
	return func(s *scheduleSettings) { s.request.Schedule.CatchUpWindow = durationpb.New(window) }
}

// WithPausedSchedule creates the schedule paused: it fires nothing until ResumeSchedule.
func WithPausedSchedule() ScheduleOption {
	return func(s *scheduleSettings) { s.request.Schedule.Paused = true }
}

// WithScheduleRequestID sets an idempotency key: a retry with the same key (and the same request) returns
// the schedule the first call created instead of ErrAlreadyExists, so a create that failed with
// ErrUnavailable can be retried safely.
func WithScheduleRequestID(id string) ScheduleOption {
	return func(s *scheduleSettings) { s.request.RequestId = id }
}

// WithInstanceOptions creates every instance the schedule starts as these CreateInstance options say:
// WithLabels, WithPriority, WithTaskRetry, WithTaskTimeout, WithRetention, WithCancelOnTaskFailure. Options
// that only make sense for one create (WithHold, WithStartTime, WithRequestID) make CreateSchedule fail.
func WithInstanceOptions(opts ...CreateOption) ScheduleOption {
	return func(s *scheduleSettings) { s.instanceOptions = append(s.instanceOptions, opts...) }
}

// CreateSchedule creates schedule id (1 to 63 of a-z 0-9 and '-', starting with a letter) in the client's
// project: an instance of tasks starts at the times of timing. Each instance runs as this client's user,
// names the schedule (Instance.schedule) and carries the labels "taskstream.schedule" (the schedule's id)
// and, when a fire time started it, "taskstream.fire_time". It returns the schedule with its first fire
// time.
//
// ErrAlreadyExists when the project has a schedule of that id (unless WithScheduleRequestID makes this a
// retry); ErrInvalidArgument naming the bad field (schedule.cron.expression, schedule.interval,
// schedule.instance_template.tasks[0].type, ...).
func (c *Client) CreateSchedule(ctx context.Context, id string, timing ScheduleTiming, tasks []TaskSpec, opts ...ScheduleOption) (*pb.Schedule, error) {
	req, err := c.createScheduleRequest(id, timing, tasks, opts)
	if err != nil {
		return nil, err
	}
	resp, err := c.schedules.CreateSchedule(ctx, req)
	if err != nil {
		return nil, callError(err)
	}
	return resp.GetSchedule(), nil
}

// createScheduleRequest is the CreateScheduleRequest of the arguments, or an error for what cannot be sent.
func (c *Client) createScheduleRequest(id string, timing ScheduleTiming, tasks []TaskSpec, opts []ScheduleOption) (*pb.CreateScheduleRequest, error) {
	if timing.cron == nil && timing.interval <= 0 {
		return nil, fmt.Errorf("taskstream: a schedule needs its timing: Every(a positive interval) or Cron(expression, zone)")
	}
	s := scheduleSettings{request: &pb.CreateScheduleRequest{
		Parent:     "projects/" + c.project,
		ScheduleId: id,
		Schedule:   &pb.Schedule{},
	}}
	if timing.cron != nil {
		s.request.Schedule.Timing = &pb.Schedule_Cron{Cron: proto.CloneOf(timing.cron)}
	} else {
		s.request.Schedule.Timing = &pb.Schedule_Interval{Interval: durationpb.New(timing.interval)}
	}
	for _, opt := range opts {
		opt(&s)
	}
	// The template is what a CreateInstance of the same tasks and options would send, less what belongs
	// to one create only.
	instance, err := c.createRequest(tasks, s.instanceOptions)
	if err != nil {
		return nil, err
	}
	if instance.GetHold() || instance.GetStartTime() != nil || instance.GetRequestId() != "" {
		return nil, fmt.Errorf("taskstream: WithHold, WithStartTime and WithRequestID do not apply to a schedule's instances")
	}
	s.request.Schedule.InstanceTemplate = &pb.InstanceTemplate{
		Tasks:    instance.GetTasks(),
		Priority: instance.Priority,
		Labels:   instance.GetLabels(),
		Options:  instance.GetOptions(),
	}
	return s.request, nil
}

// ScheduleName returns the resource name "projects/{project}/schedules/{id}" of a schedule id in the
// client's project; a resource name is returned as it is, so every schedule method accepts either (and
// an instance's Schedule field names its schedule that way).
func (c *Client) ScheduleName(idOrName string) string {
	if strings.HasPrefix(idOrName, "projects/") {
		return idOrName
	}
	return "projects/" + c.project + "/schedules/" + idOrName
}

// GetSchedule returns a schedule (its id or resource name) with its next and last fire times and counts.
// ErrNotFound when it does not exist.
func (c *Client) GetSchedule(ctx context.Context, name string) (*pb.Schedule, error) {
	resp, err := c.schedules.GetSchedule(ctx, &pb.GetScheduleRequest{Name: c.ScheduleName(name)})
	if err != nil {
		return nil, callError(err)
	}
	return resp.GetSchedule(), nil
}

// ListSchedulesOptions are the optional arguments of ListSchedules; nil means none.
type ListSchedulesOptions struct {
	// PageSize is how many schedules each call fetches: 0 means the server's default (50), and the
	// server fetches at most 1000.
	PageSize int32
}

// ListSchedules iterates over the client's project's schedules by id, fetching the next page when the last
// one is used up. Errors and retries are ListInstances'.
func (c *Client) ListSchedules(ctx context.Context, opts *ListSchedulesOptions) iter.Seq2[*pb.Schedule, error] {
	if opts == nil {
		opts = &ListSchedulesOptions{}
	}
	parent := "projects/" + c.project
	return paginate(ctx, c.retry, func(token string) ([]*pb.Schedule, string, error) {
		req := &pb.ListSchedulesRequest{Parent: parent, PageSize: opts.PageSize, PageToken: token}
		resp, err := c.schedules.ListSchedules(ctx, req)
		return resp.GetSchedules(), resp.GetNextPageToken(), err
	})
}

// PauseSchedule pauses a schedule: it fires nothing until resumed, and has no next fire time meanwhile
// (TriggerSchedule still starts an instance). Pausing a paused schedule changes nothing. ErrNotFound when
// it does not exist.
func (c *Client) PauseSchedule(ctx context.Context, name string) (*pb.Schedule, error) {
	resp, err := c.schedules.PauseSchedule(ctx, &pb.PauseScheduleRequest{Name: c.ScheduleName(name)})
	if err != nil {
		return nil, callError(err)
	}
	return resp.GetSchedule(), nil
}

// ResumeSchedule resumes a paused schedule from now on: fire times that passed while it was paused are not
// caught up. Resuming a running schedule changes nothing. ErrNotFound when it does not exist.
func (c *Client) ResumeSchedule(ctx context.Context, name string) (*pb.Schedule, error) {
	resp, err := c.schedules.ResumeSchedule(ctx, &pb.ResumeScheduleRequest{Name: c.ScheduleName(name)})
	if err != nil {
		return nil, callError(err)
	}
	return resp.GetSchedule(), nil
}

// TriggerSchedule starts an instance of the schedule now, paused or not, as a firing would, and returns it
// without waiting (Wait for it). The fire times are not affected. The overlap policy applies: with SKIP, an
// instance of the schedule still running gives ErrFailedPrecondition (Reason SCHEDULE_OVERLAP). Not
// idempotent: calling it again may start another instance.
func (c *Client) TriggerSchedule(ctx context.Context, name string) (*pb.Instance, error) {
	resp, err := c.schedules.TriggerSchedule(ctx, &pb.TriggerScheduleRequest{Name: c.ScheduleName(name)})
	if err != nil {
		return nil, callError(err)
	}
	return resp.GetInstance(), nil
}

// DeleteSchedule deletes a schedule: it fires no more, and the instances it started are not changed.
// ErrNotFound when it does not exist or was deleted already.
func (c *Client) DeleteSchedule(ctx context.Context, name string) error {
	if _, err := c.schedules.DeleteSchedule(ctx, &pb.DeleteScheduleRequest{Name: c.ScheduleName(name)}); err != nil {
		return callError(err)
	}
	return nil
}

// ScheduleService returns the generated ScheduleService stub the client calls, with the client's user and
// token on its calls, for requests the client's methods do not make; FromError reads its errors.
func (c *Client) ScheduleService() pb.ScheduleServiceClient {
	return c.schedules
}
