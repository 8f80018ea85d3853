package taskstream_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"

	pb "github.com/taskstream/taskstream/clients/go/gen/taskstream/v1"
	"github.com/taskstream/taskstream/clients/go/taskstream"
)

func cells(values ...any) *pb.ResultRow {
	row := &pb.ResultRow{}
	for _, v := range values {
		cell := &pb.ResultCell{}
		switch v := v.(type) {
		case string:
			cell.Kind = &pb.ResultCell_StringValue{StringValue: v}
		case int64:
			cell.Kind = &pb.ResultCell_IntValue{IntValue: v}
		case float64:
			cell.Kind = &pb.ResultCell_DoubleValue{DoubleValue: v}
		case bool:
			cell.Kind = &pb.ResultCell_BoolValue{BoolValue: v}
		}
		row.Cells = append(row.Cells, cell)
	}
	return row
}

func TestResultRowsAreTypedAndFetchedPageByPage(t *testing.T) {
	columns := []*pb.ResultColumn{
		{Name: "sepallength", Type: pb.ColumnType_COLUMN_TYPE_DOUBLE},
		{Name: "name", Type: pb.ColumnType_COLUMN_TYPE_STRING},
		{Name: "n", Type: pb.ColumnType_COLUMN_TYPE_INTEGER},
		{Name: "ok", Type: pb.ColumnType_COLUMN_TYPE_BOOLEAN},
	}
	all := []*pb.ResultRow{cells(5.1, "Iris-setosa", int64(1), true), cells(4.9, "Iris-setosa", int64(2), false), cells(nil, nil, nil, nil)}
	f := &fakeServer{}
	f.rows = func(req *pb.ListTaskResultRowsRequest) (*pb.ListTaskResultRowsResponse, error) {
		page, next := pages(t, all, req.GetPageSize(), req.GetPageToken())
		return &pb.ListTaskResultRowsResponse{Columns: columns, Rows: page, NextPageToken: next}, nil
	}
	client := serve(t, f)
	rows, err := client.ResultRows(context.Background(), "i1", "AnonymousSQLTask", 2)
	if err != nil {
		t.Fatal(err)
	}
	wantColumns := []taskstream.Column{
		{Name: "sepallength", Type: pb.ColumnType_COLUMN_TYPE_DOUBLE},
		{Name: "name", Type: pb.ColumnType_COLUMN_TYPE_STRING},
		{Name: "n", Type: pb.ColumnType_COLUMN_TYPE_INTEGER},
		{Name: "ok", Type: pb.ColumnType_COLUMN_TYPE_BOOLEAN},
	}
	if !slices.Equal(rows.Columns, wantColumns) {
		t.Errorf("columns %v", rows.Columns)
	}
	if n := len(sent[*pb.ListTaskResultRowsRequest](f)); n != 1 {
		t.Errorf("%d pages fetched before iterating, want the first only", n)
	}
	want := [][]any{{5.1, "Iris-setosa", int64(1), true}, {4.9, "Iris-setosa", int64(2), false}, {nil, nil, nil, nil}}
	for pass := range 2 { // every iteration starts again at the first row
		var got [][]any
		for row, err := range rows.All(context.Background()) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, row)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("pass %d: rows %v, want %v", pass, got, want)
		}
	}
	reqs := sent[*pb.ListTaskResultRowsRequest](f)
	var tokens []string
	for _, req := range reqs {
		tokens = append(tokens, req.GetPageToken())
		if req.GetInstance() != instanceName || req.GetTask() != "AnonymousSQLTask" || req.GetPageSize() != 2 {
			t.Errorf("request %v", req)
		}
	}
	// The first page is fetched once; the second by each iteration.
	if !slices.Equal(tokens, []string{"", "2", "2"}) {
		t.Errorf("page tokens %q", tokens)
	}
}

func TestResultRowsOfAResultThatIsNoTableFail(t *testing.T) {
	f := &fakeServer{rows: func(*pb.ListTaskResultRowsRequest) (*pb.ListTaskResultRowsResponse, error) {
		return nil, withDetails(codes.FailedPrecondition, "the task's result is not a table", &errdetails.ErrorInfo{Reason: "RESULT_NOT_TABULAR"})
	}}
	client := serve(t, f)
	rows, err := client.ResultRows(context.Background(), "i1", "", 0)
	var apiErr *taskstream.APIError
	if rows != nil || !errors.Is(err, taskstream.ErrFailedPrecondition) || !errors.As(err, &apiErr) || apiErr.Reason != "RESULT_NOT_TABULAR" {
		t.Fatalf("ResultRows = %v, %v", rows, err)
	}
}

func TestAFailedPageEndsTheRows(t *testing.T) {
	f := &fakeServer{}
	f.rows = func(req *pb.ListTaskResultRowsRequest) (*pb.ListTaskResultRowsResponse, error) {
		if req.GetPageToken() != "" {
			return nil, withDetails(codes.InvalidArgument, "bad page token")
		}
		return &pb.ListTaskResultRowsResponse{Rows: []*pb.ResultRow{cells("a")}, NextPageToken: "x"}, nil
	}
	client := serve(t, f)
	rows, err := client.ResultRows(context.Background(), "i1", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []any
	var last error
	for row, err := range rows.All(context.Background()) {
		if err != nil {
			last = err
			continue
		}
		got = append(got, row...)
	}
	if !reflect.DeepEqual(got, []any{"a"}) || !errors.Is(last, taskstream.ErrInvalidArgument) {
		t.Errorf("rows %v, error %v", got, last)
	}
}
