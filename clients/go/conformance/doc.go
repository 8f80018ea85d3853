// Package conformance runs the shared conformance scenario (tests/conformance/scenario.json) through the
// Go client against a live taskstream server that its test starts; it holds only that test.
package conformance
