package clock

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestSleep(t *testing.T) {
	ctx := context.Background()
	start := time.Now()
	if err := Sleep(ctx, 20*time.Millisecond); err != nil || time.Since(start) < 20*time.Millisecond {
		t.Errorf("Sleep(20ms) = %v after %s", err, time.Since(start))
	}
	if err := Sleep(ctx, 0); err != nil {
		t.Errorf("Sleep(0) = %v", err)
	}
	ended, cancel := context.WithCancel(ctx)
	cancel()
	if err := Sleep(ended, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep(0) on an ended context = %v", err)
	}
	ending, cancel2 := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel2()
	start = time.Now()
	if err := (Wall{}).Sleep(ending, time.Hour); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Minute {
		t.Errorf("Sleep(1h) on a context ending in 10ms = %v after %s", err, time.Since(start))
	}
	if now := (Wall{}).Now(); time.Since(now) > time.Minute || time.Since(now) < 0 {
		t.Errorf("Wall.Now() = %s", now)
	}
}
