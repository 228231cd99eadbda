package bot_test

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gantryhq/gantry/bot"
)

func TestParseText(t *testing.T) {
	w := func(s string) bot.Token { return bot.Token{Kind: bot.TokenWord, Text: s} }
	cases := []struct {
		in   string
		want []bot.Token
	}{
		{"", nil},
		{"   ", nil},
		{"checkout", []bot.Token{w("checkout")}},
		{"  who   owns\tcheckout? ", []bot.Token{w("who"), w("owns"), w("checkout?")}},
		{"<@U123>", []bot.Token{{Kind: bot.TokenUser, ID: "U123"}}},
		{"<@U123|priya>", []bot.Token{{Kind: bot.TokenUser, ID: "U123", Text: "priya"}}},
		{"<#C123|general>", []bot.Token{{Kind: bot.TokenChannel, ID: "C123", Text: "general"}}},
		{"<#C123|>", []bot.Token{{Kind: bot.TokenChannel, ID: "C123"}}},
		{"<https://github.com/org/repo|org/repo>", []bot.Token{{Kind: bot.TokenLink, URL: "https://github.com/org/repo", Text: "org/repo"}}},
		{"<https://github.com/org/repo>", []bot.Token{{Kind: bot.TokenLink, URL: "https://github.com/org/repo", Text: "https://github.com/org/repo"}}},
		{"<https://x.example/?a=1&amp;b=2|a label with spaces>", []bot.Token{{Kind: bot.TokenLink, URL: "https://x.example/?a=1&b=2", Text: "a label with spaces"}}},
		{"<mailto:ada@example.com|ada@example.com>", []bot.Token{{Kind: bot.TokenEmail, Text: "ada@example.com", URL: "mailto:ada@example.com"}}},
		{"<!here>", []bot.Token{{Kind: bot.TokenSpecial, ID: "here", Text: "@here"}}},
		{"<!subteam^S1|@payments>", []bot.Token{{Kind: bot.TokenSpecial, ID: "subteam^S1", Text: "@payments"}}},
		{"a&amp;b &lt;x&gt;", []bot.Token{w("a&b"), w("<x>")}},
		{"x<@U1>y", []bot.Token{w("x"), {Kind: bot.TokenUser, ID: "U1"}, w("y")}},
		{"unbalanced < bracket", []bot.Token{w("unbalanced"), w("<"), w("bracket")}},
		{"<unclosed", []bot.Token{w("<"), w("unclosed")}},
		{"🚀 :rocket: ünïcödé", []bot.Token{w("🚀"), w(":rocket:"), w("ünïcödé")}},
	}
	for _, c := range cases {
		if got := bot.ParseText(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseText(%q) =\n  %+v\nwant\n  %+v", c.in, got, c.want)
		}
	}
}

func TestPlainTextAndRawArgument(t *testing.T) {
	cases := []struct{ in, plain, raw string }{
		{"checkout", "checkout", "checkout"},
		{"<@U123|priya> and <#C1|general>", "@priya and #general", "@priya and #general"},
		{"<@U123>", "@U123", "@U123"},
		{"see <https://github.com/org/repo|org/repo>", "see org/repo", "see org/repo"},
		{`entity.metadata.name == "a&amp;b" &amp;&amp; size(x) &lt; 3`, `entity.metadata.name == "a&b" && size(x) < 3`, `entity.metadata.name == "a&b" && size(x) < 3`},
		{`name == “x” || name == ‘y’`, `name == “x” || name == ‘y’`, `name == "x" || name == 'y'`},
		{"two  spaces", "two spaces", "two  spaces"},
	}
	for _, c := range cases {
		if got := bot.PlainText(c.in); got != c.plain {
			t.Errorf("PlainText(%q) = %q, want %q", c.in, got, c.plain)
		}
		if got := bot.RawArgument(c.in); got != c.raw {
			t.Errorf("RawArgument(%q) = %q, want %q", c.in, got, c.raw)
		}
	}
}

func FuzzParseText(f *testing.F) {
	for _, s := range []string{"", "<@U1>", "<#C1|x>", "<https://a|b>", "a&amp;b", "<", ">", "<|>", "<<>>", "🚀 <!here>", strings.Repeat("<@U1> ", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		toks := bot.ParseText(s)
		for _, tok := range toks {
			if tok.Kind == bot.TokenWord && (tok.Text == "" || strings.ContainsAny(tok.Text, " \t\n")) {
				t.Fatalf("ParseText(%q): bad word %q", s, tok.Text)
			}
		}
		plain := bot.PlainText(s)
		raw := bot.RawArgument(s)
		if utf8.ValidString(s) && (!utf8.ValidString(plain) || !utf8.ValidString(raw)) {
			t.Fatalf("invalid UTF-8 out of valid input %q", s)
		}
		// Parsing is stable: the plain text reads the same once more (white
		// space aside), as long as it holds no brackets or entities that
		// would be read anew.
		if want := strings.Join(strings.Fields(plain), " "); !strings.ContainsAny(plain, "<>&") && bot.PlainText(plain) != want {
			t.Fatalf("PlainText not idempotent on %q: %q → %q", s, plain, bot.PlainText(plain))
		}
	})
}
