// Command example is the Go snippet of the README: it runs a few tasks on the taskstream server at
// 127.0.0.1:50051 (`make run`) and shows watch, result, wait, stop and the typed errors.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	pb "github.com/taskstream/taskstream/clients/go/gen/taskstream/v1"
	"github.com/taskstream/taskstream/clients/go/taskstream"
)

func main() {
	ctx := context.Background()
	client, err := taskstream.NewClient("127.0.0.1:50051", taskstream.WithProject("default"), taskstream.WithUser("me"))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	instance, err := client.RunTask(ctx, "progress_demo", map[string]any{"stages": 2})
	if err != nil {
		log.Fatal(err)
	}
	for ev, err := range client.Watch(ctx, instance.GetName()) { // resumes by itself after a dropped stream
		if err != nil {
			log.Fatal(err)
		}
		switch ev := ev.(type) {
		case *taskstream.TaskProgressUpdated:
			fmt.Println(ev.Seq, ev.TaskName, ev.Progress.GetPercent(), ev.Progress.GetMessage())
		case *taskstream.TaskStatusChanged:
			fmt.Println(ev.Seq, ev.Task.GetName(), ev.PreviousStatus, "->", ev.Status)
		}
	}
	result, err := client.Result(ctx, instance.GetName(), "") // value, stdout, stderr, properties, error
	if err != nil {
		log.Fatal(err)
	}
	var value string
	if err := result.Decode(&value); err != nil {
		log.Fatal(err)
	}
	fmt.Println(result.Status(), value, result.Properties()) // TASK_STATUS_SUCCESS done map[M1_Stg1_job0.records:4000 ...]

	sleeper, err := client.RunTask(ctx, "sleep", map[string]any{"seconds": 60})
	if err != nil {
		log.Fatal(err)
	}
	_, err = client.Wait(ctx, sleeper.GetName(), 500*time.Millisecond) // a server-side long poll
	var timedOut *taskstream.WaitTimeoutError                          // errors.Is(err, taskstream.ErrWaitTimeout) too
	if errors.As(err, &timedOut) {
		fmt.Println(timedOut.Instance().GetStatus()) // INSTANCE_STATUS_RUNNING: the wait ended, not the instance
	}
	if _, err := client.Stop(ctx, sleeper.GetName(), pb.CancellationReason_CANCELLATION_REASON_DIRECT, "no time"); err != nil {
		log.Fatal(err)
	}
	done, err := client.Wait(ctx, sleeper.GetName(), 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(done.GetStatus()) // INSTANCE_STATUS_TERMINATED

	_, err = client.ExecuteTask(ctx, "fail", nil, time.Minute) // create and wait for success
	var failed *taskstream.InstanceFailedError                 // errors.Is(err, taskstream.ErrInstanceFailed) too
	if errors.As(err, &failed) {
		fmt.Println(failed.Task.GetName(), failed.Task.GetStatus(), failed.Task.GetError().GetMessage())
		// fail TASK_STATUS_FAILED this task fails on purpose
	}

	_, err = client.GetInstance(ctx, "20261121103000123abcdefgh")
	var apiErr *taskstream.APIError
	if errors.Is(err, taskstream.ErrNotFound) && errors.As(err, &apiErr) {
		fmt.Println(apiErr.Code, apiErr.ResourceName) // NotFound projects/default/instances/20261121103000123abcdefgh
	}
}
