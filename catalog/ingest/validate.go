package ingest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/gantryhq/gantry/catalog"
)

// Validation is the outcome of Validate.
type Validation struct {
	Files    int
	Entities int
	Problems []catalog.Problem
	Notes    []Note
}

// Validate checks descriptor files without a store, as a sync would read
// them: each path is a file (followed through its Location targets) or a
// folder (every .yaml/.yml file under it, each as a location). The same
// entity defined twice is a problem naming both places.
func Validate(ctx context.Context, paths []string) (Validation, error) {
	var v Validation
	seen := map[catalog.Ref]catalog.Problem{}
	visit := func(f FileResult) error {
		v.Files++
		v.Problems = append(v.Problems, f.Problems...)
		v.Notes = append(v.Notes, f.Notes...)
		for _, e := range f.Entities {
			here := catalog.Problem{File: e.Origin.File, Line: e.Origin.Line, Ref: e.Ref()}
			if first, dup := seen[e.Ref()]; dup {
				here.Message = fmt.Sprintf("%s is already defined at %s; the first definition is kept", e.Ref(), place(first))
				v.Problems = append(v.Problems, here)
				continue
			}
			seen[e.Ref()] = here
			v.Entities++
		}
		return nil
	}
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			return v, err
		}
		info, err := os.Stat(abs)
		if err != nil {
			v.Problems = append(v.Problems, catalog.Problem{File: p, Line: 1, Message: "no such file or folder"})
			continue
		}
		// One walker per argument, rooted at the argument's folder, so every
		// file is read once even when Locations lead to it again.
		root, files := filepath.Dir(abs), []string{abs}
		if info.IsDir() {
			root = abs
		}
		w, err := newWalker(root, "", SinkFunc(visit))
		if err != nil {
			return v, err
		}
		if info.IsDir() {
			var unreadable []unreadableDir
			files, unreadable = descriptorFiles(abs)
			for _, u := range unreadable {
				v.Problems = append(v.Problems, catalog.Problem{File: w.display(u.path), Line: 1,
					Message: fmt.Sprintf("cannot read the folder: %v", unwrapPathError(u.err))})
			}
		}
		for _, f := range files {
			if err := w.walkFile(ctx, f, "file:"+f, nil); err != nil {
				return v, err
			}
		}
	}
	return v, nil
}

// descriptorFiles lists the .yaml and .yml files under root, sorted, and
// the folders it could not read.
func descriptorFiles(root string) ([]string, []unreadableDir) {
	files, unreadable := globFiles(os.DirFS(root), root, "**/*.yaml")
	yml, _ := globFiles(os.DirFS(root), root, "**/*.yml")
	files = append(files, yml...)
	sort.Strings(files)
	return files, unreadable
}
