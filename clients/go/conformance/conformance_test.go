package conformance_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/taskstream/taskstream/clients/go/gen/taskstream/v1"
	"github.com/taskstream/taskstream/clients/go/taskstream"
)

// caseTimeout bounds each case; the scenario's tasks take a second or two.
const caseTimeout = 60 * time.Second

type scenario struct {
	Project string         `json:"project"`
	Cases   []scenarioCase `json:"cases"`
}

// taskSpec is one task of a case.
type taskSpec struct {
	Name       string         `json:"name"`
	Type       string         `json:"type"`
	Parameters map[string]any `json:"parameters"`
	Hold       bool           `json:"hold"`
	DependsOn  []struct {
		Task         string `json:"task"`
		AllowFailure bool   `json:"allow_failure"`
	} `json:"depends_on"`
}

// spec is the client's TaskSpec of a case's task.
func (s taskSpec) spec() taskstream.TaskSpec {
	spec := taskstream.TaskSpec{Name: s.Name, Type: s.Type, Parameters: s.Parameters}
	for _, d := range s.DependsOn {
		spec.DependsOn = append(spec.DependsOn, taskstream.Dependency{Task: d.Task, AllowFailure: d.AllowFailure})
	}
	return spec
}

type scenarioCase struct {
	Name   string   `json:"name"`
	Action string   `json:"action"`
	Task   taskSpec `json:"task"`
	Stop   struct {
		Reason  string `json:"reason"`
		Message string `json:"message"`
	} `json:"stop"`
	ResumeAfter    string  `json:"resume_after"`
	TimeoutSeconds float64 `json:"timeout_seconds"`
	Instance       string  `json:"instance"`
	// list_instances
	Count    int      `json:"count"`
	LabelKey string   `json:"label_key"`
	PageSize int32    `json:"page_size"`
	Statuses []string `json:"statuses"`
	// read_output
	Stream    string `json:"stream"`
	TailBytes int64  `json:"tail_bytes"`
	// logview
	Hours int32 `json:"hours"`
	// sub_instances
	XFlow struct {
		Name       string         `json:"name"`
		Project    string         `json:"project"`
		Parameters map[string]any `json:"parameters"`
	} `json:"xflow"`
	// sql_rows
	SQL string `json:"sql"`
	// wait_many
	Quick taskSpec `json:"quick"`
	Slow  taskSpec `json:"slow"`
	// retry_attempts
	RetryPolicy struct {
		MaxAttempts            int32    `json:"max_attempts"`
		InitialBackoffSeconds  float64  `json:"initial_backoff_seconds"`
		BackoffMultiplier      float64  `json:"backoff_multiplier"`
		NonRetryableErrorTypes []string `json:"non_retryable_error_types"`
	} `json:"retry_policy"`
	// dependencies, cancel_task_and_delete
	Tasks  []taskSpec `json:"tasks"`
	Cancel struct {
		Task    string `json:"task"`
		Message string `json:"message"`
	} `json:"cancel"`
	// watch_instances
	OtherTask taskSpec `json:"other_task"`
	// schedule_trigger, schedule_pause
	ScheduleIDPrefix string            `json:"schedule_id_prefix"`
	IntervalSeconds  float64           `json:"interval_seconds"`
	OverlapPolicy    string            `json:"overlap_policy"`
	Labels           map[string]string `json:"labels"`
	Cron             struct {
		Expression string `json:"expression"`
		TimeZone   string `json:"time_zone"`
	} `json:"cron"`
	Expect map[string]json.RawMessage `json:"expect"`
}

// A harness implements each action of the scenario once.
var actions = map[string]func(*testing.T, *runner){
	"watch_to_end":           watchToEnd,
	"run_and_read_result":    runAndReadResult,
	"stop_when_running":      stopWhenRunning,
	"resume_watch":           resumeWatch,
	"wait_with_timeout":      waitWithTimeout,
	"execute":                execute,
	"not_found":              notFound,
	"execute_failed":         executeFailed,
	"list_instances":         listInstances,
	"read_output":            readOutput,
	"logview":                logview,
	"sub_instances":          subInstances,
	"sql_rows":               sqlRows,
	"suspend_resume":         suspendResume,
	"wait_many":              waitMany,
	"task_types":             taskTypes,
	"retry_attempts":         retryAttempts,
	"dependencies":           dependencies,
	"cancel_task_and_delete": cancelTaskAndDelete,
	"watch_instances":        watchInstances,
	"schedule_trigger":       scheduleTrigger,
	"schedule_pause":         schedulePause,
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		shared.stop()
		if code != 0 {
			fmt.Fprintf(os.Stderr, "taskstreamd's log:\n%s", shared.log)
		}
	}
	os.Exit(code)
}

func TestConformance(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, "tests", "conformance", "scenario.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sc scenario
	if err := json.Unmarshal(data, &sc); err != nil {
		t.Fatal(err)
	}
	if len(sc.Cases) == 0 {
		t.Fatal("the scenario has no cases")
	}
	srv, err := liveServer()
	if err != nil {
		t.Fatal(err)
	}
	client, err := taskstream.NewClient(srv.address, taskstream.WithProject(sc.Project), taskstream.WithUser("go-conformance"))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	for _, c := range sc.Cases {
		t.Run(c.Name, func(t *testing.T) {
			action, ok := actions[c.Action]
			if !ok {
				t.Fatalf("the Go harness does not implement action %q", c.Action)
			}
			// A case may wait up to its timeout_seconds, and then has the usual time for the rest.
			ctx, cancel := context.WithTimeout(context.Background(), caseTimeout+time.Duration(c.TimeoutSeconds*float64(time.Second)))
			defer cancel()
			r := &runner{ctx: ctx, client: client, c: c, expect: expectations{raw: c.Expect, used: map[string]bool{}}}
			action(t, r)
			r.expect.allChecked(t)
		})
	}
}

// runner holds one case while its action runs.
type runner struct {
	ctx    context.Context
	client *taskstream.Client
	c      scenarioCase
	expect expectations
}

// start creates an instance of the case's one task, held (SUSPENDED) when the case's task says "hold".
func (r *runner) start(t *testing.T, opts ...taskstream.CreateOption) *pb.Instance {
	t.Helper()
	return r.startTask(t, r.c.Task, opts...)
}

