package taskstream

import (
	"context"
	"iter"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/taskstream/taskstream/clients/go/gen/taskstream/v1"
)

// ListInstancesOptions filters the instances ListInstances returns; the zero value (or nil) lists every
// instance of the client's project.
type ListInstancesOptions struct {
	// Statuses keeps the instances in one of these statuses; empty means any.
	Statuses []pb.InstanceStatus
	// Owner keeps the instances this principal created; empty means anyone's.
	Owner string
	// CreateTimeStart keeps the instances created at or after it; the zero time means no bound.
	CreateTimeStart time.Time
	// CreateTimeEnd keeps the instances created before it; the zero time means no bound.
	CreateTimeEnd time.Time
	// Labels keeps the instances that carry every one of these labels with the same value.
	Labels map[string]string
	// PageSize is how many instances each call fetches: 0 means the server's default (50), and the
	// server fetches at most 1000.
	PageSize int32
}

// ListInstances iterates over the client's project's instances, newest first, fetching the next page
// when the last one is used up. The instances come without their tasks' details (GetInstance has them).
// An error ends the iteration as its last pair; transient failures of a page are retried as the client's
// RetryPolicy says. Breaking out of the loop fetches no more pages.
//
//	for instance, err := range client.ListInstances(ctx, &taskstream.ListInstancesOptions{
//		Statuses: []pb.InstanceStatus{pb.InstanceStatus_INSTANCE_STATUS_TERMINATED},
//	}) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(instance.GetId())
//	}
func (c *Client) ListInstances(ctx context.Context, opts *ListInstancesOptions) iter.Seq2[*pb.Instance, error] {
	if opts == nil {
		opts = &ListInstancesOptions{}
	}
	req := &pb.ListInstancesRequest{
		Parent:   "projects/" + c.project,
		PageSize: opts.PageSize,
		Statuses: opts.Statuses,
		Owner:    opts.Owner,
		Labels:   opts.Labels,
	}
	if !opts.CreateTimeStart.IsZero() {
		req.CreateTimeStart = timestamppb.New(opts.CreateTimeStart)
	}
	if !opts.CreateTimeEnd.IsZero() {
		req.CreateTimeEnd = timestamppb.New(opts.CreateTimeEnd)
	}
	return paginate(ctx, c.retry, func(token string) ([]*pb.Instance, string, error) {
		page := proto.CloneOf(req)
		page.PageToken = token
		resp, err := c.rpc.ListInstances(ctx, page)
		return resp.GetInstances(), resp.GetNextPageToken(), err
	})
}

// ListSubInstances iterates over the sub-instances a workflow instance started (PyODPS's XFlow
// sub-instances), in the order they were created, fetching every page. Each carries its name in the
// workflow, the workflow task that started it, and the sub-instance with its tasks. Errors and retries
// are ListInstances'; an unknown workflow gives ErrNotFound.
func (c *Client) ListSubInstances(ctx context.Context, workflow string) iter.Seq2[*pb.SubInstance, error] {
	parent := c.InstanceName(workflow)
	return paginate(ctx, c.retry, func(token string) ([]*pb.SubInstance, string, error) {
		resp, err := c.rpc.ListSubInstances(ctx, &pb.ListSubInstancesRequest{Parent: parent, PageToken: token})
		return resp.GetSubInstances(), resp.GetNextPageToken(), err
	})
}

// ListTaskTypes returns the task types the connected workers can run, sorted by name, each with how many
// workers offer it.
func (c *Client) ListTaskTypes(ctx context.Context) ([]*pb.TaskType, error) {
	resp, err := c.rpc.ListTaskTypes(ctx, &pb.ListTaskTypesRequest{})
	if err != nil {
		return nil, callError(err)
	}
	return resp.GetTaskTypes(), nil
}

// paginate yields the items of every page that fetch returns: fetch gets the page at a token ("" for
// the first) and returns its items and the next page's token ("" after the last). A transient failure
// fetches the same page again, as policy says; any other error is yielded last.
func paginate[T any](ctx context.Context, policy RetryPolicy, fetch func(token string) ([]T, string, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		retry := retrier{policy: policy}
		token := ""
		for {
			items, next, err := fetch(token)
			if err != nil {
				if retry.again(ctx, err) {
					continue
				}
				var zero T
				yield(zero, callError(err))
				return
			}
			retry.failures = 0
			for _, item := range items {
				if !yield(item, nil) {
					return
				}
			}
			if next == "" {
				return
			}
			token = next
		}
	}
}
