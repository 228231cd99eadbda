package store

import "strings"

// PostgreSQL cannot hold a NUL character in text or jsonb, and YAML can
// carry one ("\0" in a double-quoted string). Rather than let one odd
// descriptor fail its whole batch on PostgreSQL only, the store writes NUL
// as U+FFFD on both engines, so they hold the same thing.

const replacement = "\uFFFD"

// noNUL replaces NUL characters in s.
func noNUL(s string) string {
	if strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(s, "\x00", replacement)
}

// noNULArgs applies noNUL to the string arguments of a statement.
func noNULArgs(args []any) []any {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = noNUL(s)
		}
	}
	return args
}

// noNULJSON replaces the escape \u0000 in encoded JSON, minding that in
// `\\u0000` the backslash is itself escaped and the rest is plain text.
func noNULJSON(js string) string {
	if !strings.Contains(js, `\u0000`) {
		return js
	}
	var b strings.Builder
	b.Grow(len(js))
	for i := 0; i < len(js); i++ {
		if js[i] != '\\' || i+1 == len(js) {
			b.WriteByte(js[i])
			continue
		}
		if strings.HasPrefix(js[i:], `\u0000`) {
			b.WriteString(`\ufffd`)
			i += len(`\u0000`) - 1
			continue
		}
		b.WriteString(js[i : i+2]) // any other escape, kept whole
		i++
	}
	return b.String()
}
