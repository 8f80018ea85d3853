"""Use cases and scheduling: what the servicers call, and how queued tasks reach workers."""
