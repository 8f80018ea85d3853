"""Runs the command in its arguments, then prints ``[exit status N]``: the tmux tests read it from the
screen, as tmux itself does not always report a pane's exit status (it can miss the child's exit)."""

import signal
import subprocess
import sys

# Ctrl-C is meant for the command. A handler, unlike SIG_IGN, is not inherited by it.
signal.signal(signal.SIGINT, lambda signum, frame: None)
status = subprocess.call(sys.argv[1:])
print(f"[exit status {status}]", flush=True)
