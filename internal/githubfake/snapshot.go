package githubfake

import (
	"encoding/json"
	"fmt"
)

// snapshotVersion changes when the state layout does, so that an old
// playground sandbox fails to load loudly instead of loading half.
const snapshotVersion = 1

type snapshot struct {
	Version int    `json:"version"`
	State   *state `json:"state"`
}

// Snapshot returns the whole world (repositories with every git object,
// teams, tokens, apps, pulls, runs, renames) as JSON. Call counters, the
// rate-limit budget and injected faults are not part of it: they belong to
// a test run, not to the world.
func (s *Server) Snapshot() ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	data, err := json.Marshal(snapshot{Version: snapshotVersion, State: s.st})
	if err != nil {
		return nil, fmt.Errorf("githubfake: snapshot: %w", err)
	}
	return data, nil
}

// Restore replaces the world with a Snapshot's. On error the current world
// is left as it was.
func (s *Server) Restore(data []byte) error {
	var snap snapshot
	if err := json.Unmarshal(data, &snap); err != nil {
		return fmt.Errorf("githubfake: restore: %w", err)
	}
	if snap.Version != snapshotVersion || snap.State == nil {
		return fmt.Errorf("githubfake: restore: snapshot version %d, want %d", snap.Version, snapshotVersion)
	}
	st := snap.State
	fill := newState()
	if st.Accounts == nil {
		st.Accounts = fill.Accounts
	}
	if st.Repos == nil {
		st.Repos = fill.Repos
	}
	if st.Moved == nil {
		st.Moved = fill.Moved
	}
	if st.Tokens == nil {
		st.Tokens = fill.Tokens
	}
	if st.Apps == nil {
		st.Apps = fill.Apps
	}
	if st.Installations == nil {
		st.Installations = fill.Installations
	}
	for _, a := range st.Accounts {
		if a.Teams == nil {
			a.Teams = map[string]*team{}
		}
		for _, t := range a.Teams {
			if t.Repos == nil {
				t.Repos = map[int64]string{}
			}
		}
	}
	for _, r := range st.Repos {
		if r.Refs == nil {
			r.Refs = map[string]string{}
		}
		if r.Protections == nil {
			r.Protections = map[string]*Protection{}
		}
		if r.Objects == nil {
			r.Objects = objectStore{}
		}
	}
	st.reindex()
	s.mu.Lock()
	s.st = st
	s.mu.Unlock()
	s.rate.mu.Lock()
	s.rate.limit = st.Limits.RateLimit
	s.rate.mu.Unlock()
	s.secondary.mu.Lock()
	s.secondary.points = st.Limits.secondaryPoints()
	s.secondary.mu.Unlock()
	return nil
}
