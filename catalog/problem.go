package catalog

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with a descriptor, located for the person who
// must fix it. Its String form, "FILE:LINE: message", is the CLI contract.
type Problem struct {
	File    string
	Line    int // 1-based; 0 when the problem is about the whole file
	Message string
	// Ref names the entity the problem is about, when it could be read.
	Ref Ref
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Message)
}

func (p Problem) Error() string { return p.String() }

// Problems is a list of problems; as an error it reads one per line.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}
