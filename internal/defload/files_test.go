package defload

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"b.yaml", "a.yml", "notes.txt", "sub/c.yaml", ".hidden/d.yaml"} {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x: 1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	single := filepath.Join(dir, "notes.txt")
	got, err := Files("actions", []string{dir, single})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "a.yml"), filepath.Join(dir, "b.yaml"), single, filepath.Join(dir, "sub/c.yaml")}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Files:\n got %v\nwant %v", got, want)
	}
	_, err = Files("scorecards", []string{filepath.Join(dir, "missing")})
	if err == nil || !strings.HasPrefix(err.Error(), "scorecards path ") || !strings.HasSuffix(err.Error(), "missing: no such file or folder") {
		t.Errorf("a missing path: %v", err)
	}
}

func TestReadAndSort(t *testing.T) {
	dir := t.TempDir()
	ok := filepath.Join(dir, "ok.yaml")
	if err := os.WriteFile(ok, []byte("a: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var read []string
	problems := Read([]string{filepath.Join(dir, "gone.yaml"), ok}, func(file string, data []byte) {
		read = append(read, file+"="+string(data))
	})
	if len(read) != 1 || read[0] != ok+"=a: 1\n" {
		t.Errorf("read %v", read)
	}
	if len(problems) != 1 || problems[0].String() != filepath.Join(dir, "gone.yaml")+": cannot read: no such file or folder" {
		t.Errorf("problems %v", problems)
	}

}

func TestSort(t *testing.T) {
	b := &Decoder{File: "b.yaml"}
	b.FailAt(3, "three")
	b.FailAt(1, "one")
	b.FailAt(1, "one again")
	a := &Decoder{File: "a.yaml"}
	a.FailAt(7, "seven")
	all := append(b.Problems, a.Problems...)
	Sort(all)
	var got []string
	for _, p := range all {
		got = append(got, p.String())
	}
	want := []string{"a.yaml:7: seven", "b.yaml:1: one", "b.yaml:1: one again", "b.yaml:3: three"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Sort:\n got %v\nwant %v", got, want)
	}
}