// startTask creates an instance of one task, held (SUSPENDED) when the task says "hold".
func (r *runner) startTask(t *testing.T, task taskSpec, opts ...taskstream.CreateOption) *pb.Instance {
	t.Helper()
	if task.Hold {
		opts = append(opts, taskstream.WithHold())
	}
	instance, err := r.client.RunTask(r.ctx, task.Type, task.Parameters, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return instance
}

// expectations are a case's expected values; each check marks the keys it read, so that an expectation
// this harness does not know fails instead of passing unchecked.
type expectations struct {
	raw  map[string]json.RawMessage
	used map[string]bool
}

// get decodes the expectation key into v and reports whether the case has it.
func (e expectations) get(t *testing.T, key string, v any) bool {
	t.Helper()
	raw, ok := e.raw[key]
	if !ok {
		return false
	}
	e.used[key] = true
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("expectation %s: %v", key, err)
	}
	return true
}

func (e expectations) allChecked(t *testing.T) {
	t.Helper()
	var unchecked []string
	for key := range e.raw {
		if !e.used[key] {
			unchecked = append(unchecked, key)
		}
	}
	sort.Strings(unchecked)
	if len(unchecked) > 0 {
		t.Errorf("expectations the Go harness does not check: %v", unchecked)
	}
}

// kind is "snapshot" or "event", as the scenario names the messages of a watch.
func kind(ev taskstream.Event) string {
	if _, ok := ev.(*taskstream.Snapshot); ok {
		return "snapshot"
	}
	return "event"
}

// watchAll reads a watch to its end.
func watchAll(t *testing.T, events func(func(taskstream.Event, error) bool)) []taskstream.Event {
	t.Helper()
	var all []taskstream.Event
	for ev, err := range events {
		if err != nil {
			t.Fatalf("watch: %v", err)
		}
		all = append(all, ev)
	}
	if len(all) == 0 {
		t.Fatal("the watch yielded nothing")
	}
	return all
}

// watchHeld watches an instance to its end from the start; a held instance is resumed once the first
// message (the snapshot) has arrived, so every change of its task is seen as an event.
func (r *runner) watchHeld(t *testing.T, instance *pb.Instance) []taskstream.Event {
	t.Helper()
	var all []taskstream.Event
	for ev, err := range r.client.Watch(r.ctx, instance.GetName()) {
		if err != nil {
			t.Fatalf("watch: %v", err)
		}
		all = append(all, ev)
		if len(all) == 1 && r.c.Task.Hold {
			if _, err := r.client.Resume(r.ctx, instance.GetName()); err != nil {
				t.Fatalf("resume: %v", err)
			}
		}
	}
	if len(all) == 0 {
		t.Fatal("the watch yielded nothing")
	}
	return all
}

// checkEnds checks first_message, last_message and instance_status, and returns the final snapshot.
func (r *runner) checkEnds(t *testing.T, events []taskstream.Event) *pb.Instance {
	t.Helper()
	var first, last, status string
	if r.expect.get(t, "first_message", &first) && kind(events[0]) != first {
		t.Errorf("first message is a %s, want a %s", kind(events[0]), first)
	}
	if r.expect.get(t, "last_message", &last) && kind(events[len(events)-1]) != last {
		t.Errorf("last message is a %s, want a %s", kind(events[len(events)-1]), last)
	}
	final, ok := events[len(events)-1].(*taskstream.Snapshot)
	if !ok {
		t.Fatalf("the watch ended with %T, not a snapshot", events[len(events)-1])
	}
	if r.expect.get(t, "instance_status", &status) && final.Instance.GetStatus().String() != status {
		t.Errorf("instance status %v, want %s", final.Instance.GetStatus(), status)
	}
	return final.Instance
}

// checkResult reads the task's result, checks what the case expects of it and returns it.
func (r *runner) checkResult(t *testing.T, instance *pb.Instance) *taskstream.TaskResult {
	t.Helper()
	result, err := r.client.Result(r.ctx, instance.GetName(), "")
	if err != nil {
		t.Fatal(err)
	}
	var (
		str          string
		strs         []string
		resultJSON   any
		properties   map[string]map[string]any
		taskErr      *taskstream.TaskError
		hasTaskError = errors.As(result.Err(), &taskErr)
	)
	if r.expect.get(t, "task_status", &str) && result.Status().String() != str {
		t.Errorf("task status %v, want %s", result.Status(), str)
	}
	if r.expect.get(t, "result_json", &resultJSON) {
		var got any
		if err := result.Decode(&got); err != nil || !reflect.DeepEqual(got, resultJSON) {
			t.Errorf("result %v (%v), want %v", got, err, resultJSON)
		}
	}
	if r.expect.get(t, "stdout_contains", &strs) {
		for _, s := range strs {
			if !strings.Contains(string(result.Stdout), s) {
				t.Errorf("stdout %q does not contain %q", result.Stdout, s)
			}
		}
	}
	if r.expect.get(t, "stderr_contains", &strs) {
		for _, s := range strs {
			if !strings.Contains(string(result.Stderr), s) {
				t.Errorf("stderr %q does not contain %q", result.Stderr, s)
			}
		}
	}
	if r.expect.get(t, "error_type_ends_with", &str) && (!hasTaskError || !strings.HasSuffix(taskErr.Type, str)) {
		t.Errorf("task error %v, want a type ending with %q", result.Err(), str)
	}
	if r.expect.get(t, "error_message", &str) && (!hasTaskError || taskErr.Message != str) {
		t.Errorf("task error %v, want the message %q", result.Err(), str)
	}
	if r.expect.get(t, "properties", &properties) {
		got := result.Properties()
		for key, value := range properties {
			if want := propertyValue(t, value); !reflect.DeepEqual(got[key], want) {
				t.Errorf("property %s = %#v, want %#v", key, got[key], want)
			}
		}
	}
	cancellation := result.Task.GetCancellation()
	if r.expect.get(t, "cancellation_reason", &str) && cancellation.GetReason().String() != str {
		t.Errorf("cancellation reason %v, want %s", cancellation.GetReason(), str)
	}
	if r.expect.get(t, "cancellation_message", &str) && cancellation.GetMessage() != str {
		t.Errorf("cancellation message %q, want %q", cancellation.GetMessage(), str)
	}
	return result
}

