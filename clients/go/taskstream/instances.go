package taskstream

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	pb "github.com/taskstream/taskstream/clients/go/gen/taskstream/v1"
)

// TaskSpec is one task of a new instance.
type TaskSpec struct {
	// Name is the task's name, unique in its instance; empty lets the server derive one from Type.
	Name string
	// Type is a registered task type, as ListTaskTypes lists them.
	Type string
	// Parameters are encoded with encoding/json and must encode to a JSON object (a map or a struct);
	// the handler is called with them as keyword arguments. Nil means none.
	Parameters any
	// Timeout is the longest the task may run before it ends TIMED_OUT; 0 means the instance's default.
	Timeout time.Duration
	// Retry retries an attempt that fails; nil means the instance's WithTaskRetry, and without that
	// a task that fails is not retried.
	Retry *TaskRetryPolicy
	// DependsOn names tasks of the same instance that must end before this one starts: until then it
	// waits with reason DEPENDENCY. One that does not succeed cancels this task (reason CONSEQUENTIAL)
	// unless its Dependency allows the failure. Name the tasks depended on (Name).
	DependsOn []Dependency
	// ConcurrencyKey and ConcurrencyLimit: at most ConcurrencyLimit tasks sharing the key run at once,
	// across instances and projects; the others wait with reason CONCURRENCY_LIMIT. A key needs a
	// limit of 1 or more.
	ConcurrencyKey   string
	ConcurrencyLimit int32
}

// CreateOption sets an option of a new instance.
type CreateOption func(*pb.CreateInstanceRequest)

// WithPriority sets the instance's priority, 0 to 9; a smaller number runs first (9 otherwise).
func WithPriority(priority int32) CreateOption {
	return func(r *pb.CreateInstanceRequest) { r.Priority = &priority }
}

// WithLabels sets labels to filter the instances by later.
func WithLabels(labels map[string]string) CreateOption {
	return func(r *pb.CreateInstanceRequest) { r.Labels = labels }
}

// WithRequestID sets an idempotency key: a retry with the same key returns the instance the first call
// created, so a CreateInstance that failed with ErrUnavailable can be retried safely.
func WithRequestID(id string) CreateOption {
	return func(r *pb.CreateInstanceRequest) { r.RequestId = id }
}

// WithCancelOnTaskFailure makes a failing task cancel the instance's other tasks (reason CONSEQUENTIAL).
func WithCancelOnTaskFailure() CreateOption {
	return func(r *pb.CreateInstanceRequest) { options(r).CancelOnTaskFailure = true }
}

// WithTaskTimeout sets the default timeout of every task of the instance.
func WithTaskTimeout(timeout time.Duration) CreateOption {
	return func(r *pb.CreateInstanceRequest) { options(r).TaskTimeout = durationpb.New(timeout) }
}

// WithHold creates the instance SUSPENDED with its tasks held, so that a Watch can start before anything
// runs; the instance starts when it is resumed (Resume).
func WithHold() CreateOption {
	return func(r *pb.CreateInstanceRequest) { r.Hold = true }
}

func options(r *pb.CreateInstanceRequest) *pb.InstanceOptions {
	if r.Options == nil {
		r.Options = &pb.InstanceOptions{}
	}
	return r.Options
}

// CreateInstance starts an instance of tasks, which run in parallel, and returns it without waiting.
func (c *Client) CreateInstance(ctx context.Context, tasks []TaskSpec, opts ...CreateOption) (*pb.Instance, error) {
	req, err := c.createRequest(tasks, opts)
	if err != nil {
		return nil, err
	}
	resp, err := c.rpc.CreateInstance(ctx, req)
	if err != nil {
		return nil, callError(err)
	}
	return resp.GetInstance(), nil
}

// createRequest is the CreateInstanceRequest of tasks and opts, or an error for what cannot be sent.
func (c *Client) createRequest(tasks []TaskSpec, opts []CreateOption) (*pb.CreateInstanceRequest, error) {
	if len(tasks) == 0 {
		return nil, fmt.Errorf("taskstream: an instance needs at least one task")
	}
	req := &pb.CreateInstanceRequest{Parent: "projects/" + c.project}
	for i, task := range tasks {
		spec := &pb.TaskSpec{Name: task.Name, Type: task.Type}
		if task.Parameters != nil {
			params, err := json.Marshal(task.Parameters)
			if err != nil {
				return nil, fmt.Errorf("taskstream: the parameters of task %d: %w", i, err)
			}
			spec.ParametersJson = string(params)
		}
		if task.Timeout > 0 {
			spec.Timeout = durationpb.New(task.Timeout)
		}
		spec.RetryPolicy = task.Retry.proto()
		for _, d := range task.DependsOn {
			spec.Dependencies = append(spec.Dependencies, &pb.TaskDependency{Task: d.Task, AllowFailure: d.AllowFailure})
		}
		spec.ConcurrencyKey, spec.ConcurrencyLimit = task.ConcurrencyKey, task.ConcurrencyLimit
		req.Tasks = append(req.Tasks, spec)
	}
	for _, opt := range opts {
		opt(req)
	}
	return req, nil
}

