package taskstream_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	pb "github.com/taskstream/taskstream/clients/go/gen/taskstream/v1"
	"github.com/taskstream/taskstream/clients/go/taskstream"
)

func resultOf(t *testing.T, resp *pb.GetTaskResultResponse) *taskstream.TaskResult {
	t.Helper()
	f := &fakeServer{result: func(*pb.GetTaskResultRequest) (*pb.GetTaskResultResponse, error) { return resp, nil }}
	client := serve(t, f)
	result, err := client.Result(context.Background(), "i1", "t")
	if err != nil {
		t.Fatal(err)
	}
	if req := sent[*pb.GetTaskResultRequest](f)[0]; req.GetInstance() != instanceName || req.GetTask() != "t" {
		t.Errorf("request %v", req)
	}
	return result
}

func TestResultDecodesJSON(t *testing.T) {
	result := resultOf(t, &pb.GetTaskResultResponse{
		Task:   &pb.Task{Name: "t", Status: pb.TaskStatus_TASK_STATUS_SUCCESS},
		Result: &pb.Result{Kind: &pb.Result_Json{Json: `{"words": 2}`}},
		Stdout: []byte("out\n"),
		Stderr: []byte("err\n"),
	})
	var value struct{ Words int }
	if err := result.Decode(&value); err != nil || value.Words != 2 {
		t.Errorf("Decode = %v, %+v", err, value)
	}
	if result.Status() != pb.TaskStatus_TASK_STATUS_SUCCESS || result.Err() != nil {
		t.Errorf("status %v, error %v", result.Status(), result.Err())
	}
	if !bytes.Equal(result.Stdout, []byte("out\n")) || !bytes.Equal(result.Stderr, []byte("err\n")) {
		t.Errorf("output %q %q", result.Stdout, result.Stderr)
	}
}

func TestResultDecodesTextAsAJSONString(t *testing.T) {
	result := resultOf(t, &pb.GetTaskResultResponse{Result: &pb.Result{Kind: &pb.Result_Text{Text: `"a",1`}}})
	var text string
	if err := result.Decode(&text); err != nil || text != `"a",1` {
		t.Errorf("Decode = %v, %q", err, text)
	}
	var v any
	if err := result.Decode(&v); err != nil || v != `"a",1` {
		t.Errorf("Decode = %v, %#v", err, v)
	}
	var n int
	if err := result.Decode(&n); err == nil {
		t.Error("text decoded into an int")
	}
}

func TestFailedTaskKeepsItsErrorAndProperties(t *testing.T) {
	result := resultOf(t, &pb.GetTaskResultResponse{Task: &pb.Task{
		Status: pb.TaskStatus_TASK_STATUS_FAILED,
		Error:  &pb.TaskError{Type: "builtins.ValueError", Message: "bad", Traceback: "Traceback ..."},
		Properties: map[string]*pb.PropertyValue{
			"s": {Kind: &pb.PropertyValue_StringValue{StringValue: "x"}},
			"i": {Kind: &pb.PropertyValue_IntValue{IntValue: 100}},
			"d": {Kind: &pb.PropertyValue_DoubleValue{DoubleValue: 0.5}},
			"b": {Kind: &pb.PropertyValue_BytesValue{BytesValue: []byte{0, 1}}},
		},
	}})
	var v any
	if err := result.Decode(&v); !errors.Is(err, taskstream.ErrNoResult) {
		t.Errorf("Decode of no result: %v", err)
	}
	var taskErr *taskstream.TaskError
	if err := result.Err(); !errors.As(err, &taskErr) || err.Error() != "builtins.ValueError: bad" || taskErr.Traceback != "Traceback ..." {
		t.Errorf("Err = %v", err)
	}
	props := result.Properties()
	if props["s"] != "x" || props["i"] != int64(100) || props["d"] != 0.5 || !bytes.Equal(props["b"].([]byte), []byte{0, 1}) {
		t.Errorf("properties %v", props)
	}
}
