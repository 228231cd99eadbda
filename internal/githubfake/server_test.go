package githubfake

import (
	"sync"
	"testing"
)

// TestStartAndCloseAtOnce starts and closes servers with no pause between:
// the serving goroutine must not read what Close resets (a data race, and
// a nil-pointer panic under load).
func TestStartAndCloseAtOnce(t *testing.T) {
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				s, err := New(nil)
				if err != nil {
					t.Error(err)
					return
				}
				if err := s.Start(); err != nil {
					t.Error(err)
					return
				}
				if err := s.Close(); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
}
