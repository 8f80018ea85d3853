package conformance_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
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

type scenarioCase struct {
	Name   string `json:"name"`
	Action string `json:"action"`
	Task   struct {
		Type       string         `json:"type"`
		Parameters map[string]any `json:"parameters"`
		Hold       bool           `json:"hold"`
	} `json:"task"`
	Stop struct {
		Reason  string `json:"reason"`
		Message string `json:"message"`
	} `json:"stop"`
	ResumeAfter    string                     `json:"resume_after"`
	TimeoutSeconds float64                    `json:"timeout_seconds"`
	Instance       string                     `json:"instance"`
	Expect         map[string]json.RawMessage `json:"expect"`
}

// A harness implements each action of the scenario once.
var actions = map[string]func(*testing.T, *runner){
	"watch_to_end":        watchToEnd,
	"run_and_read_result": runAndReadResult,
	"stop_when_running":   stopWhenRunning,
	"resume_watch":        resumeWatch,
	"wait_with_timeout":   waitWithTimeout,
	"execute":             execute,
	"not_found":           notFound,
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
			ctx, cancel := context.WithTimeout(context.Background(), caseTimeout)
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
func (r *runner) start(t *testing.T) *pb.Instance {
	t.Helper()
	var opts []taskstream.CreateOption
	if r.c.Task.Hold {
		opts = append(opts, taskstream.WithHold())
	}
	instance, err := r.client.RunTask(r.ctx, r.c.Task.Type, r.c.Task.Parameters, opts...)
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
			req := &pb.ResumeInstanceRequest{Name: instance.GetName()}
			if _, err := r.client.InstanceService().ResumeInstance(r.ctx, req); err != nil {
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

// checkResult reads the task's result and checks what the case expects of it.
func (r *runner) checkResult(t *testing.T, instance *pb.Instance) {
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

func waitWithTimeout(t *testing.T, r *runner) {
	instance := r.start(t)
	timeout := r.timeout(t)
	current, err := r.client.Wait(r.ctx, instance.GetName(), timeout)
	isTerminated := err == nil && current.GetStatus() == pb.InstanceStatus_INSTANCE_STATUS_TERMINATED
	if err != nil && !errors.Is(err, taskstream.ErrWaitTimeout) {
		t.Fatal(err)
	}
	var terminated bool
	if r.expect.get(t, "terminated", &terminated) && isTerminated != terminated {
		t.Errorf("terminated %v after waiting %v (%v), want %v", isTerminated, timeout, err, terminated)
	}
	r.stopAndWait(t, instance)
}

func execute(t *testing.T, r *runner) {
	var timedOut bool
	if !r.expect.get(t, "timed_out", &timedOut) {
		t.Fatal("the case does not say whether execute times out (timed_out)")
	}
	instance, err := r.client.ExecuteTask(r.ctx, r.c.Task.Type, r.c.Task.Parameters, r.timeout(t))
	if (timedOut && !errors.Is(err, taskstream.ErrWaitTimeout)) || (!timedOut && err != nil) {
		t.Fatalf("execute: %v, want timed out %v", err, timedOut)
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
