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

func ExampleClient_CreateInstance_scheduling() {
	ctx := context.Background()
	client, err := taskstream.NewClient("127.0.0.1:50051")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	retry := &taskstream.TaskRetryPolicy{
		MaxAttempts:            3,
		InitialBackoff:         100 * time.Millisecond,
		BackoffMultiplier:      2,
		MaxBackoff:             10 * time.Second,
		Jitter:                 0.2,
		NonRetryableErrorTypes: []string{"ValueError"},
	}
	instance, err := client.CreateInstance(ctx, []taskstream.TaskSpec{
		{Name: "extract", Type: "echo", Parameters: map[string]any{"rows": 3}, Retry: retry},
		{Name: "load", Type: "echo", DependsOn: []taskstream.Dependency{{Task: "extract"}}}, // runs after extract
		{Name: "notify", Type: "echo", DependsOn: []taskstream.Dependency{{Task: "load", AllowFailure: true}}},
		{Name: "export", Type: "echo", ConcurrencyKey: "warehouse", ConcurrencyLimit: 2},
	},
		taskstream.WithTaskRetry(taskstream.TaskRetryPolicy{MaxAttempts: 2}), // every task without its own
		taskstream.WithStartTime(time.Now().Add(5*time.Second)),              // waits (SCHEDULED) until then
		taskstream.WithRetention(time.Hour),                                  // deleted an hour after it ends
	)
	if err != nil {
		log.Fatal(err)
	}
	for _, task := range instance.GetTasks() {
		fmt.Println(task.GetName(), task.GetStatus(), task.GetWaitingReason()) // load TASK_STATUS_WAITING WAITING_REASON_SCHEDULED
	}
	if _, err := client.WaitForSuccess(ctx, instance.GetName(), time.Minute); err != nil {
		log.Fatal(err)
	}
	result, err := client.Result(ctx, instance.GetName(), "extract")
	if err != nil {
		log.Fatal(err)
	}
	for _, attempt := range result.AttemptHistory() { // the attempts that failed and were retried
		fmt.Println(attempt.Number, attempt.Status, attempt.Err, attempt.StartTime, attempt.EndTime)
	}
	// A terminated instance; reading it then fails with ErrNotFound, Reason INSTANCE_DELETED.
	if err := client.DeleteInstance(ctx, instance.GetName()); err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_KeepBound() {
	ctx := context.Background()
	client, err := taskstream.NewClient("127.0.0.1:50051")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	// Stopped (CLIENT_DISCONNECTED) once no watch of it has been open for 30 seconds.
	instance, err := client.RunTask(ctx, "sleep", map[string]any{"seconds": 60},
		taskstream.WithCancelOnClientDisconnection(30*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	bound, cancel := context.WithCancel(ctx)
	defer cancel() // lets it go: stopped 30 seconds later, unless it ended
	go func() {
		if _, err := client.KeepBound(bound, instance.GetName()); err != nil && !errors.Is(err, context.Canceled) {
			log.Print(err)
		}
	}()
	// One task alone: its dependents that do not allow its failure end CANCELLED (CONSEQUENTIAL).
	opts := &taskstream.CancelTaskOptions{Message: "not needed"}
	if _, err := client.CancelTask(ctx, instance.GetName(), "sleep", opts); err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_CreateSchedule() {
	ctx := context.Background()
	client, err := taskstream.NewClient("127.0.0.1:50051")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	nightly, err := client.CreateSchedule(ctx, "nightly-report",
		taskstream.Cron("0 2 * * *", "Europe/Paris"), // or taskstream.Every(30*time.Second)
		[]taskstream.TaskSpec{{Type: "echo", Parameters: map[string]any{"report": "daily"}}},
		taskstream.WithOverlapPolicy(pb.OverlapPolicy_OVERLAP_POLICY_SKIP), // while the last one runs
		taskstream.WithCatchUpWindow(time.Hour),                            // after a restart
		taskstream.WithInstanceOptions(taskstream.WithLabels(map[string]string{"team": "data"})),
	)
	if errors.Is(err, taskstream.ErrAlreadyExists) {
		nightly, err = client.GetSchedule(ctx, "nightly-report")
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(nightly.GetNextFireTime().AsTime()) // 02:00 in Paris, in UTC

	// One instance now, as a firing would.
	instance, err := client.TriggerSchedule(ctx, nightly.GetName())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(instance.GetSchedule(), instance.GetLabels()["taskstream.schedule"]) // its name, its id

	// By id, every page.
	for schedule, err := range client.ListSchedules(ctx, nil) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(schedule.GetId(), schedule.GetPaused(), schedule.GetFireCount(), schedule.GetLastInstance())
	}
	if _, err := client.PauseSchedule(ctx, "nightly-report"); err != nil { // until ResumeSchedule
		log.Fatal(err)
	}
	if err := client.DeleteSchedule(ctx, "nightly-report"); err != nil { // its instances stay
		log.Fatal(err)
	}
}
