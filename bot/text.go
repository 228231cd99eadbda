package bot

import (
	"strings"
	"unicode"
)

// TokenKind says what a piece of Slack text is.
type TokenKind int

// Token kinds. Slack rewrites what a person types into "escaped" text: a
// mention of a person becomes <@U123>, a channel <#C123|general>, a link
// <https://github.com/org/repo|org/repo>, an e-mail address
// <mailto:ada@example.com|ada@example.com>, and &, < and > become &amp;,
// &lt; and &gt;. (Slash commands send this form when the manifest sets
// should_escape: true, which Gantry's does.)
const (
	TokenWord    TokenKind = iota // plain text, entities decoded
	TokenUser                     // <@U123> or <@U123|name>: ID is the user id
	TokenChannel                  // <#C123|general>: ID the channel id, Text its name (may be empty)
	TokenLink                     // <https://…|label>: URL, and Text the label or the URL
	TokenEmail                    // <mailto:a@b|a@b>: Text the address
	TokenSpecial                  // <!here>, <!subteam^S1|@team>, <!date^…|fallback>: Text the label
)

// Token is one piece of a command's arguments or a message's text.
type Token struct {
	Kind TokenKind
	// Text is what a person reads: a word, a channel name without '#', a
	// link's label, an e-mail address.
	Text string
	// ID is the user, channel or user-group id of a mention.
	ID string
	// URL is a link's target.
	URL string
}

// String renders the token as a person would type it.
func (t Token) String() string {
	switch t.Kind {
	case TokenUser:
		if t.Text != "" {
			return "@" + t.Text
		}
		return "@" + t.ID
	case TokenChannel:
		if t.Text != "" {
			return "#" + t.Text
		}
		return "#" + t.ID
	case TokenLink:
		if t.Text != "" {
			return t.Text
		}
		return t.URL
	}
	return t.Text
}

// ParseText splits Slack's escaped text into tokens: each <…> is one token
// (its label may hold spaces), everything else is split on white space. It
// accepts any input: unbalanced brackets are kept as words.
func ParseText(s string) []Token {
	var out []Token
	for len(s) > 0 {
		i := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsSpace(r) })
		if i < 0 {
			break
		}
		s = s[i:]
		if s[0] == '<' {
			if end := strings.IndexByte(s, '>'); end > 1 {
				out = append(out, special(s[1:end]))
				s = s[end+1:]
				continue
			}
		}
		end := strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '<' })
		if end == 0 { // an unbalanced '<'
			end = 1
		}
		if end < 0 {
			end = len(s)
		}
		out = append(out, Token{Kind: TokenWord, Text: unescape(s[:end])})
		s = s[end:]
	}
	return out
}

// special parses the inside of one <…>.
func special(inner string) Token {
	body, label, _ := strings.Cut(inner, "|")
	label = unescape(label)
	switch {
	case strings.HasPrefix(body, "@"):
		return Token{Kind: TokenUser, ID: body[1:], Text: label}
	case strings.HasPrefix(body, "#"):
		return Token{Kind: TokenChannel, ID: body[1:], Text: label}
	case strings.HasPrefix(body, "!"):
		if label == "" {
			label = "@" + strings.TrimPrefix(body, "!")
		}
		return Token{Kind: TokenSpecial, ID: body[1:], Text: label}
	case strings.HasPrefix(body, "mailto:"):
		addr := unescape(strings.TrimPrefix(body, "mailto:"))
		return Token{Kind: TokenEmail, Text: addr, URL: unescape(body)}
	}
	u := unescape(body)
	if label == "" {
		label = u
	}
	return Token{Kind: TokenLink, URL: u, Text: label}
}

// unescape decodes the three entities Slack escapes.
func unescape(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

// PlainText renders escaped Slack text as a person typed it: mentions as
// @name or @U123, channels as #name, links as their label, entities
// decoded, white space collapsed.
func PlainText(s string) string {
	var parts []string
	for _, t := range ParseText(s) {
		if p := strings.TrimSpace(t.String()); p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " ")
}

// smartQuotes turns the typographic quotes some keyboards insert into the
// straight quotes an expression needs.
var smartQuotes = strings.NewReplacer("“", `"`, "”", `"`, "„", `"`, "‘", "'", "’", "'")

// RawArgument returns a command's argument as one string with Slack's
// entities decoded and every <…> replaced by what the person typed (a
// link by its label, which is the text Slack linked), for arguments that
// are code (a query expression) rather than words.
func RawArgument(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		i := strings.IndexByte(s, '<')
		end := -1
		if i >= 0 {
			end = strings.IndexByte(s[i:], '>')
		}
		if i < 0 || end < 0 {
			b.WriteString(unescape(s))
			break
		}
		b.WriteString(unescape(s[:i]))
		b.WriteString(special(s[i+1 : i+end]).String())
		s = s[i+end+1:]
	}
	return strings.TrimSpace(smartQuotes.Replace(b.String()))
}
