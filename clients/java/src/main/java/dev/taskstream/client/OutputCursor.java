package dev.taskstream.client;

import com.google.protobuf.ByteString;
import dev.taskstream.v1.InstanceServiceGrpc.InstanceServiceStub;
import dev.taskstream.v1.ReadTaskOutputRequest;
import dev.taskstream.v1.ReadTaskOutputResponse;
import io.grpc.stub.ClientResponseObserver;

/**
 * Where an output read stands: the next byte. A resumed call starts there, and bytes a resumed call
 * sends again are dropped. A negative start (bytes before the end) stays the request until the
 * first chunk says where that is.
 */
final class OutputCursor implements StreamCursor<ReadTaskOutputResponse, OutputChunk> {
  private final InstanceServiceStub stub;
  private final ReadTaskOutputRequest.Builder request;
  private boolean positioned;

  OutputCursor(InstanceServiceStub stub, String instance, String task, OutputOptions options) {
    this.stub = stub;
    this.request =
        ReadTaskOutputRequest.newBuilder()
            .setInstance(instance)
            .setTask(task)
            .setStream(options.stream())
            .setOffset(options.offset())
            .setFollow(options.follow());
    this.positioned = options.offset() >= 0;
  }

  @Override
  public void open(ClientResponseObserver<Object, ReadTaskOutputResponse> observer) {
    stub.readTaskOutput(request.build(), observer);
  }

  @Override
  public OutputChunk receive(ReadTaskOutputResponse response) {
    long start = response.getOffset();
    ByteString data = response.getData();
    long cut = response.getCutBytes();
    long next = request.getOffset();
    if (positioned && start < next) {
      long seen = Math.min(next - start, data.size());
      data = data.substring((int) seen);
      start += seen;
      cut = 0;
      if (data.isEmpty()) {
        return null;
      }
    }
    positioned = true;
    request.setOffset(start + data.size());
    return new OutputChunk(start, data, cut);
  }

  @Override
  public boolean complete() {
    return false; // The server closes the stream after the last byte.
  }

  @Override
  public ApiException closedEarly() {
    return null;
  }
}
