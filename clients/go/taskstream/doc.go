// Package taskstream is a thin Go client of the taskstream service: start instances of tasks, follow
// them, wait for them, read their results and stop them.
//
// The generated code of the API is the package
// github.com/taskstream/taskstream/clients/go/gen/taskstream/v1; this package returns its messages
// (*taskstreamv1.Instance, *taskstreamv1.Task, ...) and adds what every caller would otherwise write:
// resource names, JSON parameters and results, a watch that resumes by itself after a dropped stream,
// a wait built on the server's long poll (Execute starts an instance and waits for it, in one round trip
// when it ends within a minute), and errors that carry the google.rpc details of the status.
//
//	client, err := taskstream.NewClient("127.0.0.1:50051", taskstream.WithProject("default"))
//	if err != nil {
//		return err
//	}
//	defer client.Close()
//	instance, err := client.ExecuteTask(ctx, "echo", map[string]any{"text": "hello"}, time.Minute)
//	if err != nil {
//		return err
//	}
//	result, err := client.Result(ctx, instance.GetName(), "")
//	if err != nil {
//		return err
//	}
//	var echoed map[string]any
//	err = result.Decode(&echoed)
//
// Every method that fails a call returns an *APIError, which matches ErrNotFound, ErrInvalidArgument,
// ... with errors.Is; errors.As gives its details (field violations, resource, reason).
package taskstream
