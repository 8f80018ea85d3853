package taskstream_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/taskstream/taskstream/clients/go/gen/taskstream/v1"
	"github.com/taskstream/taskstream/clients/go/taskstream"
)

type outputScript = func(*pb.ReadTaskOutputRequest, grpc.ServerStreamingServer[pb.ReadTaskOutputResponse]) error

// sendsOutput is a scripted output read that sends chunks of text at offsets, then ends with err (nil
// closes the stream).
func sendsOutput(err error, chunks ...*pb.ReadTaskOutputResponse) outputScript {
	return func(_ *pb.ReadTaskOutputRequest, stream grpc.ServerStreamingServer[pb.ReadTaskOutputResponse]) error {
		for _, c := range chunks {
			if err := stream.Send(c); err != nil {
				return err
			}
		}
		return err
	}
}

func chunk(offset int64, data string) *pb.ReadTaskOutputResponse {
	return &pb.ReadTaskOutputResponse{Offset: offset, Data: []byte(data)}
}

// readAll reads an output iteration to its end: the chunks and the error that ended it.
func readAll(iteration func(func(taskstream.OutputChunk, error) bool)) ([]taskstream.OutputChunk, error) {
	var chunks []taskstream.OutputChunk
	for c, err := range iteration {
		if err != nil {
			return chunks, err
		}
		chunks = append(chunks, c)
	}
	return chunks, nil
}

func joined(chunks []taskstream.OutputChunk) string {
	var all []byte
	for _, c := range chunks {
		all = append(all, c.Data...)
	}
	return string(all)
}

func TestReadOutputSendsTheRequestAndYieldsTheChunks(t *testing.T) {
	cut := &pb.ReadTaskOutputResponse{Offset: 100, Data: []byte("tail"), CutBytes: 90}
	f := &fakeServer{outputs: []outputScript{sendsOutput(nil, chunk(0, "head"), cut)}}
	client := serve(t, f)
	opts := &taskstream.ReadOutputOptions{Stream: pb.OutputStream_OUTPUT_STREAM_STDERR, Offset: -7, Follow: true}
	chunks, err := readAll(client.ReadOutput(context.Background(), "i1", "t", opts))
	if err != nil {
		t.Fatal(err)
	}
	if len(chunks) != 2 || joined(chunks) != "headtail" || chunks[0].Offset != 0 || chunks[0].CutBytes != 0 ||
		chunks[1].Offset != 100 || chunks[1].CutBytes != 90 {
		t.Errorf("chunks %+v", chunks)
	}
	req := sent[*pb.ReadTaskOutputRequest](f)[0]
	if req.GetInstance() != instanceName || req.GetTask() != "t" || req.GetStream() != pb.OutputStream_OUTPUT_STREAM_STDERR ||
		req.GetOffset() != -7 || !req.GetFollow() {
		t.Errorf("request %v", req)
	}
}

func TestReadOutputWithoutOptionsReadsStdoutFromTheStart(t *testing.T) {
	f := &fakeServer{outputs: []outputScript{sendsOutput(nil, chunk(0, "all"))}}
	client := serve(t, f)
	if chunks, err := readAll(client.ReadOutput(context.Background(), "i1", "", nil)); err != nil || joined(chunks) != "all" {
		t.Fatalf("read %q, %v", joined(chunks), err)
	}
	req := sent[*pb.ReadTaskOutputRequest](f)[0]
	if req.GetTask() != "" || req.GetStream() != pb.OutputStream_OUTPUT_STREAM_UNSPECIFIED || req.GetOffset() != 0 || req.GetFollow() {
		t.Errorf("request %v", req)
	}
}

func TestReadOutputResumesAtTheNextByte(t *testing.T) {
	f := &fakeServer{outputs: []outputScript{
		sendsOutput(status.Error(codes.Unavailable, "dropped"), chunk(0, "hello "), chunk(6, "wor")),
		// The resumed stream starts before the byte asked for: what was yielded is not yielded again.
		sendsOutput(nil, chunk(7, "orld"), chunk(11, "!")),
	}}
	client := serve(t, f)
	chunks, err := readAll(client.ReadOutput(context.Background(), "i1", "", &taskstream.ReadOutputOptions{Follow: true}))
	if err != nil || joined(chunks) != "hello world!" {
		t.Fatalf("read %q, %v", joined(chunks), err)
	}
	if chunks[2].Offset != 9 {
		t.Errorf("the resumed chunk's offset %d, want 9", chunks[2].Offset)
	}
	reqs := sent[*pb.ReadTaskOutputRequest](f)
	if len(reqs) != 2 || reqs[1].GetOffset() != 9 || !reqs[1].GetFollow() {
		t.Errorf("requests %v", reqs)
	}
}

func TestReadOutputResumesATailBeforeItsFirstChunkFromTheEnd(t *testing.T) {
	f := &fakeServer{outputs: []outputScript{
		sendsOutput(status.Error(codes.Unavailable, "dropped")),
		sendsOutput(nil, chunk(93, "the end")),
	}}
	client := serve(t, f)
	chunks, err := readAll(client.ReadOutput(context.Background(), "i1", "", &taskstream.ReadOutputOptions{Offset: -7}))
	if err != nil || joined(chunks) != "the end" || chunks[0].Offset != 93 {
		t.Fatalf("read %+v, %v", chunks, err)
	}
	if reqs := sent[*pb.ReadTaskOutputRequest](f); len(reqs) != 2 || reqs[1].GetOffset() != -7 {
		t.Errorf("requests %v", reqs)
	}
}

func TestReadOutputOfAnUnknownTaskIsNotFound(t *testing.T) {
	f := &fakeServer{outputs: []outputScript{sendsOutput(status.Error(codes.NotFound, "no such task"))}}
	client := serve(t, f)
	if _, err := readAll(client.ReadOutput(context.Background(), "i1", "nope", nil)); !errors.Is(err, taskstream.ErrNotFound) {
		t.Fatalf("error %v", err)
	}
	if n := len(sent[*pb.ReadTaskOutputRequest](f)); n != 1 {
		t.Errorf("%d calls", n)
	}
}

func TestBreakingOutOfAnOutputReadEndsTheCall(t *testing.T) {
	ended := make(chan error, 1)
	f := &fakeServer{outputs: []outputScript{
		func(_ *pb.ReadTaskOutputRequest, stream grpc.ServerStreamingServer[pb.ReadTaskOutputResponse]) error {
			if err := stream.Send(chunk(0, "first")); err != nil {
				return err
			}
			<-stream.Context().Done() // a follow held open until the client goes away
			ended <- stream.Context().Err()
			return nil
		},
	}}
	client := serve(t, f)
	for range client.ReadOutput(context.Background(), "i1", "", &taskstream.ReadOutputOptions{Follow: true}) {
		break
	}
	select {
	case err := <-ended:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("server saw %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the server never saw the read end")
	}
}
