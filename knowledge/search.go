package knowledge

import (
	"slices"
	"strings"
	"unicode"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/validate"
)

// Limits on search text: long enough for a pasted error message, short
// enough that the index query stays well under Lucene's clause limit (the
// CJK analyzer makes a clause of every two characters).
const (
	MaxQueryLen   = 300
	MaxQueryTerms = 32
)

// luceneSpecial are the characters the Lucene query parser gives a
// meaning (field names, wildcards, phrases, ranges, boosts, grouping,
// escapes).
const luceneSpecial = `+-&|!(){}[]^"~*?:\/`

// Terms splits text into the words a search looks for: spaces, control
// characters and every character with a meaning to the index's query
// parser separate them, so that "title:disk*" looks for title and disk,
// and none of that syntax reaches the index. BAD_USER_INPUT for text that
// is too long, not UTF-8, or holds no word or too many.
func Terms(text string) ([]string, error) {
	if err := validate.Text("query", text, false, MaxQueryLen); err != nil {
		return nil, err
	}
	terms := strings.FieldsFunc(text, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(luceneSpecial, r)
	})
	if len(terms) == 0 {
		return nil, apperr.Invalid("query", "must contain at least one word (letters or digits); operators and symbols are not searched")
	}
	if len(terms) > MaxQueryTerms {
		return nil, apperr.Invalid("query", "has %d words; the limit is %d", len(terms), MaxQueryTerms)
	}
	return terms, nil
}

// IndexQuery turns terms (from Terms: free of query syntax) into a
// full-text index query that means only "any of these words": the
// operators AND, OR and NOT, which the parser reads in upper case, are
// searched as the plain words they are in lower case.
func IndexQuery(terms []string) string {
	out := make([]string, len(terms))
	for i, t := range terms {
		switch t {
		case "AND", "OR", "NOT":
			t = strings.ToLower(t)
		}
		out[i] = t
	}
	return strings.Join(out, " ")
}

// Snippet marks: the API returns plain text, never HTML, so a match is
// enclosed in guillemets rather than tags.
const (
	MarkOpen  = "«"
	MarkClose = "»"
)

// snippetLen is how many characters a snippet shows; snippetLead how many
// of them come before the first match.
const (
	snippetLen  = 200
	snippetLead = 60
)

// Snippet returns an extract of v for terms: around the first match in
// the body, summary or title (in that order), each match enclosed in
// MarkOpen and MarkClose, with "…" where text is cut. Without an exact
// match (the index matched parts of a word) it is the start of the summary,
// or of the body, unmarked.
func Snippet(v Version, terms []string) string {
	needles := needlesOf(terms)
	for _, text := range []string{v.Body, v.Summary, v.Title} {
		runes := []rune(text)
		lower := lowerRunes(runes)
		at, _ := firstMatch(lower, needles, 0)
		if at < 0 {
			continue
		}
		start := max(0, at-snippetLead)
		end := min(len(runes), start+snippetLen)
		return marked(runes, lower, needles, start, end)
	}
	text := v.Summary
	if strings.TrimSpace(text) == "" {
		text = v.Body
	}
	runes := []rune(text)
	return cut(runes, 0, min(len(runes), snippetLen), string(runes[:min(len(runes), snippetLen)]))
}

func needlesOf(terms []string) [][]rune {
	var out [][]rune
	for _, t := range terms {
		if t != "" {
			out = append(out, lowerRunes([]rune(t)))
		}
	}
	return out
}

// lowerRunes lowers rune by rune, so that indexes into the result are
// indexes into the original.
func lowerRunes(rs []rune) []rune {
	out := make([]rune, len(rs))
	for i, r := range rs {
		out[i] = unicode.ToLower(r)
	}
	return out
}

// firstMatch returns where the first needle occurs in text from from, and
// its length; -1 when none does.
func firstMatch(text []rune, needles [][]rune, from int) (int, int) {
	best, size := -1, 0
	for _, n := range needles {
		if i := indexRunes(text[from:], n); i >= 0 && (best < 0 || from+i < best || from+i == best && len(n) > size) {
			best, size = from+i, len(n)
		}
	}
	return best, size
}

func indexRunes(text, needle []rune) int {
	for i := 0; i+len(needle) <= len(text); i++ {
		if text[i] == needle[0] && slices.Equal(text[i:i+len(needle)], needle) {
			return i
		}
	}
	return -1
}

// marked is runes[start:end] with every match enclosed in the marks; a
// match running past end is left unmarked.
func marked(runes, lower []rune, needles [][]rune, start, end int) string {
	var b strings.Builder
	pos := start
	for pos < end {
		at, size := firstMatch(lower[:end], needles, pos)
		if at < 0 {
			break
		}
		b.WriteString(string(runes[pos:at]))
		b.WriteString(MarkOpen + string(runes[at:at+size]) + MarkClose)
		pos = at + size
	}
	if pos < end {
		b.WriteString(string(runes[pos:end]))
	}
	return cut(runes, start, max(pos, end), b.String())
}

// cut adds an ellipsis on each side of s where text was left out.
func cut(runes []rune, start, end int, s string) string {
	if start > 0 {
		s = "…" + s
	}
	if end < len(runes) {
		s += "…"
	}
	return s
}