// RunTask starts an instance of one task of the given type and returns it without waiting.
func (c *Client) RunTask(ctx context.Context, taskType string, parameters any, opts ...CreateOption) (*pb.Instance, error) {
	return c.CreateInstance(ctx, []TaskSpec{{Type: taskType, Parameters: parameters}}, opts...)
}

// maxCreateWait is the longest wait one Execute asks of its CreateInstance call; the rest of a longer
// wait is WaitInstance long polls. It is shorter than maxServerWait because the create is not retried:
// a connection dropped during a long create would fail Execute while its instance runs on, and proxies
// often cut calls idle for a minute or more. A WaitInstance that fails that way is simply retried.
const maxCreateWait = time.Minute

// createWaitMargin is how long past its wait the waiting CreateInstance may take before its own deadline
// ends it: the server answers when the wait passes, so this only covers a slow network or server.
const createWaitMargin = 30 * time.Second

// Execute starts an instance of tasks and waits until it terminates successfully, as CreateInstance and
// then WaitForSuccess would, but the create's own call waits first (CreateInstanceRequest.wait_timeout, up
// to a minute): an instance that terminates within that wait costs one round trip. A server that does
// not wait in the create answers at once; Execute then goes on with Wait's long polls.
//
// It returns the terminated instance when every task succeeded. An instance that terminated otherwise
// gives an *InstanceFailedError (errors.Is(err, ErrInstanceFailed)) that carries it and its first task
// that did not succeed. A timeout > 0 bounds the whole call: when it passes first, Execute returns a
// *WaitTimeoutError (errors.Is(err, ErrWaitTimeout)) that carries the instance as it was then, which runs
// on; with timeout 0 it waits until ctx is done.
//
// The create itself is not retried: when it fails, the instance may or may not exist. With WithRequestID
// an Execute that failed can be called again with the same arguments, which returns (and waits for) the
// instance the first call created instead of starting another. Once the instance exists, transient
// failures of the wait are retried as the client's RetryPolicy says.
func (c *Client) Execute(ctx context.Context, tasks []TaskSpec, timeout time.Duration, opts ...CreateOption) (*pb.Instance, error) {
	req, err := c.createRequest(tasks, opts)
	if err != nil {
		return nil, err
	}
	deadline := waitDeadline(timeout)
	wait := nextWait(deadline, maxCreateWait)
	req.WaitTimeout = durationpb.New(wait)
	// The call's deadline lets the server wait the whole wait; a sooner deadline of ctx still wins, and
	// the server then answers before it.
	createCtx, cancel := context.WithTimeout(ctx, wait+createWaitMargin)
	defer cancel()
	resp, err := c.rpc.CreateInstance(createCtx, req)
	if err != nil {
		return nil, callError(err)
	}
	// The create's answer counts as Wait's first long poll.
	instance := resp.GetInstance()
	if !resp.GetTerminated() {
		if passed(deadline) {
			return nil, newWaitTimeoutError([]*pb.Instance{instance}, timeout)
		}
		if instance, err = c.waitUntil(ctx, instance.GetName(), deadline, timeout); err != nil {
			return nil, err
		}
	}
	if err := instanceFailed(instance); err != nil {
		return nil, err
	}
	return instance, nil
}

// ExecuteTask runs an instance of one task of the given type and waits until it terminates successfully,
// as Execute.
func (c *Client) ExecuteTask(ctx context.Context, taskType string, parameters any, timeout time.Duration, opts ...CreateOption) (*pb.Instance, error) {
	return c.Execute(ctx, []TaskSpec{{Type: taskType, Parameters: parameters}}, timeout, opts...)
}

// GetInstance returns an instance (its resource name or its id in the client's project) with its tasks'
// statuses and progress.
func (c *Client) GetInstance(ctx context.Context, name string) (*pb.Instance, error) {
	resp, err := c.rpc.GetInstance(ctx, &pb.GetInstanceRequest{Name: c.InstanceName(name)})
	if err != nil {
		return nil, callError(err)
	}
	return resp.GetInstance(), nil
}

// Suspend suspends a RUNNING instance: its waiting tasks are held and its running ones paused. Any other
// status gives ErrFailedPrecondition.
func (c *Client) Suspend(ctx context.Context, name string) (*pb.Instance, error) {
	resp, err := c.rpc.SuspendInstance(ctx, &pb.SuspendInstanceRequest{Name: c.InstanceName(name)})
	if err != nil {
		return nil, callError(err)
	}
	return resp.GetInstance(), nil
}

