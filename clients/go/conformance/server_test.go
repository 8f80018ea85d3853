package conformance_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// repoRoot is the repository's root, three levels above this package (clients/go/conformance).
var repoRoot, _ = filepath.Abs(filepath.Join("..", "..", ".."))

// server is a live taskstreamd started as tests/conformance/README.md says: port 0 on 127.0.0.1, a
// fresh data directory, the test task types, the address read from its ready line.
type server struct {
	cmd     *exec.Cmd
	dataDir string
	address string
	log     *syncBuffer // its stderr, shown when a test fails
}

// syncBuffer is a bytes.Buffer safe for the writer (the process) and the reader (TestMain).
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var (
	shared     *server
	sharedErr  error
	sharedOnce sync.Once
)

// liveServer starts the server the first time a test asks for it; TestMain stops it.
func liveServer() (*server, error) {
	sharedOnce.Do(func() { shared, sharedErr = startServer(60 * time.Second) })
	return shared, sharedErr
}

func startServer(timeout time.Duration) (*server, error) {
	python := filepath.Join(repoRoot, ".venv", "bin", "python")
	if _, err := os.Stat(python); err != nil {
		return nil, fmt.Errorf("no Python virtualenv at %s (run `make venv`): %w", python, err)
	}
	dataDir, err := os.MkdirTemp("", "taskstream-go-conformance-")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(python, "-m", "taskstreamd", "--log-level", "WARNING", "serve",
		"--listen", "127.0.0.1:0", "--http", "127.0.0.1:0", "--data-dir", dataDir,
		"--workers", "2", "--tasks", "tests.support.tasks", "--grace-period", "1")
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "PYTHONPATH="+repoRoot)
	log := &syncBuffer{}
	cmd.Stderr = log
	endWithTest(cmd)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, dataDir: dataDir, log: log}
	ready := make(chan string, 1)
	go readReadyLine(stdout, ready)
	select {
	case line, ok := <-ready:
		if !ok {
			s.stop()
			return nil, fmt.Errorf("taskstreamd exited before its ready line:\n%s", log)
		}
		var msg struct{ Event, GRPC string }
		if err := json.Unmarshal([]byte(line), &msg); err != nil || msg.Event != "ready" || msg.GRPC == "" {
			s.stop()
			return nil, fmt.Errorf("taskstreamd's ready line %q: %v", line, err)
		}
		s.address = msg.GRPC
		return s, nil
	case <-time.After(timeout):
		s.stop()
		return nil, fmt.Errorf("taskstreamd was not ready after %v:\n%s", timeout, log)
	}
}

// readReadyLine sends the first stdout line that starts with "{", then keeps draining stdout so that
// the server never blocks on a full pipe; it closes ready when stdout ends.
func readReadyLine(stdout io.Reader, ready chan<- string) {
	defer close(ready)
	lines := bufio.NewScanner(stdout)
	sent := false
	for lines.Scan() {
		if !sent && strings.HasPrefix(lines.Text(), "{") {
			ready <- lines.Text()
			sent = true
		}
	}
}

// stop ends the server with SIGTERM (it drains its streams and stops its workers), and kills it when
// it has not exited after 30 seconds.
func (s *server) stop() {
	defer os.RemoveAll(s.dataDir)
	if s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		_ = s.cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}