// propertyValue is the Go value (as TaskResult.Properties gives it) of an expected property.
func propertyValue(t *testing.T, value map[string]any) any {
	t.Helper()
	if len(value) != 1 {
		t.Fatalf("property %v has not exactly one kind", value)
	}
	for kind, v := range value {
		switch kind {
		case "string_value":
			return v.(string)
		case "int_value":
			return int64(v.(float64))
		case "double_value":
			return v.(float64)
		case "bytes_value_base64":
			b, err := base64.StdEncoding.DecodeString(v.(string))
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		t.Fatalf("unknown property kind %q", kind)
	}
	return nil
}

func watchToEnd(t *testing.T, r *runner) {
	instance := r.start(t)
	events := r.watchHeld(t, instance)
	final := r.checkEnds(t, events)
	var snapshotStatus string
	if r.expect.get(t, "snapshot_status", &snapshotStatus) {
		first, ok := events[0].(*taskstream.Snapshot)
		if !ok {
			t.Fatalf("the watch began with %T, not a snapshot", events[0])
		}
		if got := first.Instance.GetStatus().String(); got != snapshotStatus {
			t.Errorf("first snapshot's instance status %s, want %s", got, snapshotStatus)
		}
	}
	var (
		successful  bool
		tail        []string
		minProgress int
		percent     int32
		message     string
		stages      []string
	)
	if r.expect.get(t, "successful", &successful) && final.GetSuccessful() != successful {
		t.Errorf("successful %v, want %v", final.GetSuccessful(), successful)
	}
	var changes []string
	progressEvents := 0
	for _, ev := range events {
		switch ev := ev.(type) {
		case *taskstream.TaskStatusChanged:
			changes = append(changes, ev.Status.String())
		case *taskstream.TaskProgressUpdated:
			progressEvents++
		}
	}
	if r.expect.get(t, "task_status_changes_end_with", &tail) && (len(changes) < len(tail) || !slices.Equal(changes[len(changes)-len(tail):], tail)) {
		t.Errorf("task status changes %v do not end with %v", changes, tail)
	}
	if r.expect.get(t, "min_progress_events", &minProgress) && progressEvents < minProgress {
		t.Errorf("%d progress events, want at least %d", progressEvents, minProgress)
	}
	if len(final.GetTasks()) != 1 {
		t.Fatalf("%d tasks in the final snapshot", len(final.GetTasks()))
	}
	progress := final.GetTasks()[0].GetProgress()
	if r.expect.get(t, "progress_percent", &percent) && progress.GetPercent() != percent {
		t.Errorf("progress percent %d, want %d", progress.GetPercent(), percent)
	}
	if r.expect.get(t, "progress_message", &message) && progress.GetMessage() != message {
		t.Errorf("progress message %q, want %q", progress.GetMessage(), message)
	}
	if r.expect.get(t, "stage_names", &stages) {
		var names []string
		for _, s := range progress.GetStages() {
			names = append(names, s.GetName())
		}
		if !slices.Equal(names, stages) {
			t.Errorf("stages %v, want %v", names, stages)
		}
	}
	r.checkResult(t, final)
}

func runAndReadResult(t *testing.T, r *runner) {
	instance := r.start(t)
	instance, err := r.client.Wait(r.ctx, instance.GetName(), caseTimeout)
	if err != nil {
		t.Fatal(err)
	}
	var successful bool
	if r.expect.get(t, "successful", &successful) && instance.GetSuccessful() != successful {
		t.Errorf("successful %v, want %v", instance.GetSuccessful(), successful)
	}
	r.checkResult(t, instance)
}

func stopWhenRunning(t *testing.T, r *runner) {
	instance := r.start(t)
	reason, ok := pb.CancellationReason_value[r.c.Stop.Reason]
	if !ok {
		t.Fatalf("unknown cancellation reason %q", r.c.Stop.Reason)
	}
	stopped := false
	var last taskstream.Event
	for ev, err := range r.client.Watch(r.ctx, instance.GetName()) {
		if err != nil {
			t.Fatalf("watch: %v", err)
		}
		last = ev
		if !stopped && isRunning(ev) {
			if _, err := r.client.Stop(r.ctx, instance.GetName(), pb.CancellationReason(reason), r.c.Stop.Message); err != nil {
				t.Fatal(err)
			}
			stopped = true
		}
	}
	if !stopped {
		t.Fatal("the watch ended before the task was RUNNING")
	}
	final := r.checkEnds(t, []taskstream.Event{last})
	r.checkResult(t, final)
}

// isRunning reports whether an event shows the task RUNNING.
func isRunning(ev taskstream.Event) bool {
	switch ev := ev.(type) {
	case *taskstream.TaskStatusChanged:
		return ev.Status == pb.TaskStatus_TASK_STATUS_RUNNING
	case *taskstream.Snapshot:
		tasks := ev.Instance.GetTasks()
		return len(tasks) == 1 && tasks[0].GetStatus() == pb.TaskStatus_TASK_STATUS_RUNNING
	}
	return false
}

func resumeWatch(t *testing.T, r *runner) {
	if r.c.ResumeAfter != "first_event" {
		t.Fatalf("unknown resume_after %q", r.c.ResumeAfter)
	}
	instance := r.start(t)
	firstPass := r.watchHeld(t, instance)
	cursor := int64(-1)
	for _, ev := range firstPass {
		if change, ok := changeSeq(ev); ok {
			cursor = change
			break
		}
	}
	if cursor < 0 {
		t.Fatal("the first watch saw no event")
	}
	resumed := watchAll(t, r.client.Watch(r.ctx, instance.GetName(), taskstream.WithAfterSeq(cursor)))
	r.checkEnds(t, resumed)
	var seqs []int64
	for _, ev := range resumed {
		if seq, ok := changeSeq(ev); ok {
			seqs = append(seqs, seq)
		}
	}
	var afterCursor, increasing bool
	if r.expect.get(t, "all_seqs_after_cursor", &afterCursor) {
		all := !slices.ContainsFunc(seqs, func(s int64) bool { return s <= cursor })
		if all != afterCursor {
			t.Errorf("seqs %v after cursor %d: %v, want %v", seqs, cursor, all, afterCursor)
		}
	}
	if r.expect.get(t, "seqs_strictly_increasing", &increasing) {
		strictly := slices.IsSorted(seqs) && len(slices.Compact(slices.Clone(seqs))) == len(seqs)
		if strictly != increasing {
			t.Errorf("seqs %v strictly increasing: %v, want %v", seqs, strictly, increasing)
		}
	}
}

// changeSeq returns the seq of a change event (not a snapshot or heartbeat).
func changeSeq(ev taskstream.Event) (int64, bool) {
	switch ev := ev.(type) {
	case *taskstream.InstanceStatusChanged:
		return ev.Seq, true
	case *taskstream.TaskStatusChanged:
		return ev.Seq, true
	case *taskstream.TaskProgressUpdated:
		return ev.Seq, true
	case *taskstream.TaskPropertyUpdated:
		return ev.Seq, true
	case *taskstream.TaskOutputAppended:
		return ev.Seq, true
	case *taskstream.SubInstanceCreated:
		return ev.Seq, true
	case *taskstream.TaskWaitingReasonChanged:
		return ev.Seq, true
	}
	return 0, false
}

// timeout is the case's timeout_seconds.
func (r *runner) timeout(t *testing.T) time.Duration {
	t.Helper()
	timeout := time.Duration(r.c.TimeoutSeconds * float64(time.Second))
	if timeout <= 0 {
		t.Fatalf("timeout_seconds %v", r.c.TimeoutSeconds)
	}
	return timeout
}

// stopAndWait stops an instance, waits (no timeout) until it ends and checks after_stop_terminated.
func (r *runner) stopAndWait(t *testing.T, instance *pb.Instance) {
	t.Helper()
	if _, err := r.client.Stop(r.ctx, instance.GetName(), pb.CancellationReason_CANCELLATION_REASON_UNSPECIFIED, ""); err != nil {
		t.Fatal(err)
	}
	final, err := r.client.Wait(r.ctx, instance.GetName(), 0)
	if err != nil {
		t.Fatal(err)
	}
	var afterStop bool
	if r.expect.get(t, "after_stop_terminated", &afterStop) && (final.GetStatus() == pb.InstanceStatus_INSTANCE_STATUS_TERMINATED) != afterStop {
		t.Errorf("after the stop: status %v, want terminated %v", final.GetStatus(), afterStop)
	}
}

// timedOut returns the language's wait timeout that err must be.
func timedOut(t *testing.T, err error) *taskstream.WaitTimeoutError {
	t.Helper()
	var timeout *taskstream.WaitTimeoutError
	if !errors.Is(err, taskstream.ErrWaitTimeout) || !errors.As(err, &timeout) {
		t.Fatalf("error %v, want a *taskstream.WaitTimeoutError", err)
	}
	return timeout
}

// timedOutOne checks that err is the wait timeout of one instance, which it names and carries as last
// seen, and returns that instance.
func timedOutOne(t *testing.T, err error) *pb.Instance {
	t.Helper()
	timeout := timedOut(t, err)
	instance := timeout.Instance()
	if instance == nil || !slices.Equal(timeout.Names, []string{instance.GetName()}) {
		t.Fatalf("the timeout names %v and carries %v", timeout.Names, instance)
	}
	return instance
}

func waitWithTimeout(t *testing.T, r *runner) {
	instance := r.start(t)
	timeout := r.timeout(t)
	current, err := r.client.Wait(r.ctx, instance.GetName(), timeout)
	var timedOutError bool
	if !r.expect.get(t, "timed_out_error", &timedOutError) {
		t.Fatal("the case does not say whether the wait fails (timed_out_error)")
	}
	var status string
	if timedOutError {
		if current != nil {
			t.Errorf("the wait returned %v with its error", current)
		}
		if current = timedOutOne(t, err); current.GetName() != instance.GetName() {
			t.Errorf("the timeout names %s, not the instance waited for", current.GetName())
		}
	} else if err != nil {
		t.Fatalf("wait: %v", err)
	}
	if r.expect.get(t, "instance_status", &status) && current.GetStatus().String() != status {
		t.Errorf("instance status %v after waiting %v, want %s", current.GetStatus(), timeout, status)
	}
	r.stopAndWait(t, instance)
}

func execute(t *testing.T, r *runner) {
	var timedOut bool
	if !r.expect.get(t, "timed_out", &timedOut) {
		t.Fatal("the case does not say whether execute times out (timed_out)")
	}
	instance, err := r.client.ExecuteTask(r.ctx, r.c.Task.Type, r.c.Task.Parameters, r.timeout(t))
	if timedOut {
		if instance != nil {
			t.Errorf("execute returned %v with its error", instance)
		}
		instance = timedOutOne(t, err)
	} else if err != nil {
		t.Fatalf("execute: %v, want no error", err)
	}
	var instanceStatus string
	if r.expect.get(t, "instance_status", &instanceStatus) && instance.GetStatus().String() != instanceStatus {
		t.Errorf("instance status %v, want %s", instance.GetStatus(), instanceStatus)
	}
	if timedOut {
		// The timeout ends only the wait: the instance runs on until it is stopped.
		r.stopAndWait(t, instance)
		return
	}
	var successful bool
	if r.expect.get(t, "successful", &successful) && instance.GetSuccessful() != successful {
		t.Errorf("successful %v, want %v", instance.GetSuccessful(), successful)
	}
	r.checkResult(t, instance)
}

func notFound(t *testing.T, r *runner) {
	name := r.c.Instance
	calls := map[string]func() error{
		"get": func() error {
			_, err := r.client.GetInstance(r.ctx, name)
			return err
		},
		"watch": func() error {
			for _, err := range r.client.Watch(r.ctx, name) {
				if err != nil {
					return err
				}
			}
			return nil
		},
		"wait": func() error {
			_, err := r.client.Wait(r.ctx, name, time.Second)
			return err
		},
	}
	for call, fn := range calls {
		var want string
		if !r.expect.get(t, call, &want) {
			continue
		}
		wantCode, ok := code.Code_value[want]
		if !ok {
			t.Fatalf("unknown status code %q", want)
		}
		err := fn()
		if got := status.Code(err); got != codes.Code(wantCode) {
			t.Errorf("%s: %v, want %s", call, err, want)
		}
		if want == "NOT_FOUND" && !errors.Is(err, taskstream.ErrNotFound) {
			t.Errorf("%s: %v does not match ErrNotFound", call, err)
		}
	}
}

// terminated reports whether an instance is terminated.
func terminated(instance *pb.Instance) bool {
	return instance.GetStatus() == pb.InstanceStatus_INSTANCE_STATUS_TERMINATED
}

// checkInstance checks instance_status and successful.
func (r *runner) checkInstance(t *testing.T, instance *pb.Instance) {
	t.Helper()
	var (
		status     string
		successful bool
	)
	if r.expect.get(t, "instance_status", &status) && instance.GetStatus().String() != status {
		t.Errorf("instance status %v, want %s", instance.GetStatus(), status)
	}
	if r.expect.get(t, "successful", &successful) && instance.GetSuccessful() != successful {
		t.Errorf("successful %v, want %v", instance.GetSuccessful(), successful)
	}
}

func executeFailed(t *testing.T, r *runner) {
	instance, err := r.client.ExecuteTask(r.ctx, r.c.Task.Type, r.c.Task.Parameters, r.timeout(t))
	var failed *taskstream.InstanceFailedError
	if instance != nil || !errors.Is(err, taskstream.ErrInstanceFailed) || !errors.As(err, &failed) {
		t.Fatalf("execute = %v, %v, want a *taskstream.InstanceFailedError", instance, err)
	}
	r.checkInstance(t, failed.Instance)
	var str string
	if r.expect.get(t, "failed_task", &str) && failed.Task.GetName() != str {
		t.Errorf("failed task %q, want %q", failed.Task.GetName(), str)
	}
	if r.expect.get(t, "task_status", &str) && failed.Task.GetStatus().String() != str {
		t.Errorf("failed task's status %v, want %s", failed.Task.GetStatus(), str)
	}
	// The error unwraps to the task's own error.
	var taskErr *taskstream.TaskError
	hasTaskError := errors.As(err, &taskErr)
	if r.expect.get(t, "error_type_ends_with", &str) && (!hasTaskError || !strings.HasSuffix(taskErr.Type, str)) {
		t.Errorf("task error %v, want a type ending with %q", taskErr, str)
	}
	if r.expect.get(t, "error_message", &str) && (!hasTaskError || taskErr.Message != str) {
		t.Errorf("task error %v, want the message %q", taskErr, str)
	}
}

func listInstances(t *testing.T, r *runner) {
	if r.c.Count <= 0 || r.c.LabelKey == "" || r.c.PageSize <= 0 {
		t.Fatalf("count %d, label_key %q, page_size %d", r.c.Count, r.c.LabelKey, r.c.PageSize)
	}
	var statuses []pb.InstanceStatus
	for _, name := range r.c.Statuses {
		value, ok := pb.InstanceStatus_value[name]
		if !ok {
			t.Fatalf("unknown instance status %q", name)
		}
		statuses = append(statuses, pb.InstanceStatus(value))
	}
	labels := map[string]string{r.c.LabelKey: rand.Text()} // new to this run
	var created []string
	for range r.c.Count {
		instance := r.start(t, taskstream.WithLabels(labels))
		if _, err := r.client.Wait(r.ctx, instance.GetName(), caseTimeout); err != nil {
			t.Fatal(err)
		}
		created = append(created, instance.GetId())
	}
	var listed []string
	opts := &taskstream.ListInstancesOptions{Statuses: statuses, Labels: labels, PageSize: r.c.PageSize}
	for instance, err := range r.client.ListInstances(r.ctx, opts) {
		if err != nil {
			t.Fatalf("list after %v: %v", listed, err)
		}
		listed = append(listed, instance.GetId())
	}
	var (
		count              int
		sameIDs, newestFst bool
	)
	if r.expect.get(t, "count", &count) && len(listed) != count {
		t.Errorf("%d instances listed (%v), want %d", len(listed), listed, count)
	}
	if r.expect.get(t, "same_ids_as_created", &sameIDs) {
		same := slices.Equal(slices.Sorted(slices.Values(listed)), slices.Sorted(slices.Values(created)))
		if same != sameIDs {
			t.Errorf("listed %v, created %v: the same ids %v, want %v", listed, created, same, sameIDs)
		}
	}
	if r.expect.get(t, "newest_first", &newestFst) {
		descending := slices.IsSortedFunc(listed, func(a, b string) int { return strings.Compare(b, a) })
		if descending != newestFst {
			t.Errorf("ids %v newest first: %v, want %v", listed, descending, newestFst)
		}
	}
}

// readAll reads an output iteration to its end.
func readAll(t *testing.T, chunks func(func(taskstream.OutputChunk, error) bool)) []byte {
	t.Helper()
	var all []byte
	for chunk, err := range chunks {
		if err != nil {
			t.Fatalf("read output: %v", err)
		}
		all = append(all, chunk.Data...)
	}
	return all
}

func readOutput(t *testing.T, r *runner) {
	stream, ok := pb.OutputStream_value[r.c.Stream]
	if !ok || r.c.TailBytes <= 0 {
		t.Fatalf("stream %q, tail_bytes %d", r.c.Stream, r.c.TailBytes)
	}
	instance := r.start(t)
	opts := &taskstream.ReadOutputOptions{Stream: pb.OutputStream(stream), Follow: true}
	whole := readAll(t, r.client.ReadOutput(r.ctx, instance.GetName(), "", opts))
	var contains []string
	if r.expect.get(t, "contains", &contains) {
		for _, s := range contains {
			if !bytes.Contains(whole, []byte(s)) {
				t.Errorf("output %q does not contain %q", whole, s)
			}
		}
	}
	opts = &taskstream.ReadOutputOptions{Stream: pb.OutputStream(stream), Offset: -r.c.TailBytes}
	tail := readAll(t, r.client.ReadOutput(r.ctx, instance.GetName(), "", opts))
	var tailIsEnd bool
	if r.expect.get(t, "tail_is_end_of_whole", &tailIsEnd) {
		isEnd := int64(len(whole)) >= r.c.TailBytes && bytes.Equal(tail, whole[int64(len(whole))-r.c.TailBytes:])
		if isEnd != tailIsEnd {
			t.Errorf("tail %q of whole %q: the end %v, want %v", tail, whole, isEnd, tailIsEnd)
		}
	}
}

func logview(t *testing.T, r *runner) {
	instance := r.start(t)
	if _, err := r.client.Wait(r.ctx, instance.GetName(), caseTimeout); err != nil {
		t.Fatal(err)
	}
	address, err := r.client.LogviewAddress(r.ctx, instance.GetName(), r.c.Hours)
	if err != nil {
		t.Fatal(err)
	}
	var containsID bool
	if r.expect.get(t, "url_contains_instance_id", &containsID) && strings.Contains(address.URL, instance.GetId()) != containsID {
		t.Errorf("url %s contains the id %s: %v, want %v", address.URL, instance.GetId(), !containsID, containsID)
	}
	req, err := http.NewRequestWithContext(r.ctx, http.MethodGet, address.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	var code int
	if r.expect.get(t, "http_status", &code) && resp.StatusCode != code {
		t.Errorf("GET %s: %s, want %d", address.URL, resp.Status, code)
	}
}

func subInstances(t *testing.T, r *runner) {
	x := r.c.XFlow
	workflow := r.startTask(t, taskSpec{Type: "xflow." + x.Project + "." + x.Name, Parameters: x.Parameters})
	instance, err := r.client.Wait(r.ctx, workflow.GetName(), r.timeout(t))
	if err != nil {
		t.Fatal(err)
	}
	r.checkInstance(t, instance)
	if !instance.GetSuccessful() {
		// Say why, from the workflow's first unsuccessful task.
		t.Logf("the workflow did not succeed: %v", failure(instance))
	}
	var (
		names         []string
		allSuccessful = true
	)
	for sub, err := range r.client.ListSubInstances(r.ctx, workflow.GetName()) {
		if err != nil {
			t.Fatalf("list sub-instances after %v: %v", names, err)
		}
		names = append(names, sub.GetName())
		if !terminated(sub.GetInstance()) || !sub.GetInstance().GetSuccessful() {
			allSuccessful = false
			t.Logf("sub-instance %s: %v", sub.GetName(), failure(sub.GetInstance()))
		}
	}
	var (
		want       []string
		successful bool
	)
	if r.expect.get(t, "names", &want) && !slices.Equal(names, want) {
		t.Errorf("sub-instances %v, want %v", names, want)
	}
	if r.expect.get(t, "all_successful", &successful) && allSuccessful != successful {
		t.Errorf("every sub-instance successful: %v, want %v", allSuccessful, successful)
	}
}

// failure describes why an instance did not succeed: its status, or its first unsuccessful task's.
func failure(instance *pb.Instance) string {
	for _, task := range instance.GetTasks() {
		if task.GetStatus() != pb.TaskStatus_TASK_STATUS_SUCCESS {
			return fmt.Sprintf("task %s %v: %s: %s", task.GetName(), task.GetStatus(), task.GetError().GetType(), task.GetError().GetMessage())
		}
	}
	return instance.GetStatus().String()
}

func sqlRows(t *testing.T, r *runner) {
	if r.c.SQL == "" || r.c.PageSize <= 0 {
		t.Fatalf("sql %q, page_size %d", r.c.SQL, r.c.PageSize)
	}
	instance := r.startTask(t, taskSpec{Type: "sql", Parameters: map[string]any{"sql": r.c.SQL}})
	if _, err := r.client.WaitForSuccess(r.ctx, instance.GetName(), r.timeout(t)); err != nil {
		t.Fatal(err)
	}
	rows, err := r.client.ResultRows(r.ctx, instance.GetName(), "", r.c.PageSize)
	if err != nil {
		t.Fatal(err)
	}
	var all [][]any
	for row, err := range rows.All(r.ctx) {
		if err != nil {
			t.Fatalf("rows after %d: %v", len(all), err)
		}
		all = append(all, row)
	}
	var (
		columns []struct{ Name, Type string }
		count   int
		first   []any
	)
	if r.expect.get(t, "columns", &columns) {
		var got []struct{ Name, Type string }
		for _, c := range rows.Columns {
			got = append(got, struct{ Name, Type string }{c.Name, c.Type.String()})
		}
		if !slices.Equal(got, columns) {
			t.Errorf("columns %v, want %v", got, columns)
		}
	}
	if r.expect.get(t, "row_count", &count) && len(all) != count {
		t.Errorf("%d rows, want %d", len(all), count)
	}
	if r.expect.get(t, "first_row", &first) {
		if len(all) == 0 {
			t.Fatal("no first row")
		}
		// The cells as JSON values: an int64 and a float64 both become a JSON number.
		encoded, err := json.Marshal(all[0])
		if err != nil {
			t.Fatal(err)
		}
		var got []any
		if err := json.Unmarshal(encoded, &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, first) {
			t.Errorf("first row %v, want %v", got, first)
		}
	}
}

func suspendResume(t *testing.T, r *runner) {
	instance := r.start(t, taskstream.WithHold())
	held, err := r.client.GetInstance(r.ctx, instance.GetName())
	if err != nil {
		t.Fatal(err)
	}
	var str string
	if r.expect.get(t, "held_status", &str) && held.GetStatus().String() != str {
		t.Errorf("held instance's status %v, want %s", held.GetStatus(), str)
	}
	if r.expect.get(t, "held_task_status", &str) {
		if len(held.GetTasks()) != 1 || held.GetTasks()[0].GetStatus().String() != str {
			t.Errorf("held instance's tasks %v, want one %s", held.GetTasks(), str)
		}
	}
	if _, err := r.client.Resume(r.ctx, instance.GetName()); err != nil {
		t.Fatal(err)
	}
	final, err := r.client.Wait(r.ctx, instance.GetName(), r.timeout(t))
	if err != nil {
		t.Fatal(err)
	}
	r.checkInstance(t, final)
}

func waitMany(t *testing.T, r *runner) {
	quick := r.startTask(t, r.c.Quick)
	slow := r.startTask(t, r.c.Slow)
	t.Cleanup(func() {
		// Stop slow at the end, whatever happened.
		ctx, cancel := context.WithTimeout(context.Background(), caseTimeout)
		defer cancel()
		if _, err := r.client.Stop(ctx, slow.GetName(), pb.CancellationReason_CANCELLATION_REASON_UNSPECIFIED, ""); err != nil {
			t.Errorf("stop slow: %v", err)
		}
	})
	labels := map[string]string{quick.GetName(): "quick", slow.GetName(): "slow"}
	names := []string{quick.GetName(), slow.GetName()}
	instances, err := r.client.WaitAny(r.ctx, names, r.timeout(t))
	if err != nil && !errors.Is(err, taskstream.ErrWaitTimeout) {
		t.Fatal(err)
	}
	var (
		anyDone     bool
		want        []string
		allTimedOut bool
		allTimeout  float64
	)
	if r.expect.get(t, "any_done", &anyDone) && (err == nil) != anyDone {
		t.Errorf("wait for any: %v, want done %v", err, anyDone)
	}
	if r.expect.get(t, "any_terminated", &want) {
		var got []string
		for _, instance := range instances {
			if terminated(instance) {
				got = append(got, labels[instance.GetName()])
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("terminated after waiting for any: %v, want %v", got, want)
		}
	}
	if !r.expect.get(t, "all_timeout_seconds", &allTimeout) || allTimeout <= 0 {
		t.Fatal("the case has no all_timeout_seconds")
	}
	instances, err = r.client.WaitAll(r.ctx, names, time.Duration(allTimeout*float64(time.Second)))
	if r.expect.get(t, "all_timed_out_error", &allTimedOut) {
		isTimeout := errors.Is(err, taskstream.ErrWaitTimeout)
		if isTimeout != allTimedOut {
			t.Fatalf("wait for all = %v, %v: timed out %v, want %v", instances, err, isTimeout, allTimedOut)
		}
		// The timeout names the instances still running.
		if isTimeout {
			if timeout := timedOut(t, err); !slices.Equal(timeout.Names, []string{slow.GetName()}) {
				t.Errorf("the timeout names %v, want slow %s", timeout.Names, slow.GetName())
			}
		}
	}
}

func taskTypes(t *testing.T, r *runner) {
	types, err := r.client.ListTaskTypes(r.ctx)
	if err != nil {
		t.Fatal(err)
	}
	workers := map[string]int32{}
	for _, taskType := range types {
		workers[taskType.GetName()] = taskType.GetWorkerCount()
	}
	var (
		includes []string
		atLeast  int32
	)
	hasIncludes := r.expect.get(t, "includes", &includes)
	hasAtLeast := r.expect.get(t, "workers_at_least", &atLeast)
	for _, name := range includes {
		count, ok := workers[name]
		if hasIncludes && !ok {
			t.Errorf("task type %s is not listed (%v)", name, workers)
		}
		if hasAtLeast && ok && count < atLeast {
			t.Errorf("task type %s is offered by %d workers, want at least %d", name, count, atLeast)
		}
	}
}

// createTasks creates one instance of the case's tasks.
func (r *runner) createTasks(t *testing.T, tasks []taskSpec) *pb.Instance {
	t.Helper()
	var specs []taskstream.TaskSpec
	for _, task := range tasks {
		specs = append(specs, task.spec())
	}
	instance, err := r.client.CreateInstance(r.ctx, specs)
	if err != nil {
		t.Fatal(err)
	}
	return instance
}

func retryAttempts(t *testing.T, r *runner) {
	p := r.c.RetryPolicy
	spec := r.c.Task.spec()
	spec.Retry = &taskstream.TaskRetryPolicy{
		MaxAttempts:            p.MaxAttempts,
		InitialBackoff:         time.Duration(p.InitialBackoffSeconds * float64(time.Second)),
		BackoffMultiplier:      p.BackoffMultiplier,
		NonRetryableErrorTypes: p.NonRetryableErrorTypes,
	}
	instance, err := r.client.CreateInstance(r.ctx, []taskstream.TaskSpec{spec})
	if err != nil {
		t.Fatal(err)
	}
	if instance, err = r.client.Wait(r.ctx, instance.GetName(), r.timeout(t)); err != nil {
		t.Fatal(err)
	}
	result := r.checkResult(t, instance)
	var (
		attempts int32
		statuses []string
		suffix   string
	)
	if r.expect.get(t, "attempts", &attempts) && result.Task.GetAttempts() != attempts {
		t.Errorf("%d attempts, want %d", result.Task.GetAttempts(), attempts)
	}
	history := result.AttemptHistory()
	if r.expect.get(t, "attempt_history_statuses", &statuses) {
		var got []string
		for _, a := range history {
			got = append(got, a.Status.String())
		}
		if !slices.Equal(got, statuses) {
			t.Errorf("attempt history statuses %v, want %v", got, statuses)
		}
	}
	if r.expect.get(t, "attempt_error_type_ends_with", &suffix) {
		for _, a := range history {
			if a.Err == nil || !strings.HasSuffix(a.Err.Type, suffix) {
				t.Errorf("attempt %d's error %v, want a type ending with %q", a.Number, a.Err, suffix)
			}
		}
	}
}

// checkTasks checks task_statuses, results_json and cancellation_reasons of a terminated instance's
// tasks, by name.
func (r *runner) checkTasks(t *testing.T, instance *pb.Instance) {
	t.Helper()
	tasks := map[string]*pb.Task{}
	for _, task := range instance.GetTasks() {
		tasks[task.GetName()] = task
	}
	named := func(name string) *pb.Task {
		t.Helper()
		task, ok := tasks[name]
		if !ok {
			t.Fatalf("the instance has no task %q", name)
		}
		return task
	}
	var (
		statuses, reasons map[string]string
		results           map[string]any
	)
	if r.expect.get(t, "task_statuses", &statuses) {
		for name, want := range statuses {
			if got := named(name).GetStatus().String(); got != want {
				t.Errorf("task %s: status %s, want %s", name, got, want)
			}
		}
	}
	if r.expect.get(t, "results_json", &results) {
		for name, want := range results {
			result, err := r.client.Result(r.ctx, instance.GetName(), name)
			if err != nil {
				t.Fatal(err)
			}
			var got any
			if err := result.Decode(&got); err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("task %s: result %v (%v), want %v", name, got, err, want)
			}
		}
	}
	if r.expect.get(t, "cancellation_reasons", &reasons) {
		for name, want := range reasons {
			if got := named(name).GetCancellation().GetReason().String(); got != want {
				t.Errorf("task %s: cancellation reason %s, want %s", name, got, want)
			}
		}
	}
}

func dependencies(t *testing.T, r *runner) {
	if len(r.c.Tasks) < 2 {
		t.Fatalf("%d tasks", len(r.c.Tasks))
	}
	instance := r.createTasks(t, r.c.Tasks)
	instance, err := r.client.Wait(r.ctx, instance.GetName(), r.timeout(t))
	if err != nil {
		t.Fatal(err)
	}
	r.checkInstance(t, instance)
	r.checkTasks(t, instance)
	// The first two tasks, each depending on the other, make a cycle.
	first, second := r.c.Tasks[0].spec(), r.c.Tasks[1].spec()
	first.DependsOn = []taskstream.Dependency{{Task: second.Name}}
	second.DependsOn = []taskstream.Dependency{{Task: first.Name}}
	cyclic, err := r.client.CreateInstance(r.ctx, []taskstream.TaskSpec{first, second})
	var apiErr *taskstream.APIError
	if !errors.Is(err, taskstream.ErrInvalidArgument) || !errors.As(err, &apiErr) {
		t.Fatalf("create of a cycle = %v, %v, want an INVALID_ARGUMENT", cyclic, err)
	}
	var field string
	if r.expect.get(t, "cycle_field", &field) {
		var fields []string
		for _, v := range apiErr.FieldViolations {
			fields = append(fields, v.Field)
		}
		if !slices.Equal(fields, []string{field}) {
			t.Errorf("field violations %v, want [%s]", fields, field)
		}
	}
}

// runningTask reports whether an event shows the named task RUNNING.
func runningTask(ev taskstream.Event, name string) bool {
	switch ev := ev.(type) {
	case *taskstream.TaskStatusChanged:
		return ev.Task.GetName() == name && ev.Status == pb.TaskStatus_TASK_STATUS_RUNNING
	case *taskstream.Snapshot:
		for _, task := range ev.Instance.GetTasks() {
			if task.GetName() == name && task.GetStatus() == pb.TaskStatus_TASK_STATUS_RUNNING {
				return true
			}
		}
	}
	return false
}

func cancelTaskAndDelete(t *testing.T, r *runner) {
	cancel := r.c.Cancel
	instance := r.createTasks(t, r.c.Tasks)
	current, err := r.client.GetInstance(r.ctx, instance.GetName())
	if err != nil {
		t.Fatal(err)
	}
	var before map[string]string
	if r.expect.get(t, "waiting_reason_before", &before) {
		reasons := map[string]string{}
		for _, task := range current.GetTasks() {
			reasons[task.GetName()] = task.GetWaitingReason().String()
		}
		for name, want := range before {
			if reasons[name] != want {
				t.Errorf("task %s waits with reason %q, want %s", name, reasons[name], want)
			}
		}
	}
	sawRunning := false
	for ev, err := range r.client.Watch(r.ctx, instance.GetName()) {
		if err != nil {
			t.Fatalf("watch: %v", err)
		}
		if runningTask(ev, cancel.Task) {
			sawRunning = true
			break
		}
	}
	if !sawRunning {
		t.Fatalf("the watch ended before %s was RUNNING", cancel.Task)
	}
	if _, err := r.client.CancelTask(r.ctx, instance.GetName(), cancel.Task, &taskstream.CancelTaskOptions{Message: cancel.Message}); err != nil {
		t.Fatal(err)
	}
	final, err := r.client.Wait(r.ctx, instance.GetName(), r.timeout(t))
	if err != nil {
		t.Fatal(err)
	}
	r.checkTasks(t, final)
	for _, task := range final.GetTasks() {
		if task.GetName() == cancel.Task && task.GetCancellation().GetMessage() != cancel.Message {
			t.Errorf("task %s's cancellation message %q, want %q", cancel.Task, task.GetCancellation().GetMessage(), cancel.Message)
		}
	}
	if err := r.client.DeleteInstance(r.ctx, instance.GetName()); err != nil {
		t.Fatal(err)
	}
	_, err = r.client.GetInstance(r.ctx, instance.GetName())
	var (
		apiErr       *taskstream.APIError
		code, reason string
	)
	if !errors.As(err, &apiErr) {
		t.Fatalf("get after the delete: %v, want a failed call", err)
	}
	if r.expect.get(t, "after_delete_code", &code) && codeName(apiErr.Code) != code {
		t.Errorf("get after the delete: %v, want %s", err, code)
	}
	if r.expect.get(t, "after_delete_reason", &reason) && apiErr.Reason != reason {
		t.Errorf("get after the delete: reason %q, want %s", apiErr.Reason, reason)
	}
}

// codeName is a status code's canonical name, such as NOT_FOUND.
func codeName(c codes.Code) string {
	return code.Code_name[int32(c)]
}

// projectChange is a change of a project watch as the scenario writes it.
type projectChange struct {
	Change     string `json:"change"`
	Status     string `json:"status"`
	Successful bool   `json:"successful"`
}

func watchInstances(t *testing.T, r *runner) {
	labels := map[string]string{r.c.LabelKey: rand.Text()} // new to this run
	first := r.startTask(t, r.c.Task, taskstream.WithLabels(labels))
	if _, err := r.client.Wait(r.ctx, first.GetName(), caseTimeout); err != nil {
		t.Fatal(err)
	}
	opts := &taskstream.WatchInstancesOptions{Labels: labels, TaskTypes: []string{r.c.Task.Type}}
	ctx, cancel := context.WithCancel(r.ctx)
	defer cancel()
	var (
		snapshot *taskstream.ProjectSnapshot
		seen     []projectChange
		seqs     []int64
		second   *pb.Instance
	)
	for ev, err := range r.client.WatchInstances(ctx, opts) {
		if err != nil {
			t.Fatal(err)
		}
		if snapshot == nil {
			s, ok := ev.(*taskstream.ProjectSnapshot)
			if !ok {
				t.Fatalf("the first item is a %T, not a snapshot", ev)
			}
			snapshot = s
			r.startTask(t, r.c.OtherTask, taskstream.WithLabels(labels))
			second = r.startTask(t, r.c.Task, taskstream.WithLabels(labels))
			continue
		}
		var change projectChange
		var instance *pb.InstanceSummary
		switch ev := ev.(type) {
		case *taskstream.InstanceCreated:
			change.Change, instance = "instance_created", ev.Instance
			seqs = append(seqs, ev.Seq)
		case *taskstream.InstanceStatusUpdated:
			change.Change, instance = "instance_status_changed", ev.Instance
			seqs = append(seqs, ev.Seq)
		default:
			t.Fatalf("unexpected %T after the snapshot", ev)
		}
		if id := instance.GetInstance().GetId(); id != second.GetId() {
			t.Fatalf("a change of %s, not of the second instance %s", id, second.GetId())
		}
		change.Status = instance.GetInstance().GetStatus().String()
		change.Successful = instance.GetInstance().GetSuccessful()
		seen = append(seen, change)
		if change.Change == "instance_status_changed" && change.Status == pb.InstanceStatus_INSTANCE_STATUS_TERMINATED.String() {
			break
		}
	}
	var (
		count    int
		status   string
		types    []string
		changes  []projectChange
		resumedK string
	)
	if r.expect.get(t, "snapshot_instances", &count) && len(snapshot.Instances) != count {
		t.Fatalf("a snapshot of %d instances, want %d", len(snapshot.Instances), count)
	}
	shown := snapshot.Instances[0]
	if shown.GetInstance().GetId() != first.GetId() {
		t.Errorf("the snapshot shows %s, not %s", shown.GetInstance().GetId(), first.GetId())
	}
	if r.expect.get(t, "snapshot_status", &status) && shown.GetInstance().GetStatus().String() != status {
		t.Errorf("snapshot status %s, want %s", shown.GetInstance().GetStatus(), status)
	}
	if r.expect.get(t, "snapshot_task_types", &types) && !slices.Equal(shown.GetTaskTypes(), types) {
		t.Errorf("snapshot task types %v, want %v", shown.GetTaskTypes(), types)
	}
	if r.expect.get(t, "changes", &changes) && !slices.Equal(seen, changes) {
		t.Errorf("changes %+v, want %+v", seen, changes)
	}
	for i, seq := range seqs {
		if (i == 0 && seq <= snapshot.Seq) || (i > 0 && seq <= seqs[i-1]) {
			t.Errorf("change seqs %v do not increase from the snapshot's %d", seqs, snapshot.Seq)
		}
	}
	cancel()
	resumed := &taskstream.WatchInstancesOptions{Labels: labels, TaskTypes: []string{r.c.Task.Type}, AfterSeq: seqs[0]}
	for ev, err := range r.client.WatchInstances(r.ctx, resumed) {
		if err != nil {
			t.Fatal(err)
		}
		got := "event"
		if _, ok := ev.(*taskstream.ProjectSnapshot); ok {
			got = "snapshot"
		}
		if r.expect.get(t, "resumed_first_message", &resumedK) && got != resumedK {
			t.Fatalf("the resumed watch starts with a %s, want %s", got, resumedK)
		}
		if u, ok := ev.(*taskstream.InstanceStatusUpdated); !ok || u.Seq != seqs[1] {
			t.Fatalf("the resumed watch starts with %+v, want the change of seq %d", ev, seqs[1])
		}
		break
	}
}
