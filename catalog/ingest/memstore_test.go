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
	files    map[string]map[string]FileRecord // source → file → record
	applies  int                              // ApplyChanges and SetSourceFiles calls with something to write
}

type stored struct {
	source string
	head   Head
	entity catalog.Entity
}

func newMemStore() *memStore {
	return &memStore{entities: map[catalog.Ref]stored{}, files: map[string]map[string]FileRecord{}}
}

func (m *memStore) SourceFiles(_ context.Context, source string) (map[string]FileRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]FileRecord{}
	for f, r := range m.files[source] {
		out[f] = r
	}
	return out, nil
}

func (m *memStore) SetSourceFiles(_ context.Context, source string, files map[string]*FileRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(files) > 0 {
		m.applies++
	}
	if m.files[source] == nil {
		m.files[source] = map[string]FileRecord{}
	}
	for f, r := range files {
		if r == nil {
			delete(m.files[source], f)
		} else {
			m.files[source][f] = *r
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
