package conformance_test

import (
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The README's "Use it from your own project" section of the Go client: its program is built as a module
// of its own outside the repository, which requires the client through a replace of its module path, as
// a user trying a checkout would; then it is run against the live server and against no server.

// readmeSection returns the Go section's text under the heading, up to the next heading.
func readmeSection(t *testing.T, heading string) string {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n### Go\n")
	if !ok {
		t.Fatal("README.md has no Go section")
	}
	if _, section, ok = strings.Cut(section, "\n"+heading+"\n"); !ok {
		t.Fatalf("README.md's Go section has no %q", heading)
	}
	for _, next := range []string{"\n### ", "\n#### "} {
		section, _, _ = strings.Cut(section, next)
	}
	return section
}

// goBlock returns the first ```go block of text.
func goBlock(t *testing.T, text string) string {
	t.Helper()
	_, block, ok := strings.Cut(text, "```go\n")
	if !ok {
		t.Fatal("no ```go block")
	}
	block, _, ok = strings.Cut(block, "```")
	if !ok {
		t.Fatal("an unclosed ```go block")
	}
	return block
}

// modulePath is the module path in a go.mod.
func modulePath(t *testing.T, goMod string) string {
	t.Helper()
	data, err := os.ReadFile(goMod)
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(data), "\n")
	path, ok := strings.CutPrefix(first, "module ")
	if !ok {
		t.Fatalf("%s begins with %q", goMod, first)
	}
	return strings.TrimSpace(path)
}

// command runs a command in dir with env added to the environment and fails the test when it fails.
func command(t *testing.T, dir string, env []string, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// runConsumer runs the built program against the server at address: its stdout and stderr, and the
// error of a non-zero exit.
func runConsumer(binary, address string) (string, string, error) {
	cmd := exec.Command(binary)
	cmd.Env = append(os.Environ(), "TASKSTREAM_SERVER="+address)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

func TestTheREADMEsFirstCallRunsInAModuleOutsideTheRepository(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the outside module: %v", err)
	}
	clientDir := filepath.Join(repoRoot, "clients", "go")
	module := modulePath(t, filepath.Join(clientDir, "go.mod"))
	section := readmeSection(t, "#### Use it from your own project")
	// The install commands name the module as go.mod does, and the tags a module in a directory needs.
	for _, want := range []string{"go get " + module + "@latest", "`clients/go/vX.Y.Z`", "replace " + module + " => "} {
		if !strings.Contains(section, want) {
			t.Errorf("the README's section does not say %q", want)
		}
	}
	program := goBlock(t, section)
	const output = "INSTANCE_STATUS_TERMINATED hello"
	if !strings.Contains(program, "// "+output) {
		t.Errorf("the README's program does not show its output %q", output)
	}

	// A module of its own in a temporary directory, outside the repository.
	dir := t.TempDir()
	goMod := "module example.com/consumer\n\ngo 1.26.0\n\nrequire " + module + " v0.0.0\n\nreplace " + module + " => " + clientDir + "\n"
	sums, err := os.ReadFile(filepath.Join(clientDir, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"go.mod": goMod, "go.sum": string(sums), "main.go": program} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The build adds the requirements the program's imports need (-mod=mod), from the client's go.mod.
	// The client's own go.sum vouches for those modules, and the test run has them in the module cache
	// already, so nothing is fetched: the build is the same with or without a network. (go mod tidy would
	// also want the modules of the dependencies' own tests, which the cache need not hold.)
	binary := filepath.Join(dir, "consumer")
	command(t, dir, []string{"GOWORK=off", "GOPROXY=off", "GOFLAGS=-mod=mod"}, goTool, "build", "-o", binary, ".")

	srv, err := liveServer()
	if err != nil {
		t.Fatal(err)
	}
	stdout, stderr, err := runConsumer(binary, srv.address)
	if err != nil || stdout != output+"\n" {
		t.Errorf("against the server: %v, stdout %q, stderr %q; want stdout %q", err, stdout, stderr, output+"\n")
	}

	// Where no server listens, the call fails cleanly: one line naming the status, exit code 1.
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	nobody := lis.Addr().String()
	_ = lis.Close()
	stdout, stderr, err = runConsumer(binary, nobody)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || stdout != "" ||
		!strings.HasPrefix(stderr, "taskstream: Unavailable: ") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("without a server: %v, stdout %q, stderr %q", err, stdout, stderr)
	}
}
