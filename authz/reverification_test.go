package authz

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"testing"

	"encore.dev/beta/errs"

	"encore.app/auth/clerkauth"
)

// clerkAnswers is testdata/reverification.json: Clerk's own has({
// reverification }) and reverificationError() run by
// testdata/reverification.mjs over every preset and a grid of fva claims
// (boundaries, -1, an invalid -2, wrong lengths, none).
type clerkAnswers struct {
	ClerkShared string                     `json:"clerkShared"`
	Hints       map[string]json.RawMessage `json:"hints"`
	Cases       []struct {
		Preset string `json:"preset"`
		FVA    []int  `json:"fva"`
		Pass   bool   `json:"pass"`
	} `json:"cases"`
}

func loadClerkAnswers(t *testing.T) clerkAnswers {
	t.Helper()
	raw, err := os.ReadFile("testdata/reverification.json")
	if err != nil {
		t.Fatal(err)
	}
	var answers clerkAnswers
	if err := json.Unmarshal(raw, &answers); err != nil {
		t.Fatal(err)
	}
	if len(answers.Cases) < 4*100 || len(answers.Hints) != len(presets) {
		t.Fatalf("testdata/reverification.json holds %d cases and %d hints: regenerate it", len(answers.Cases), len(answers.Hints))
	}
	return answers
}

// TestReverificationAgreesWithClerk: for every case Clerk answered, a
// session token with that fva passes exactly when Clerk's has() does, and a
// refusal carries, as details, the very JSON Clerk's reverificationError()
// builds for the preset.
func TestReverificationAgreesWithClerk(t *testing.T) {
	answers := loadClerkAnswers(t)
	for _, c := range answers.Cases {
		t.Run(fmt.Sprintf("%s/%v", c.Preset, c.FVA), func(t *testing.T) {
			data := &clerkauth.AuthData{TokenType: session, UserID: "user_1", FactorVerificationAge: c.FVA}
			err := Reverification(data, Level(c.Preset))
			if c.Pass {
				check(t, err, allowed)
				return
			}
			check(t, err, reverify)
			if got := err.Code.HTTPStatus(); got != http.StatusForbidden {
				t.Fatalf("HTTP %d, want 403", got)
			}
			sameJSON(t, err.Details, answers.Hints[c.Preset])
		})
	}
}

// sameJSON fails unless v marshals to JSON equal to want's.
func sameJSON(t *testing.T, v any, want json.RawMessage) {
	t.Helper()
	got, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("details = %s, want Clerk's %s", got, want)
	}
}

// TestReverificationBody is the whole error as a client reads it: Encore
// writes errs.Error's code, message and details, and the details are what
// the frontend hands to useReverification().
func TestReverificationBody(t *testing.T) {
	answers := loadClerkAnswers(t)
	raw, err := json.Marshal(Reverification(admin, Strict))
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Code    string          `json:"code"`
		Message string          `json:"message"`
		Details json.RawMessage `json:"details"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatal(err)
	}
	if body.Code != "permission_denied" || body.Message != "reverification is required (strict: second_factor within 10 minutes)" {
		t.Fatalf("body = %s", raw)
	}
	sameJSON(t, body.Details, answers.Hints[string(Strict)])
}

// TestPresetsStrictestFirst: Decide checks the tags in the order of
// presets and the first refusal's hint must satisfy every other tag, so by
// Clerk's answers each preset's pass implies the next one's. It also ties
// each level to its tag.
func TestPresetsStrictestFirst(t *testing.T) {
	answers := loadClerkAnswers(t)
	passes := map[string]map[string]bool{} // fva → preset → pass
	for _, c := range answers.Cases {
		fva := fmt.Sprint(c.FVA)
		if passes[fva] == nil {
			passes[fva] = map[string]bool{}
		}
		passes[fva][c.Preset] = c.Pass
	}
	for fva, by := range passes {
		for i := 1; i < len(presets); i++ {
			if by[string(presets[i-1].level)] && !by[string(presets[i].level)] {
				t.Errorf("fva %s passes %s but not %s", fva, presets[i-1].level, presets[i].level)
			}
		}
	}
	for _, p := range presets {
		if tagBits["reverify_"+string(p.level)] != p.tag {
			t.Errorf("level %s: tag reverify_%s is not its bit", p.level, p.level)
		}
	}
}

// TestDecideAsksForTheStrictest: with several reverification tags, the
// hint names the strictest the caller fails, so one reverification
// satisfies them all.
func TestDecideAsksForTheStrictest(t *testing.T) {
	answers := loadClerkAnswers(t)
	stale := withFVA(admin, 30, 30) // passes moderate and lax only
	for _, tt := range []struct {
		tags []string
		want Level
	}{
		{[]string{TagReverifyLax, TagReverifyStrictMFA, TagReverifyModerate}, StrictMFA},
		{[]string{TagReverifyLax, TagReverifyStrict}, Strict},
	} {
		err := Decide(stale, tt.tags)
		check(t, err, reverify)
		sameJSON(t, err.Details, answers.Hints[string(tt.want)])
	}
	check(t, Decide(stale, []string{TagReverifyLax, TagReverifyModerate}), allowed)
}

func TestReverificationMachineTokens(t *testing.T) {
	for _, data := range []*clerkauth.AuthData{userKey, orgKey, machine, app} {
		claims := withFVA(data, 0, 0)
		for _, p := range presets {
			err := Reverification(claims, p.level)
			check(t, err, outcome{errs.PermissionDenied, "a token of type " + data.TokenType + " cannot reverify"})
			// No hint: a machine cannot answer Clerk's prompt.
			if err.Details != nil {
				t.Fatalf("%s: details %#v, want none", data.TokenType, err.Details)
			}
		}
	}
}
