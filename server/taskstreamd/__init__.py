"""taskstreamd: the taskstream server (gRPC API, scheduler, store) and its worker processes."""
