package taskstream

import (
	"slices"
	"testing"
	"time"
)

func TestRetryDelaysDoubleUpToTheMaximum(t *testing.T) {
	var delays []time.Duration
	for failures := 1; failures <= 9; failures++ {
		delays = append(delays, DefaultRetry.delay(failures))
	}
	ms := time.Millisecond
	want := []time.Duration{0, 100 * ms, 200 * ms, 400 * ms, 800 * ms, 1600 * ms, 3200 * ms, 5000 * ms, 5000 * ms}
	if !slices.Equal(delays, want) {
		t.Errorf("delays %v, want %v", delays, want)
	}
}
