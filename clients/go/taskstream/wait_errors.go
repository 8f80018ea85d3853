package taskstream

import (
	"fmt"
	"strings"
	"time"

	pb "github.com/taskstream/taskstream/clients/go/gen/taskstream/v1"
)

// WaitTimeoutError is a wait that ran out of time before the instances it waited for terminated. The
// instances run on; only the wait ended. It matches ErrWaitTimeout with errors.Is:
//
//	_, err := client.Wait(ctx, id, time.Minute)
//	var timedOut *taskstream.WaitTimeoutError
//	if errors.As(err, &timedOut) {
//		fmt.Println(timedOut.Instance().GetStatus()) // INSTANCE_STATUS_RUNNING
//	}
type WaitTimeoutError struct {
	// Names are the resource names of the instances that were not terminated when the time ran out.
	Names []string
	// Instances are the instances waited for as the last answer had them, in the order they were named.
	Instances []*pb.Instance
	// Timeout is the wait's timeout.
	Timeout time.Duration
}

// newWaitTimeoutError is the error of a wait for instances (as last seen) that ran out of timeout.
func newWaitTimeoutError(instances []*pb.Instance, timeout time.Duration) *WaitTimeoutError {
	e := &WaitTimeoutError{Instances: instances, Timeout: timeout}
	for _, instance := range instances {
		if instance.GetStatus() != pb.InstanceStatus_INSTANCE_STATUS_TERMINATED {
			e.Names = append(e.Names, instance.GetName())
		}
	}
	return e
}

// Error says which instances did not terminate in time.
func (e *WaitTimeoutError) Error() string {
	what := "no instance"
	switch len(e.Names) {
	case 0:
	case 1:
		what = e.Names[0]
	default:
		what = fmt.Sprintf("%d instances (%s)", len(e.Names), strings.Join(e.Names, ", "))
	}
	verb := "is"
	if len(e.Names) > 1 {
		verb = "are"
	}
	return fmt.Sprintf("taskstream: wait timed out: %s %s not terminated after %v", what, verb, e.Timeout)
}

// Is reports whether target is ErrWaitTimeout.
func (e *WaitTimeoutError) Is(target error) bool {
	return target == ErrWaitTimeout
}

// Instance returns the first instance that was not terminated, as last seen: for Wait and Execute, the
// instance waited for. It is nil when no answer had one.
func (e *WaitTimeoutError) Instance() *pb.Instance {
	for _, instance := range e.Instances {
		if instance.GetStatus() != pb.InstanceStatus_INSTANCE_STATUS_TERMINATED {
			return instance
		}
	}
	return nil
}

// InstanceFailedError is an instance that terminated without every task succeeding, returned by the calls
// that wait for success (Execute, ExecuteTask, WaitForSuccess); Wait returns such an instance without an
// error. It matches ErrInstanceFailed with errors.Is, and unwraps to the failed task's *TaskError when
// the task has one (a cancelled task has none):
//
//	_, err := client.ExecuteTask(ctx, "fail", nil, time.Minute)
//	var failed *taskstream.InstanceFailedError
//	if errors.As(err, &failed) {
//		fmt.Println(failed.Task.GetName(), failed.Task.GetStatus(), failed.Task.GetError().GetMessage())
//	}
type InstanceFailedError struct {
	// Instance is the terminated instance.
	Instance *pb.Instance
	// Task is the instance's first task, in task order, that did not succeed, with its status, error
	// and cancellation; nil only if the answer carried no such task.
	Task *pb.Task
}

// instanceFailed returns the error for a terminated instance that was not successful, and nil for a
// successful one.
func instanceFailed(instance *pb.Instance) error {
	if instance.GetSuccessful() {
		return nil
	}
	e := &InstanceFailedError{Instance: instance}
	for _, task := range instance.GetTasks() {
		if task.GetStatus() != pb.TaskStatus_TASK_STATUS_SUCCESS {
			e.Task = task
			break
		}
	}
	return e
}

// Error names the instance, the task and its status, then the task's error or cancellation message.
func (e *InstanceFailedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "taskstream: instance %s failed", e.Instance.GetName())
	if e.Task == nil {
		return b.String()
	}
	fmt.Fprintf(&b, ": task %s is %s", e.Task.GetName(), e.Task.GetStatus())
	if taskErr := taskError(e.Task); taskErr != nil {
		fmt.Fprintf(&b, ": %s", taskErr)
	} else if message := e.Task.GetCancellation().GetMessage(); message != "" {
		fmt.Fprintf(&b, ": %s", message)
	}
	return b.String()
}

// Is reports whether target is ErrInstanceFailed.
func (e *InstanceFailedError) Is(target error) bool {
	return target == ErrInstanceFailed
}

// Unwrap returns the failed task's *TaskError, or nil when it has none.
func (e *InstanceFailedError) Unwrap() error {
	if taskErr := taskError(e.Task); taskErr != nil {
		return taskErr
	}
	return nil
}
