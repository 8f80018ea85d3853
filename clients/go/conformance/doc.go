// Package conformance runs the shared conformance scenario (tests/conformance/scenario.json) through the
// Go client against a live taskstream server that its test starts, and builds the README's first Go call
// as a module outside the repository and runs it against that server; it holds only those tests.
package conformance
