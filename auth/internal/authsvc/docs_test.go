package authsvc

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// repoRoot is the repository, seen from this package's directory.
const repoRoot = "../../.."

// Every relative link of README.md and docs/*.md points at a file that
// exists and, for an #anchor into a Markdown file, at one of its headings,
// so moving a section cannot leave a dead link behind.
func TestDocsLinksResolve(t *testing.T) {
	files := markdownFiles(t)
	headings := map[string]map[string]bool{}
	for _, f := range files {
		headings[f] = headingSlugs(readFile(t, f))
	}
	checked := 0
	for _, f := range files {
		for _, link := range relativeLinks(readFile(t, f)) {
			checked++
			if problem := resolveLink(f, link, headings); problem != "" {
				t.Errorf("%s: link %q: %s", relPath(f), link, problem)
			}
		}
	}
	if checked < 20 {
		t.Fatalf("found %d relative links: the link pattern no longer matches the docs", checked)
	}
}

// README.md links every file of docs/, so no topic is left unreachable.
func TestREADMELinksEveryDoc(t *testing.T) {
	readme := filepath.Join(repoRoot, "README.md")
	linked := map[string]bool{}
	for _, link := range relativeLinks(readFile(t, readme)) {
		path, _, _ := strings.Cut(link, "#")
		linked[filepath.Clean(filepath.Join(repoRoot, path))] = true
	}
	for _, f := range markdownFiles(t) {
		if f != readme && !linked[filepath.Clean(f)] {
			t.Errorf("README.md does not link %s", relPath(f))
		}
	}
}

// The slugs are GitHub's, so the test agrees with what github.com renders.
func TestGitHubSlug(t *testing.T) {
	for heading, want := range map[string]string{
		"Try it in one minute":                                        "try-it-in-one-minute",
		"`PublishableKey`: when it matters":                           "publishablekey-when-it-matters",
		"The email claim: zero Backend API calls":                     "the-email-claim-zero-backend-api-calls",
		`"Every instance enforces a sign-out within about a second"`:  "every-instance-enforces-a-sign-out-within-about-a-second",
		"What is logged, and how often":                               "what-is-logged-and-how-often",
		"`has()` in Go":                                               "has-in-go",
		"`POST /dev/clerk/api-keys` and `POST /dev/clerk/m2m-tokens`": "post-devclerkapi-keys-and-post-devclerkm2m-tokens",
		"Sign-out, deletion, email and role changes":                  "sign-out-deletion-email-and-role-changes",
		"A real PostgreSQL: `internal/pgtest`":                        "a-real-postgresql-internalpgtest",
		"Links: [the docs](docs/x.md) & more":                         "links-the-docs--more",
		"Snake_case and Ünïcode":                                      "snake_case-and-ünïcode",
	} {
		if got := githubSlug(heading); got != want {
			t.Errorf("githubSlug(%q) = %q, want %q", heading, got, want)
		}
	}
	got := headingSlugs("# A\n## A\n```sh\n# A comment, not a heading\n```\n### A\n")
	for _, want := range []string{"a", "a-1", "a-2"} {
		if !got[want] {
			t.Errorf("headingSlugs: no %q in %v", want, got)
		}
	}
	if got["a-comment-not-a-heading"] {
		t.Error("headingSlugs read a line of a code block as a heading")
	}
}

// The checker itself: each kind of dead link is reported, and the links
// of code blocks and code spans are not read.
func TestResolveLinkFindsDeadLinks(t *testing.T) {
	readme := filepath.Join(repoRoot, "README.md")
	headings := map[string]map[string]bool{
		readme: {"secrets": true},
		filepath.Join(repoRoot, "docs", "frontend.md"): {"cors": true},
	}
	for link, wantProblem := range map[string]bool{
		"docs/frontend.md":         false,
		"docs/frontend.md#cors":    false,
		"#secrets":                 false,
		"auth/config.cue":          false,
		"auth/":                    false,
		"docs/nowhere.md":          true,
		"docs/frontend.md#nowhere": true,
		"#nowhere":                 true,
		"auth/nowhere.go":          true,
	} {
		if problem := resolveLink(readme, link, headings); (problem != "") != wantProblem {
			t.Errorf("resolveLink(%q) = %q, want a problem: %v", link, problem, wantProblem)
		}
	}
	md := "[a](a.md) `[b](b.md)` [c](https://example.com) <https://x.y> [d](#d)\n" +
		"```md\n[e](e.md)\n```\n   ```\n[f](f.md)\n   ```\n![g](g.png \"title\")\n"
	if got, want := strings.Join(relativeLinks(md), " "), "a.md #d g.png"; got != want {
		t.Errorf("relativeLinks = %q, want %q", got, want)
	}
}

