"""gRPC servicers: proto in, domain calls, proto out. Errors are mapped in one interceptor."""
