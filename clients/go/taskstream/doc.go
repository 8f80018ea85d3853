// Package taskstream is a thin Go client of the taskstream service: start instances of tasks, follow
// them, wait for them, read their results and output, list them, and suspend, resume and stop them; and
// schedules that start instances at the times of a cron expression or every so often (CreateSchedule).
//
// The generated code of the API is the package
// github.com/taskstream/taskstream/clients/go/gen/taskstream/v1; this package returns its messages
// (*taskstreamv1.Instance, *taskstreamv1.Task, ...) and adds what every caller would otherwise write:
// resource names, JSON parameters and results, a watch and an output read that resume by themselves
// after a dropped stream, waits built on the server's long polls (Execute starts an instance and waits
// for it, in one round trip when it ends within a minute), lists as iterators that fetch their pages,
// typed result rows, and errors that carry the google.rpc details of the status.
//
//	client, err := taskstream.NewClient("127.0.0.1:50051", taskstream.WithProject("default"))
//	if err != nil {
//		return err
//	}
//	defer client.Close()
//	instance, err := client.ExecuteTask(ctx, "echo", map[string]any{"text": "hello"}, time.Minute)
//	if err != nil {
//		return err // an *InstanceFailedError when the task failed, a *WaitTimeoutError after a minute
//	}
//	result, err := client.Result(ctx, instance.GetName(), "")
//	if err != nil {
//		return err
//	}
//	var echoed map[string]any
//	err = result.Decode(&echoed)
//
// Every operation means what it means in the other languages' clients: a wait that runs out of time is
// an error (*WaitTimeoutError, matching ErrWaitTimeout); Wait returns a terminated instance whether or not
// it succeeded, while WaitForSuccess and Execute return an *InstanceFailedError (matching
// ErrInstanceFailed) for one that did not. Every method that fails a call returns an *APIError, which
// matches ErrNotFound, ErrInvalidArgument, ... with errors.Is; errors.As gives its details (field
// violations, resource, reason).
package taskstream
