package authz

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestDirectivesMatchTags reads the //encore:middleware directives, which no
// compiler checks: a typo there would leave the tags silently unenforced.
func TestDirectivesMatchTags(t *testing.T) {
	file, err := parser.ParseFile(token.NewFileSet(), "middleware.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, decl := range file.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Doc == nil {
			continue
		}
		for _, c := range fn.Doc.List {
			if options, ok := strings.CutPrefix(c.Text, "//encore:middleware "); ok {
				got[fn.Name.Name] = options
			}
		}
	}
	want := map[string]string{"EndpointTags": "global target=all"}
	if len(got) != len(want) || got["EndpointTags"] != want["EndpointTags"] {
		t.Fatalf("directives = %q, want %q", got, want)
	}
}

// checkedPrefixes are the tag prefixes this package owns: an unknown tag
// with one is a typo that would leave an endpoint open (org_admn) or closed
// (accepts_api_keys) without a word.
var checkedPrefixes = []string{"accepts_", "reverify_", "org_"}

// unknownTags are the tags of an //encore:api directive that have a checked
// prefix but are not this package's.
func unknownTags(directive string) []string {
	var unknown []string
	for _, field := range strings.Fields(directive) {
		tag, ok := strings.CutPrefix(field, "tag:")
		if !ok {
			continue
		}
		if _, known := tagBits[tag]; known {
			continue
		}
		if slices.ContainsFunc(checkedPrefixes, func(p string) bool { return strings.HasPrefix(tag, p) }) {
			unknown = append(unknown, tag)
		}
	}
	return unknown
}

func TestUnknownTags(t *testing.T) {
	for _, tt := range []struct {
		directive string
		want      []string
	}{
		{"//encore:api auth method=PATCH path=/org/settings tag:org_admin tag:reverify_strict", nil},
		{"//encore:api auth path=/x tag:cache tag:accepts_api_key tag:accepts_session_token", nil},
		{"//encore:api auth path=/x tag:org_admn tag:reverify_strcit tag:accepts_api_keys tag:cache", []string{"org_admn", "reverify_strcit", "accepts_api_keys"}},
		{"//encore:api auth path=/x tag:accepts_ tag:reverify_STRICT", []string{"accepts_", "reverify_STRICT"}},
	} {
		if got := unknownTags(tt.directive); !slices.Equal(got, tt.want) {
			t.Errorf("unknownTags(%q) = %q, want %q", tt.directive, got, tt.want)
		}
	}
}

// TestEncoreAPITags reads every //encore:api directive in the repository
// and refuses a tag with one of this package's prefixes that it does not
// know. It also pins the tags this package's documentation promises.
func TestEncoreAPITags(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root: %v", err)
	}
	directives := map[string]string{} // directive → file
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") {
			return nil
		}
		file, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ParseComments|parser.SkipObjectResolution)
		if errors.Is(err, fs.ErrNotExist) {
			return nil // removed since the directory was listed
		}
		if err != nil {
			return err
		}
		for _, group := range file.Comments {
			for _, c := range group.List {
				if strings.HasPrefix(c.Text, "//encore:api ") {
					directives[c.Text], _ = filepath.Rel(root, path)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for directive, file := range directives {
		if unknown := unknownTags(directive); unknown != nil {
			t.Errorf("%s: %q has tags package authz does not know: %q", file, directive, unknown)
		}
	}
	// docs/authorization.md says PATCH /org/settings needs an admin who
	// verified within 10 minutes.
	settings := regexp.MustCompile(`^//encore:api auth method=PATCH path=/org/settings( tag:\S+)+$`)
	found := false
	for directive := range directives {
		if settings.MatchString(directive) {
			found = true
			if tags := strings.Fields(directive); !slices.Contains(tags, "tag:"+TagOrgAdmin) || !slices.Contains(tags, "tag:"+TagReverifyStrict) {
				t.Errorf("%q: want tag:%s and tag:%s", directive, TagOrgAdmin, TagReverifyStrict)
			}
		}
	}
	if !found {
		t.Errorf("no //encore:api directive for PATCH /org/settings among %d", len(directives))
	}
}
