package taskstream

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	pb "github.com/taskstream/taskstream/clients/go/gen/taskstream/v1"
)

// ErrNoResult is returned by TaskResult.Decode when the task handed back no value of a kind it can
// decode (it failed, was cancelled before returning, or returned bytes or a Python-only object).
var ErrNoResult = errors.New("taskstream: the task returned no JSON or text value")

// TaskResult is everything a task handed back.
type TaskResult struct {
	// Task is the task with its status, error, cancellation and properties.
	Task *pb.Task
	// Value is the value it returned; nil when it returned nothing usable.
	Value *pb.Result
	// Stdout and Stderr are its captured output; when cut, the head and tail joined by a marker line.
	Stdout, Stderr []byte
}

// Result returns what one task of an instance handed back. An empty task name picks the instance's only
// task (ErrInvalidArgument when it has several).
func (c *Client) Result(ctx context.Context, instance, task string) (*TaskResult, error) {
	req := &pb.GetTaskResultRequest{Instance: c.InstanceName(instance), Task: task}
	resp, err := c.rpc.GetTaskResult(ctx, req)
	if err != nil {
		return nil, callError(err)
	}
	return &TaskResult{Task: resp.GetTask(), Value: resp.GetResult(), Stdout: resp.GetStdout(), Stderr: resp.GetStderr()}, nil
}

// Status returns the task's status.
func (r *TaskResult) Status() pb.TaskStatus {
	return r.Task.GetStatus()
}

// Decode stores the task's return value in v with encoding/json: a JSON value as it is, and a text value
// (a string the task returned, or a SQL result's CSV) as a JSON string, so it decodes into a *string or
// an *any. Other values (bytes, Python objects) and no value give ErrNoResult; Value has them.
func (r *TaskResult) Decode(v any) error {
	switch kind := r.Value.GetKind().(type) {
	case *pb.Result_Json:
		return json.Unmarshal([]byte(kind.Json), v)
	case *pb.Result_Text:
		text, err := json.Marshal(kind.Text)
		if err != nil {
			return err
		}
		return json.Unmarshal(text, v)
	}
	return ErrNoResult
}

// WaitingReason returns why the task waits while it is WAITING or INTERRUPTED (QUEUED, DEPENDENCY,
// SCHEDULED, BACKOFF, CONCURRENCY_LIMIT, ...), and WAITING_REASON_UNSPECIFIED otherwise.
func (r *TaskResult) WaitingReason() pb.WaitingReason {
	return r.Task.GetWaitingReason()
}

// WaitingOn returns, while the task waits with reason DEPENDENCY, the names of the tasks it depends on
// that have not ended yet (in the order it names them); nil otherwise.
func (r *TaskResult) WaitingOn() []string {
	return r.Task.GetWaitingOn()
}

// Attempt is one earlier attempt of a task, which its retry policy retried.
type Attempt struct {
	// Number counts the task's attempts from 1, as Task.attempts does.
	Number int32
	// Status is how it ended: FAILED, ENVIRONMENT_ERROR or TIMED_OUT.
	Status pb.TaskStatus
	// Worker is the worker that ran it.
	Worker string
	// StartTime and EndTime are when it started running and when it ended; zero when not recorded.
	StartTime, EndTime time.Time
	// Err is why it failed; nil when no error was recorded.
	Err *TaskError
	// Value is what it returned, if anything.
	Value *pb.Result
}

// AttemptHistory returns the task's earlier attempts that its retry policy retried, oldest first (the
// current attempt is the task itself).
func (r *TaskResult) AttemptHistory() []Attempt {
	var attempts []Attempt
	for _, a := range r.Task.GetAttemptHistory() {
		attempt := Attempt{Number: a.GetAttempt(), Status: a.GetStatus(), Worker: a.GetWorker(), Value: a.GetResult()}
		if a.GetStartTime() != nil {
			attempt.StartTime = a.GetStartTime().AsTime()
		}
		if a.GetEndTime() != nil {
			attempt.EndTime = a.GetEndTime().AsTime()
		}
		attempt.Err = newTaskError(a.GetError())
		attempts = append(attempts, attempt)
	}
	return attempts
}

// Properties returns the task's properties (kept even when it fails), each a string, int64, float64
// or []byte.
func (r *TaskResult) Properties() map[string]any {
	properties := make(map[string]any, len(r.Task.GetProperties()))
	for key, value := range r.Task.GetProperties() {
		properties[key] = PropertyValue(value)
	}
	return properties
}

// Err returns the task's own error as a *TaskError when it failed (FAILED, ENVIRONMENT_ERROR, TIMED_OUT),
// and nil otherwise. The call itself succeeded: this is what the task raised.
func (r *TaskResult) Err() error {
	if taskErr := taskError(r.Task); taskErr != nil {
		return taskErr
	}
	return nil
}

// taskError is the task's error, or nil when it has none.
func taskError(task *pb.Task) *TaskError {
	return newTaskError(task.GetError())
}

// newTaskError is the *TaskError of an error message, or nil for none.
func newTaskError(e *pb.TaskError) *TaskError {
	if e == nil {
		return nil
	}
	return &TaskError{Type: e.GetType(), Message: e.GetMessage(), Traceback: e.GetTraceback()}
}

// TaskError is why a task did not succeed: the exception it raised, or a taskstream reason such as
// "taskstream.ProcessCrashed".
type TaskError struct {
	// Type is the exception's qualified type name, for example "builtins.ValueError".
	Type string
	// Message is the error message.
	Message string
	// Traceback is the formatted traceback, when there was one.
	Traceback string
}

// Error returns "<type>: <message>".
func (e *TaskError) Error() string {
	return e.Type + ": " + e.Message
}

// PropertyValue returns the Go value of a task property: a string, int64, float64 or []byte (nil when
// unset).
func PropertyValue(v *pb.PropertyValue) any {
	switch kind := v.GetKind().(type) {
	case *pb.PropertyValue_StringValue:
		return kind.StringValue
	case *pb.PropertyValue_IntValue:
		return kind.IntValue
	case *pb.PropertyValue_DoubleValue:
		return kind.DoubleValue
	case *pb.PropertyValue_BytesValue:
		return kind.BytesValue
	}
	return nil
}