// markdownFiles is README.md and every docs/*.md.
func markdownFiles(t *testing.T) []string {
	t.Helper()
	docs, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) == 0 {
		t.Fatal("no docs/*.md found")
	}
	return append([]string{filepath.Join(repoRoot, "README.md")}, docs...)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// relPath is path from the repository root, for messages.
func relPath(path string) string {
	if rel, err := filepath.Rel(repoRoot, path); err == nil {
		return rel
	}
	return path
}

// resolveLink says what is wrong with a relative link of the Markdown
// file from, or "" when it resolves; headings holds each Markdown file's
// heading slugs.
func resolveLink(from, link string, headings map[string]map[string]bool) string {
	path, anchor, hasAnchor := strings.Cut(link, "#")
	target := from
	if path != "" {
		target = filepath.Join(filepath.Dir(from), path)
		if _, err := os.Stat(target); err != nil {
			return "no such file"
		}
	}
	if !hasAnchor || !strings.HasSuffix(target, ".md") {
		return ""
	}
	if !headings[filepath.Clean(target)][anchor] {
		return "no heading with that anchor"
	}
	return ""
}

var (
	// fence opens or closes a fenced code block, indented or not.
	fence = regexp.MustCompile("^\\s*(```|~~~)")
	// codeSpan is inline code, whose brackets are not links.
	codeSpan = regexp.MustCompile("`[^`]*`")
	// inlineLink is [text](target) or ![alt](target "title").
	inlineLink = regexp.MustCompile(`\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
	// scheme marks an absolute URL (https:, mailto:).
	scheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)
	// atxHeading is a "## Heading" line.
	atxHeading = regexp.MustCompile(`^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$`)
	// linkText keeps a link's text in a heading.
	linkText = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
)

// proseLines calls fn with each line of md outside fenced code blocks.
func proseLines(md string, fn func(line string)) {
	open := ""
	for _, line := range strings.Split(md, "\n") {
		if m := fence.FindStringSubmatch(line); m != nil {
			switch {
			case open == "":
				open = m[1]
			case open == m[1]:
				open = ""
			}
			continue
		}
		if open == "" {
			fn(line)
		}
	}
}

// relativeLinks lists the targets of md's inline links that are not
// absolute URLs, in order.
func relativeLinks(md string) []string {
	var links []string
	proseLines(md, func(line string) {
		for _, m := range inlineLink.FindAllStringSubmatch(codeSpan.ReplaceAllString(line, ""), -1) {
			if target := m[1]; !scheme.MatchString(target) && !strings.HasPrefix(target, "//") {
				links = append(links, target)
			}
		}
	})
	return links
}

// headingSlugs is the set of anchors GitHub gives md's headings: a
// repeated slug gets -1, -2, ... as on github.com.
func headingSlugs(md string) map[string]bool {
	slugs := map[string]bool{}
	seen := map[string]int{}
	proseLines(md, func(line string) {
		m := atxHeading.FindStringSubmatch(line)
		if m == nil {
			return
		}
		slug := githubSlug(m[1])
		if n := seen[slug]; n > 0 {
			seen[slug]++
			slug += "-" + strconv.Itoa(n)
		} else {
			seen[slug] = 1
		}
		slugs[slug] = true
	})
	return slugs
}

// githubSlug is GitHub's anchor for a heading (github-slugger): the text
// as rendered, lower-cased, without punctuation or symbols but '-' and
// '_', each space a '-'.
func githubSlug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(linkText.ReplaceAllString(heading, "$1")) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}
