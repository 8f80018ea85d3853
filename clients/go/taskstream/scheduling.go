package taskstream

import (
	"slices"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/taskstream/taskstream/clients/go/gen/taskstream/v1"
)

// TaskRetryPolicy retries a task whose attempt ended FAILED, ENVIRONMENT_ERROR or TIMED_OUT, after a
// backoff: the n-th retry waits InitialBackoff * BackoffMultiplier^(n-1), at most MaxBackoff, less a
// random share of at most Jitter of it. Meanwhile the task is WAITING with reason BACKOFF, and every
// retried attempt stays in its attempt history (TaskResult.Attempts). A cancelled task is never retried.
// (RetryPolicy, by contrast, is how this client resumes its own calls.)
//
// Zero values mean the server's defaults; the server checks the policy and answers ErrInvalidArgument
// naming the field (tasks[i].retry_policy.max_attempts, ...).
type TaskRetryPolicy struct {
	// MaxAttempts is how many attempts the task may have in all, from 1 (no retry) to 1000.
	MaxAttempts int32
	// InitialBackoff is the wait before the first retry; 0 means one second.
	InitialBackoff time.Duration
	// BackoffMultiplier is what the wait grows by after each retry, at least 1; 0 means 2.
	BackoffMultiplier float64
	// MaxBackoff is the longest wait; 0 means 100 times InitialBackoff.
	MaxBackoff time.Duration
	// Jitter is the share of each wait, from 0 to 1, that a random amount up to it is taken off.
	Jitter float64
	// NonRetryableErrorTypes are error types (TaskError.Type, or its last dotted part such as
	// "ValueError") that are never retried.
	NonRetryableErrorTypes []string
}

// proto is the policy as sent; nil for none.
func (p *TaskRetryPolicy) proto() *pb.RetryPolicy {
	if p == nil {
		return nil
	}
	policy := &pb.RetryPolicy{
		MaxAttempts:            p.MaxAttempts,
		BackoffMultiplier:      p.BackoffMultiplier,
		Jitter:                 p.Jitter,
		NonRetryableErrorTypes: slices.Clone(p.NonRetryableErrorTypes),
	}
	if p.InitialBackoff != 0 {
		policy.InitialBackoff = durationpb.New(p.InitialBackoff)
	}
	if p.MaxBackoff != 0 {
		policy.MaxBackoff = durationpb.New(p.MaxBackoff)
	}
	return policy
}

// Dependency is a task of the same instance that a task waits for (TaskSpec.DependsOn).
type Dependency struct {
	// Task is the name of the task depended on.
	Task string
	// AllowFailure starts the dependent however the dependency ends; otherwise a dependency that does not
	// succeed cancels the dependent with reason CONSEQUENTIAL.
	AllowFailure bool
}

// WithTaskRetry sets the retry policy of every task of the instance that has none of its own
// (TaskSpec.Retry).
func WithTaskRetry(policy TaskRetryPolicy) CreateOption {
	return func(r *pb.CreateInstanceRequest) { options(r).RetryPolicy = policy.proto() }
}

// WithStartTime starts the instance's tasks no earlier than t: until then they wait with reason
// SCHEDULED, also across server restarts. A time that has passed starts them at once.
func WithStartTime(t time.Time) CreateOption {
	return func(r *pb.CreateInstanceRequest) { r.StartTime = timestamppb.New(t) }
}

// WithRetention deletes the instance this long after it terminated (Instance.expire_time says when),
// leaving a tombstone, whatever the server's own --retention says.
func WithRetention(retention time.Duration) CreateOption {
	return func(r *pb.CreateInstanceRequest) { options(r).Retention = durationpb.New(retention) }
}

// WithCancelOnClientDisconnection binds the instance to its caller (STK's
// cancel_on_client_disconnection): once no watch of it has been open for the grace period (counted from
// the create, and from the end of the last watch), the server stops it with reason CLIENT_DISCONNECTED.
// Keep a watch open while the instance should run: KeepBound, or any Watch. A grace of 0 means the
// server's default of 30 seconds.
func WithCancelOnClientDisconnection(grace time.Duration) CreateOption {
	return func(r *pb.CreateInstanceRequest) {
		o := options(r)
		o.CancelOnClientDisconnection = true
		if grace > 0 {
			o.ClientDisconnectGrace = durationpb.New(grace)
		}
	}
}
