"""Generated protobuf and gRPC code for the taskstream.v1 API (see protos/taskstream/v1/)."""
