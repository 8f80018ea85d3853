package conformance_test

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"
	_ "time/tzdata" // the scenario's time zones, whatever zoneinfo the machine has

	pb "github.com/taskstream/taskstream/clients/go/gen/taskstream/v1"
	"github.com/taskstream/taskstream/clients/go/taskstream"
)

// scheduleID is the case's schedule_id_prefix, a dash and 8 hex digits new to this run.
func (r *runner) scheduleID(t *testing.T) string {
	t.Helper()
	suffix := make([]byte, 4)
	if _, err := rand.Read(suffix); err != nil {
		t.Fatal(err)
	}
	return r.c.ScheduleIDPrefix + "-" + hex.EncodeToString(suffix)
}

// apiError is err as an *APIError, failing the test for any other error.
func apiError(t *testing.T, what string, err error) *taskstream.APIError {
	t.Helper()
	var apiErr *taskstream.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("%s: %v, want a failed call", what, err)
	}
	return apiErr
}

func scheduleTrigger(t *testing.T, r *runner) {
	id := r.scheduleID(t)
	policy, ok := pb.OverlapPolicy_value[r.c.OverlapPolicy]
	if !ok {
		t.Fatalf("unknown overlap policy %q", r.c.OverlapPolicy)
	}
	every := taskstream.Every(time.Duration(r.c.IntervalSeconds * float64(time.Second)))
	tasks := []taskstream.TaskSpec{r.c.Task.spec()}
	schedule, err := r.client.CreateSchedule(r.ctx, id, every, tasks,
		taskstream.WithOverlapPolicy(pb.OverlapPolicy(policy)),
		taskstream.WithInstanceOptions(taskstream.WithLabels(r.c.Labels)),
	)
	if err != nil {
		t.Fatal(err)
	}
	var (
		overlap, code, labelKey string
		afterCreate             float64
		labels                  map[string]string
		fireCount               int64
	)
	if r.expect.get(t, "overlap_policy", &overlap) && schedule.GetOverlapPolicy().String() != overlap {
		t.Errorf("overlap policy %v, want %s", schedule.GetOverlapPolicy(), overlap)
	}
	if r.expect.get(t, "next_fire_after_create_seconds", &afterCreate) {
		if schedule.GetNextFireTime() == nil || schedule.GetCreateTime() == nil {
			t.Fatalf("schedule %v lacks its create or next fire time", schedule)
		}
		got := schedule.GetNextFireTime().AsTime().Sub(schedule.GetCreateTime().AsTime())
		if want := time.Duration(afterCreate * float64(time.Second)); got != want {
			t.Errorf("next fire time %v after the create, want %v", got, want)
		}
	}

	_, err = r.client.CreateSchedule(r.ctx, id, every, tasks)
	duplicate := apiError(t, "a second create of the id", err)
	if r.expect.get(t, "duplicate_code", &code) && codeName(duplicate.Code) != code {
		t.Errorf("a second create of the id: %v, want %s", err, code)
	}
	if code == "ALREADY_EXISTS" && !errors.Is(err, taskstream.ErrAlreadyExists) {
		t.Errorf("a second create of the id: %v does not match ErrAlreadyExists", err)
	}

	triggered, err := r.client.TriggerSchedule(r.ctx, schedule.GetName())
	if err != nil {
		t.Fatal(err)
	}
	instance, err := r.client.Wait(r.ctx, triggered.GetName(), r.timeout(t))
	if err != nil {
		t.Fatal(err)
	}
	r.checkInstance(t, instance)
	r.checkResult(t, instance)
	if instance.GetSchedule() != schedule.GetName() {
		t.Errorf("the instance names the schedule %q, want %q", instance.GetSchedule(), schedule.GetName())
	}
	r.expect.get(t, "instance_labels", &labels)
	if r.expect.get(t, "schedule_label", &labelKey) {
		want := map[string]string{}
		maps.Copy(want, labels)
		want[labelKey] = id
		if !maps.Equal(instance.GetLabels(), want) {
			t.Errorf("instance labels %v, want %v", instance.GetLabels(), want)
		}
	}

	again, err := r.client.GetSchedule(r.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if r.expect.get(t, "fire_count", &fireCount) && again.GetFireCount() != fireCount {
		t.Errorf("fire count %d, want %d", again.GetFireCount(), fireCount)
	}
	if again.GetLastInstance() != instance.GetName() {
		t.Errorf("last instance %q, want %q", again.GetLastInstance(), instance.GetName())
	}
	var listed []string
	// One per page, so that the iterator follows page tokens whenever the project has more schedules.
	for s, err := range r.client.ListSchedules(r.ctx, &taskstream.ListSchedulesOptions{PageSize: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, s.GetId())
	}
	if !slices.Contains(listed, id) {
		t.Errorf("the list %v lacks %s", listed, id)
	}

	if err := r.client.DeleteSchedule(r.ctx, id); err != nil {
		t.Fatal(err)
	}
	_, err = r.client.GetSchedule(r.ctx, id)
	gone := apiError(t, "a get after the delete", err)
	if r.expect.get(t, "after_delete_code", &code) && codeName(gone.Code) != code {
		t.Errorf("a get after the delete: %v, want %s", err, code)
	}
}

func schedulePause(t *testing.T, r *runner) {
	id := r.scheduleID(t)
	tasks := []taskstream.TaskSpec{r.c.Task.spec()}
	var (
		badCron, badField, local string
		pausedSet, resumedSet    bool
		fireCount                int64
	)
	if r.expect.get(t, "bad_cron", &badCron) {
		_, err := r.client.CreateSchedule(r.ctx, id, taskstream.Cron(badCron, ""), tasks)
		refused := apiError(t, "a create with cron "+badCron, err)
		if !errors.Is(err, taskstream.ErrInvalidArgument) {
			t.Fatalf("a create with cron %s: %v, want INVALID_ARGUMENT", badCron, err)
		}
		var fields []string
		for _, v := range refused.FieldViolations {
			fields = append(fields, v.Field)
		}
		if r.expect.get(t, "bad_cron_field", &badField) && !slices.Equal(fields, []string{badField}) {
			t.Errorf("field violations %v, want [%s]", fields, badField)
		}
	}

	cron := r.c.Cron
	schedule, err := r.client.CreateSchedule(r.ctx, id, taskstream.Cron(cron.Expression, cron.TimeZone), tasks)
	if err != nil {
		t.Fatal(err)
	}
	if got := schedule.GetCron(); got.GetExpression() != cron.Expression || got.GetTimeZone() != cron.TimeZone {
		t.Errorf("cron %v, want %+v", got, cron)
	}
	if r.expect.get(t, "next_fire_local_time", &local) {
		zone, err := time.LoadLocation(cron.TimeZone)
		if err != nil {
			t.Fatal(err)
		}
		if schedule.GetNextFireTime() == nil {
			t.Fatalf("schedule %v has no next fire time", schedule)
		}
		if got := schedule.GetNextFireTime().AsTime().In(zone).Format("15:04"); got != local {
			t.Errorf("next fire time %s in %s, want %s", got, cron.TimeZone, local)
		}
	}

	paused, err := r.client.PauseSchedule(r.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if r.expect.get(t, "paused_next_fire_time_set", &pausedSet) && (paused.GetNextFireTime() != nil) != pausedSet {
		t.Errorf("paused: next fire time %v, want one: %v", paused.GetNextFireTime(), pausedSet)
	}
	if got, err := r.client.GetSchedule(r.ctx, id); err != nil || !got.GetPaused() {
		t.Fatalf("GetSchedule after the pause = %v, %v; want it paused", got, err)
	}

	// A paused schedule still starts an instance on demand.
	instance, err := r.client.TriggerSchedule(r.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.client.Wait(r.ctx, instance.GetName(), r.timeout(t)); err != nil {
		t.Fatal(err)
	}
	triggered, err := r.client.GetSchedule(r.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if r.expect.get(t, "trigger_while_paused_fire_count", &fireCount) && triggered.GetFireCount() != fireCount {
		t.Errorf("fire count %d after the trigger, want %d", triggered.GetFireCount(), fireCount)
	}

	resumed, err := r.client.ResumeSchedule(r.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if r.expect.get(t, "resumed_next_fire_time_set", &resumedSet) && (resumed.GetNextFireTime() != nil) != resumedSet {
		t.Errorf("resumed: next fire time %v, want one: %v", resumed.GetNextFireTime(), resumedSet)
	}
	if err := r.client.DeleteSchedule(r.ctx, id); err != nil {
		t.Fatal(err)
	}
}
