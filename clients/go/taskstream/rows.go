package taskstream

import (
	"context"
	"iter"

	"google.golang.org/protobuf/proto"

	pb "github.com/taskstream/taskstream/clients/go/gen/taskstream/v1"
)

// Column is one column of a task's tabular result.
type Column struct {
	// Name is the column's name, as in the CSV header.
	Name string
	// Type is the column's type; COLUMN_TYPE_UNSPECIFIED when no value told it.
	Type pb.ColumnType
}

// ResultRows is a task's tabular result (a SQL select's): its columns, and its rows, which All reads a
// page at a time.
type ResultRows struct {
	// Columns are the result's columns, in order.
	Columns []Column

	client *Client
	req    *pb.ListTaskResultRowsRequest
	first  *pb.ListTaskResultRowsResponse
}

// ResultRows reads the first page of one task's tabular result (an empty task name picks the instance's
// only task), pageSize rows at a time (0: the server's default of 1000; at most 10000). A task that did
// not succeed with a CSV result gives ErrFailedPrecondition (Reason "RESULT_NOT_TABULAR").
//
//	rows, err := client.ResultRows(ctx, id, "", 1000)
//	if err != nil {
//		return err
//	}
//	for row, err := range rows.All(ctx) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(row...) // 5.1 Iris-setosa
//	}
func (c *Client) ResultRows(ctx context.Context, instance, task string, pageSize int32) (*ResultRows, error) {
	req := &pb.ListTaskResultRowsRequest{Instance: c.InstanceName(instance), Task: task, PageSize: pageSize}
	first, err := c.rpc.ListTaskResultRows(ctx, req)
	if err != nil {
		return nil, callError(err)
	}
	r := &ResultRows{client: c, req: req, first: first}
	for _, column := range first.GetColumns() {
		r.Columns = append(r.Columns, Column{Name: column.GetName(), Type: column.GetType()})
	}
	return r, nil
}

// All iterates over the rows, fetching the next page when the last one is used up; every iteration
// starts again at the first row. Each row has one value per column: a string, int64, float64, bool, or
// nil for NULL. Errors and retries are ListInstances'.
func (r *ResultRows) All(ctx context.Context) iter.Seq2[[]any, error] {
	return func(yield func([]any, error) bool) {
		pages := paginate(ctx, r.client.retry, func(token string) ([]*pb.ResultRow, string, error) {
			if token == "" {
				return r.first.GetRows(), r.first.GetNextPageToken(), nil
			}
			req := proto.CloneOf(r.req)
			req.PageToken = token
			resp, err := r.client.rpc.ListTaskResultRows(ctx, req)
			return resp.GetRows(), resp.GetNextPageToken(), err
		})
		for row, err := range pages {
			if err != nil {
				yield(nil, err)
				return
			}
			values := make([]any, len(row.GetCells()))
			for i, cell := range row.GetCells() {
				values[i] = CellValue(cell)
			}
			if !yield(values, nil) {
				return
			}
		}
	}
}

// CellValue returns the Go value of a result cell: a string, int64, float64 or bool, and nil for NULL.
func CellValue(cell *pb.ResultCell) any {
	switch kind := cell.GetKind().(type) {
	case *pb.ResultCell_StringValue:
		return kind.StringValue
	case *pb.ResultCell_IntValue:
		return kind.IntValue
	case *pb.ResultCell_DoubleValue:
		return kind.DoubleValue
	case *pb.ResultCell_BoolValue:
		return kind.BoolValue
	}
	return nil
}
