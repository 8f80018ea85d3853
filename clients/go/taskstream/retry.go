package taskstream

import (
	"context"
	"time"

	"google.golang.org/grpc/codes"
)

// RetryPolicy says when a stream (Watch, ReadOutput), a long poll (Wait, WaitAll, WaitAny, the wait of
// Execute once its instance exists) or a page of a list (ListInstances, ListSubInstances, ResultRows) is
// tried again after a transient failure: UNAVAILABLE, INTERNAL (often a reset stream), ABORTED or
// RESOURCE_EXHAUSTED (a reader too slow), or a watch that ended before the instance terminated. It gives up after Attempts failures in a row,
// returning the last error; anything received resets the count. The first retry is immediate (one drop
// is normal), later ones wait FirstDelay, doubling up to MaxDelay.
type RetryPolicy struct {
	Attempts   int
	FirstDelay time.Duration
	MaxDelay   time.Duration
}

// DefaultRetry is the RetryPolicy of a client made without WithRetry.
var DefaultRetry = RetryPolicy{Attempts: 8, FirstDelay: 100 * time.Millisecond, MaxDelay: 5 * time.Second}

// delay is the wait before the next try after failures consecutive failures (>= 1).
func (p RetryPolicy) delay(failures int) time.Duration {
	if failures <= 1 {
		return 0
	}
	d := p.FirstDelay
	for i := 2; i < failures && d < p.MaxDelay; i++ {
		d *= 2
	}
	return min(d, p.MaxDelay)
}

// retrier counts one stream's consecutive failures.
type retrier struct {
	policy   RetryPolicy
	failures int
}

// again waits before the next try after err and reports whether to try again: false when err is not
// transient, the policy's attempts are used up, or ctx ends while waiting.
func (r *retrier) again(ctx context.Context, err error) bool {
	if !transient(err) || ctx.Err() != nil {
		return false
	}
	r.failures++
	if r.failures >= r.policy.Attempts {
		return false
	}
	d := r.policy.delay(r.failures)
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func transient(err error) bool {
	apiErr, ok := FromError(err)
	if !ok {
		return false
	}
	switch apiErr.Code {
	case codes.Unavailable, codes.Internal, codes.Aborted, codes.ResourceExhausted:
		return true
	}
	return false
}
