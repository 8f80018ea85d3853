"""The domain: instances and tasks as plain data, and the state machine that moves them."""
