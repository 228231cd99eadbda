package ingest

import (
	"context"
	"sync"

	"github.com/gantryhq/gantry/catalog"
)

// memStore is an in-memory Store that records every write, so tests can
// assert what a sync wrote (and that it wrote nothing).
type memStore struct {
	mu       sync.Mutex
	entities map[catalog.Ref]stored
	digests  map[string]map[string]string // source → file → digest
	applies  int                          // ApplyChanges and SetFileDigests calls with something to write
}

type stored struct {
	source string
	head   Head
	entity catalog.Entity
}

func newMemStore() *memStore {
	return &memStore{entities: map[catalog.Ref]stored{}, digests: map[string]map[string]string{}}
}

func (m *memStore) FileDigests(_ context.Context, source string) (map[string]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]string{}
	for f, d := range m.digests[source] {
		out[f] = d
	}
	return out, nil
}

func (m *memStore) SetFileDigests(_ context.Context, source string, digests map[string]string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(digests) > 0 {
		m.applies++
	}
	if m.digests[source] == nil {
		m.digests[source] = map[string]string{}
	}
	for f, d := range digests {
		if d == "" {
			delete(m.digests[source], f)
		} else {
			m.digests[source][f] = d
		}
	}
	return nil
}

func (m *memStore) SourceHeads(_ context.Context, source string) ([]Head, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Head
	for _, s := range m.entities {
		if s.source == source {
			out = append(out, s.head)
		}
	}
	return out, nil
}

func (m *memStore) ApplyChanges(_ context.Context, source string, ch Changes) ([]Conflict, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !ch.Empty() {
		m.applies++
	}
	var conflicts []Conflict
	for _, u := range ch.Upserts {
		ref := u.Entity.Ref()
		if cur, ok := m.entities[ref]; ok && cur.source != source {
			conflicts = append(conflicts, Conflict{Ref: ref, Source: cur.source, File: cur.head.File})
			continue
		}
		m.entities[ref] = stored{source: source, head: Head{Ref: ref, Hash: u.Hash, File: u.Entity.Origin.File, Line: u.Entity.Origin.Line, Flag: u.Flag}, entity: u.Entity}
	}
	for _, ref := range ch.Deletes {
		delete(m.entities, ref)
	}
	for ref, flag := range ch.Flags {
		if s, ok := m.entities[ref]; ok {
			s.head.Flag = flag
			m.entities[ref] = s
		}
	}
	return conflicts, nil
}

func (m *memStore) get(ref string) (stored, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.entities[catalog.MustParseRef(ref)]
	return s, ok
}

func (m *memStore) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entities)
}
