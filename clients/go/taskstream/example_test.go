package taskstream_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	pb "github.com/taskstream/taskstream/clients/go/gen/taskstream/v1"
	"github.com/taskstream/taskstream/clients/go/taskstream"
)

// The examples are compiled by go vet and go test but not run: they need a server.

func ExampleClient_ExecuteTask() {
	ctx := context.Background()
	client, err := taskstream.NewClient("127.0.0.1:50051")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	instance, err := client.ExecuteTask(ctx, "fail", nil, time.Minute)
	var failed *taskstream.InstanceFailedError
	var timedOut *taskstream.WaitTimeoutError
	switch {
	case errors.As(err, &failed): // errors.Is(err, taskstream.ErrInstanceFailed)
		fmt.Println(failed.Task.GetName(), failed.Task.GetStatus(), failed.Task.GetError().GetMessage())
	case errors.As(err, &timedOut): // errors.Is(err, taskstream.ErrWaitTimeout); the instance runs on
		fmt.Println(timedOut.Instance().GetName(), timedOut.Instance().GetStatus())
	case err != nil:
		log.Fatal(err)
	default:
		fmt.Println(instance.GetName(), "succeeded")
	}
}

func ExampleClient_ListInstances() {
	ctx := context.Background()
	client, err := taskstream.NewClient("127.0.0.1:50051")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	opts := &taskstream.ListInstancesOptions{
		Statuses:        []pb.InstanceStatus{pb.InstanceStatus_INSTANCE_STATUS_TERMINATED},
		Labels:          map[string]string{"team": "data"},
		CreateTimeStart: time.Now().Add(-24 * time.Hour),
	}
	for instance, err := range client.ListInstances(ctx, opts) { // newest first, a page at a time
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(instance.GetId(), instance.GetSuccessful())
	}
}

func ExampleClient_ReadOutput() {
	ctx := context.Background()
	client, err := taskstream.NewClient("127.0.0.1:50051")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	instance, err := client.RunTask(ctx, "echo", map[string]any{"text": "hello"})
	if err != nil {
		log.Fatal(err)
	}
	// Every byte of stdout until the task ends, then the last 100 bytes of its stderr.
	for chunk, err := range client.ReadOutput(ctx, instance.GetName(), "", &taskstream.ReadOutputOptions{Follow: true}) {
		if err != nil {
			log.Fatal(err)
		}
		os.Stdout.Write(chunk.Data)
	}
	tail := &taskstream.ReadOutputOptions{Stream: pb.OutputStream_OUTPUT_STREAM_STDERR, Offset: -100}
	for chunk, err := range client.ReadOutput(ctx, instance.GetName(), "", tail) {
		if err != nil {
			log.Fatal(err)
		}
		os.Stdout.Write(chunk.Data)
	}
}

func ExampleClient_ResultRows() {
	ctx := context.Background()
	client, err := taskstream.NewClient("127.0.0.1:50051")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	instance, err := client.ExecuteTask(ctx, "sql", map[string]any{"sql": "select * from pyodps_iris"}, time.Minute)
	if err != nil {
		log.Fatal(err)
	}
	rows, err := client.ResultRows(ctx, instance.GetName(), "", 1000)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rows.Columns) // [{sepallength COLUMN_TYPE_DOUBLE} ... {name COLUMN_TYPE_STRING}]
	for row, err := range rows.All(ctx) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(row...) // 5.1 3.5 1.4 0.2 Iris-setosa
	}
}

func ExampleClient_WaitAny() {
	ctx := context.Background()
	client, err := taskstream.NewClient("127.0.0.1:50051")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	var names []string
	for n := range 3 {
		instance, err := client.RunTask(ctx, "echo", map[string]any{"n": n})
		if err != nil {
			log.Fatal(err)
		}
		names = append(names, instance.GetName())
	}
	instances, err := client.WaitAny(ctx, names, time.Minute) // WaitAll waits for every one
	if err != nil {
		log.Fatal(err) // a *taskstream.WaitTimeoutError naming them after a minute
	}
	for _, instance := range instances {
		fmt.Println(instance.GetId(), instance.GetStatus())
	}
}