// Resume resumes a SUSPENDED instance (suspended, or created WithHold). Any other status gives
// ErrFailedPrecondition.
func (c *Client) Resume(ctx context.Context, name string) (*pb.Instance, error) {
	resp, err := c.rpc.ResumeInstance(ctx, &pb.ResumeInstanceRequest{Name: c.InstanceName(name)})
	if err != nil {
		return nil, callError(err)
	}
	return resp.GetInstance(), nil
}

// Stop stops an instance: tasks that have not started end CANCELLED at once, running ones see the
// cancellation with its reason and message and get a grace period before they are killed. It returns
// the instance right after the stop, when running tasks may still be CANCELLING; Wait or Watch for the
// end. An instance already terminated gives ErrFailedPrecondition. Reason
// CANCELLATION_REASON_UNSPECIFIED means DIRECT.
func (c *Client) Stop(ctx context.Context, name string, reason pb.CancellationReason, message string) (*pb.Instance, error) {
	req := &pb.StopInstanceRequest{Name: c.InstanceName(name), Reason: reason, Message: message}
	resp, err := c.rpc.StopInstance(ctx, req)
	if err != nil {
		return nil, callError(err)
	}
	return resp.GetInstance(), nil
}

// CancelTaskOptions are the optional arguments of CancelTask; nil means none.
type CancelTaskOptions struct {
	// Reason is recorded on the task; CANCELLATION_REASON_UNSPECIFIED means DIRECT.
	Reason pb.CancellationReason
	// Message is free text recorded on the task.
	Message string
	// GracePeriod is how long a running task may take to stop by itself before it is killed; 0 means
	// the server's default (5 seconds).
	GracePeriod time.Duration
}

// CancelTask cancels one task of an instance (STK's cancel_task), which the other tasks outlive: one that
// has not started ends CANCELLED at once, a running one sees the cancellation and gets a grace period.
// Its dependents that do not allow its failure end CANCELLED with reason CONSEQUENTIAL. It returns the
// instance right after the cancellation, when the task may still be CANCELLING. ErrNotFound for an
// unknown instance or task; ErrFailedPrecondition (Reason TASK_TERMINATED) when the task already ended.
func (c *Client) CancelTask(ctx context.Context, name, task string, opts *CancelTaskOptions) (*pb.Instance, error) {
	if task == "" {
		return nil, fmt.Errorf("taskstream: CancelTask needs the task's name")
	}
	if opts == nil {
		opts = &CancelTaskOptions{}
	}
	req := &pb.CancelTaskRequest{Name: c.InstanceName(name) + "/tasks/" + task, Reason: opts.Reason, Message: opts.Message}
	if opts.GracePeriod > 0 {
		req.GracePeriod = durationpb.New(opts.GracePeriod)
	}
	resp, err := c.rpc.CancelTask(ctx, req)
	if err != nil {
		return nil, callError(err)
	}
	return resp.GetInstance(), nil
}

// DeleteInstance deletes a terminated instance with its tasks, events, output and results, as the
// server's retention does. A tombstone stays: reading the instance then fails with ErrNotFound whose
// Reason is INSTANCE_DELETED. ErrFailedPrecondition (Reason INSTANCE_NOT_TERMINATED) while it runs;
// ErrNotFound when it does not exist or was deleted already.
func (c *Client) DeleteInstance(ctx context.Context, name string) error {
	if _, err := c.rpc.DeleteInstance(ctx, &pb.DeleteInstanceRequest{Name: c.InstanceName(name)}); err != nil {
		return callError(err)
	}
	return nil
}

// maxServerWait is the longest one WaitInstance or WaitInstances call waits on the server.
const maxServerWait = 10 * time.Minute

// Wait waits until the instance terminates and returns it, successful or not (PyODPS's
// wait_for_completion: see its Successful field, or use WaitForSuccess). The server holds each call until
// the instance terminates (a long poll), so nothing is polled.
//
// A timeout > 0 bounds the wait: when it passes first, Wait returns a *WaitTimeoutError
// (errors.Is(err, ErrWaitTimeout)) that carries the instance as it was then. With timeout 0 it waits until
// ctx is done, and then fails as a call would (errors.Is(err, context.DeadlineExceeded) for a deadline).
// Transient failures are retried as the client's RetryPolicy says.
func (c *Client) Wait(ctx context.Context, name string, timeout time.Duration) (*pb.Instance, error) {
	return c.waitUntil(ctx, c.InstanceName(name), waitDeadline(timeout), timeout)
}

// WaitForSuccess waits as Wait does, and then returns an *InstanceFailedError (errors.Is(err,
// ErrInstanceFailed)) unless every task succeeded (PyODPS's wait_for_success).
func (c *Client) WaitForSuccess(ctx context.Context, name string, timeout time.Duration) (*pb.Instance, error) {
	instance, err := c.Wait(ctx, name, timeout)
	if err != nil {
		return nil, err
	}
	if err := instanceFailed(instance); err != nil {
		return nil, err
	}
	return instance, nil
}

