package taskstream

import (
	"context"
	"errors"
	"io"
	"iter"

	"google.golang.org/protobuf/proto"

	pb "github.com/taskstream/taskstream/clients/go/gen/taskstream/v1"
)

// ReadOutputOptions says which output ReadOutput reads and from where; the zero value (or nil) reads the
// stdout written so far from its first byte.
type ReadOutputOptions struct {
	// Stream is OUTPUT_STREAM_STDOUT or OUTPUT_STREAM_STDERR; unset means stdout.
	Stream pb.OutputStream
	// Offset is the byte to start at; a negative offset starts that many bytes before the current end,
	// as tail -c does.
	Offset int64
	// Follow keeps reading new output until the task ends and its last byte was read; without it the
	// iteration ends after the output written so far.
	Follow bool
}

// OutputChunk is bytes of a task's stdout or stderr.
type OutputChunk struct {
	// Offset is the byte offset of Data in the stream.
	Offset int64
	// Data are the bytes.
	Data []byte
	// CutBytes is how many bytes just before Offset the server did not keep (it keeps the head and the
	// tail of output longer than its cap).
	CutBytes int64
}

// ReadOutput iterates over one task's stdout or stderr (an empty task name picks the instance's only
// task). A stream that fails transiently is resumed at the next byte, so no byte is yielded twice; the
// client's RetryPolicy bounds the retries. An error ends the iteration as its last pair, ErrNotFound for
// an unknown instance or task. Breaking out of the loop ends the call.
//
//	for chunk, err := range client.ReadOutput(ctx, id, "", &taskstream.ReadOutputOptions{Follow: true}) {
//		if err != nil {
//			return err
//		}
//		os.Stdout.Write(chunk.Data)
//	}
func (c *Client) ReadOutput(ctx context.Context, instance, task string, opts *ReadOutputOptions) iter.Seq2[OutputChunk, error] {
	if opts == nil {
		opts = &ReadOutputOptions{}
	}
	req := &pb.ReadTaskOutputRequest{
		Instance: c.InstanceName(instance), Task: task, Stream: opts.Stream, Offset: opts.Offset, Follow: opts.Follow,
	}
	return func(yield func(OutputChunk, error) bool) {
		r := &outputReader{rpc: c.rpc, offset: req.Offset, retry: retrier{policy: c.retry}}
		for {
			finished, err := r.stream(ctx, req, yield)
			if finished {
				return
			}
			if !r.retry.again(ctx, err) {
				if ctx.Err() != nil {
					err = ctx.Err()
				}
				yield(OutputChunk{}, callError(err))
				return
			}
		}
	}
}

// outputReader is one ReadOutput's position across the streams it opens.
type outputReader struct {
	rpc pb.InstanceServiceClient
	// offset is where the next stream starts: the byte after the last one yielded, or the requested
	// offset (which may be negative) until a chunk came.
	offset int64
	retry  retrier
}

// stream opens one stream at the reader's offset and yields its chunks. It returns finished when the
// output is read to its end or the caller stopped, and otherwise the error that ended the stream.
func (r *outputReader) stream(ctx context.Context, req *pb.ReadTaskOutputRequest, yield func(OutputChunk, error) bool) (finished bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends the call when the caller stops early
	at := proto.CloneOf(req)
	at.Offset = r.offset
	stream, err := r.rpc.ReadTaskOutput(ctx, at)
	if err != nil {
		return false, err
	}
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return true, nil
		}
		if err != nil {
			return false, err
		}
		r.retry.failures = 0
		chunk, ok := r.receive(resp)
		if ok && !yield(chunk, nil) {
			return true, nil
		}
	}
}

// receive returns the chunk to yield for one message, without bytes yielded before, and false when
// nothing in it is new.
func (r *outputReader) receive(resp *pb.ReadTaskOutputResponse) (OutputChunk, bool) {
	chunk := OutputChunk{Offset: resp.GetOffset(), Data: resp.GetData(), CutBytes: resp.GetCutBytes()}
	if r.offset > 0 && chunk.Offset < r.offset { // a resumed stream went back: drop what was yielded
		skip := min(r.offset-chunk.Offset, int64(len(chunk.Data)))
		chunk = OutputChunk{Offset: chunk.Offset + skip, Data: chunk.Data[skip:]}
		if len(chunk.Data) == 0 {
			return OutputChunk{}, false
		}
	}
	r.offset = chunk.Offset + int64(len(chunk.Data))
	return chunk, true
}
