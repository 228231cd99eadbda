package ingest

import "io/fs"

// SetDirFS makes a dir source list its folder through fsys, so that tests
// can make a folder fail to list (permissions are no test when the tests
// run as root).
func SetDirFS(s *DirSource, fsys fs.FS) { s.fsys = fsys }