// WaitAll waits until every one of the instances (ids or resource names) terminates, and returns them in
// the order named. Timeout, errors and retries are Wait's; a *WaitTimeoutError names the instances still
// running. With no instances it returns nil at once.
func (c *Client) WaitAll(ctx context.Context, names []string, timeout time.Duration) ([]*pb.Instance, error) {
	return c.waitMany(ctx, names, pb.WaitMode_WAIT_MODE_ALL, timeout)
}

// WaitAny waits until at least one of the instances (ids or resource names) terminates, and returns all
// of them as they are then, in the order named: the terminated ones have status
// INSTANCE_STATUS_TERMINATED. Timeout, errors and retries are Wait's. With no instances it returns nil at
// once.
func (c *Client) WaitAny(ctx context.Context, names []string, timeout time.Duration) ([]*pb.Instance, error) {
	return c.waitMany(ctx, names, pb.WaitMode_WAIT_MODE_ANY, timeout)
}

func (c *Client) waitMany(ctx context.Context, names []string, mode pb.WaitMode, timeout time.Duration) ([]*pb.Instance, error) {
	if len(names) == 0 {
		return nil, nil
	}
	full := make([]string, len(names))
	for i, name := range names {
		full[i] = c.InstanceName(name)
	}
	return c.longPoll(ctx, waitDeadline(timeout), timeout, func(wait time.Duration) ([]*pb.Instance, bool, error) {
		req := &pb.WaitInstancesRequest{Names: full, Mode: mode, Timeout: durationpb.New(wait)}
		resp, err := c.rpc.WaitInstances(ctx, req)
		return resp.GetInstances(), resp.GetDone(), err
	})
}

// waitUntil is Wait's loop of long polls on the resource name, until deadline (zero: none); timeout is
// only for the error.
func (c *Client) waitUntil(ctx context.Context, name string, deadline time.Time, timeout time.Duration) (*pb.Instance, error) {
	instances, err := c.longPoll(ctx, deadline, timeout, func(wait time.Duration) ([]*pb.Instance, bool, error) {
		resp, err := c.rpc.WaitInstance(ctx, &pb.WaitInstanceRequest{Name: name, Timeout: durationpb.New(wait)})
		return []*pb.Instance{resp.GetInstance()}, resp.GetTerminated(), err
	})
	if err != nil {
		return nil, err
	}
	return instances[0], nil
}

// longPoll calls poll, which makes one long poll that waits at most the given wait on the server, until
// it reports done, deadline (zero: none) passes, or ctx ends; it retries transient failures as the
// client's RetryPolicy says. timeout is only for the error.
func (c *Client) longPoll(ctx context.Context, deadline time.Time, timeout time.Duration, poll func(wait time.Duration) ([]*pb.Instance, bool, error)) ([]*pb.Instance, error) {
	retry := retrier{policy: c.retry}
	for {
		instances, done, err := poll(nextWait(deadline, maxServerWait))
		if err != nil {
			if retry.again(ctx, err) {
				continue
			}
			return nil, callError(err)
		}
		retry.failures = 0
		if done {
			return instances, nil
		}
		if passed(deadline) {
			return nil, newWaitTimeoutError(instances, timeout)
		}
		if ctxDeadline, ok := ctx.Deadline(); ok && time.Until(ctxDeadline) < serverWaitMargin {
			// The server would answer each call at once from here on, so another call would start a burst
			// of them until ctx ends: wait for ctx instead, and end as a call would.
			<-ctx.Done()
			return nil, callError(status.FromContextError(ctx.Err()).Err())
		}
	}
}

// serverWaitMargin is more than the server keeps between the end of a wait and the call's deadline (50 ms),
// so that its answer arrives in time.
const serverWaitMargin = 100 * time.Millisecond

// waitDeadline is when a wait of timeout ends; the zero time (none) for a timeout <= 0.
func waitDeadline(timeout time.Duration) time.Time {
	if timeout <= 0 {
		return time.Time{}
	}
	return time.Now().Add(timeout)
}

// nextWait is the wait to ask the server for in the next call: at most longest, never past deadline.
func nextWait(deadline time.Time, longest time.Duration) time.Duration {
	wait := longest
	if !deadline.IsZero() {
		wait = min(wait, time.Until(deadline))
	}
	// A wait of 0 would mean the server's default (60 s; for a create, no wait); one millisecond asks
	// for the state now.
	return max(wait, time.Millisecond)
}

// passed reports whether deadline (zero: none) has passed.
func passed(deadline time.Time) bool {
	return !deadline.IsZero() && !time.Now().Before(deadline)
}
