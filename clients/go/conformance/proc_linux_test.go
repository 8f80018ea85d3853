package conformance_test

import (
	"os/exec"
	"syscall"
)

// endWithTest makes the kernel send the server SIGTERM if the test process dies without stopping it
// (a panic, or go test's -timeout), so no server outlives its test.
func endWithTest(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
