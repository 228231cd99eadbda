// Package defload reads Gantry's own definition files (actions and
// scorecards, apiVersion gantry.dev/v1): it expands folders into their
// YAML files, reads multi-document files, and turns shape mistakes
// (unknown or repeated fields, wrong types, invalid YAML) into problems
// with their line ("FILE:LINE: message"). Each definition package decodes
// its own kind with a Decoder.
package defload

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gantryhq/gantry/catalog"
)

// Files expands paths (files, or folders whose .yaml and .yml files are all
// read, recursively, hidden folders left out) into the files to read,
// sorted. what names the setting in errors ("actions" gives "actions path
// x: no such file or folder"); a path that cannot be read is an error.
func Files(what string, paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("%s path %s: %w", what, p, UnwrapPath(err))
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && path != p && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if ext := filepath.Ext(path); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("%s path %s: %w", what, p, UnwrapPath(err))
		}
	}
	sort.Strings(out)
	return out, nil
}

// Read reads each file and hands its contents to parse. A file that
// cannot be read is a problem ("FILE: cannot read: permission denied"),
// and parse is not called for it.
func Read(files []string, parse func(file string, data []byte)) []catalog.Problem {
	var problems []catalog.Problem
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			problems = append(problems, catalog.Problem{File: f, Message: fmt.Sprintf("cannot read: %v", UnwrapPath(err))})
			continue
		}
		parse(f, data)
	}
	return problems
}

// Sort orders problems by file, then line, keeping the order of those on
// one line.
func Sort(problems []catalog.Problem) {
	sort.SliceStable(problems, func(i, j int) bool {
		if problems[i].File != problems[j].File {
			return problems[i].File < problems[j].File
		}
		return problems[i].Line < problems[j].Line
	})
}

// UnwrapPath drops the path from an *fs.PathError, for a message that
// names the file already.
func UnwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, fs.ErrNotExist) {
			return errors.New("no such file or folder")
		}
		return pe.Err
	}
	return err
}
