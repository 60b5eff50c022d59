package authmetrics_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"encore.app/internal/authmetrics"
)

// snakeName is Encore's rule for a metric name (parseutil.SnakeName), and
// the shape every label key and value is held to here.
var snakeName = regexp.MustCompile(`^[a-z]([_a-z0-9]*[a-z0-9])?$`)

// Every name, label key and label value is snake_case, within Encore's
// limits, and each label's values are distinct: a value outside these
// fixed sets (an ID, a token, a header) would be one time series per
// attacker's choice.
func TestNamesAndLabelValuesAreFixedSnakeCase(t *testing.T) {
	names := map[string]bool{}
	for _, m := range authmetrics.Metrics() {
		if !snakeName.MatchString(m.Name) || len(m.Name) > 63 || strings.HasPrefix(m.Name, "e_") || names[m.Name] {
			t.Errorf("metric name %q: not a distinct snake_case name of at most 63 characters outside Encore's e_", m.Name)
		}
		names[m.Name] = true
		if m.Gauge && len(m.Labels) > 0 {
			t.Errorf("%s: a gauge with labels", m.Name)
		}
		for _, l := range m.Labels {
			if !snakeName.MatchString(l.Key) || l.Key == "service" {
				t.Errorf("%s: label %q is not snake_case, or is Encore's service", m.Name, l.Key)
			}
			seen := map[string]bool{}
			for _, v := range l.Values {
				if !snakeName.MatchString(v) || seen[v] {
					t.Errorf("%s: %s value %q is not a distinct snake_case value", m.Name, l.Key, v)
				}
				seen[v] = true
			}
		}
	}
	if len(names) != 8 {
		t.Fatalf("%d metrics, want 8", len(names))
	}
}

// Each label type's String is the exported value, and every value it can
// take is one of its metric's label values.
func TestStringsAreTheLabelValues(t *testing.T) {
	values := map[string][]string{}
	for _, m := range authmetrics.Metrics() {
		for _, l := range m.Labels {
			values[m.Name+"."+l.Key] = l.Values
		}
	}
	check := func(label string, n int, value func(i int) string) {
		t.Helper()
		var got []string
		for i := range n {
			got = append(got, value(i))
		}
		if !slices.Equal(got, values[label]) {
			t.Errorf("%s: Strings %q, label values %q", label, got, values[label])
		}
	}
	check("auth_requests_authenticated.token_type", int(authmetrics.NumTokenTypes), func(i int) string { return authmetrics.TokenType(i).String() })
	check("auth_requests_refused.reason", int(authmetrics.NumReasons), func(i int) string { return authmetrics.Reason(i).String() })
	check("auth_clerk_calls.endpoint", int(authmetrics.NumEndpoints), func(i int) string { return authmetrics.Endpoint(i).String() })
	check("auth_clerk_calls.outcome", int(authmetrics.NumCallOutcomes), func(i int) string { return authmetrics.CallOutcome(i).String() })
	check("auth_cache_lookups.cache", int(authmetrics.NumCaches), func(i int) string { return authmetrics.Cache(i).String() })
	check("auth_cache_lookups.result", int(authmetrics.NumLookupResults), func(i int) string { return authmetrics.LookupResult(i).String() })
	check("auth_webhook_deliveries.event", int(authmetrics.NumWebhookEvents), func(i int) string { return authmetrics.WebhookEvent(i).String() })
	check("auth_webhook_deliveries.outcome", int(authmetrics.NumWebhookOutcomes), func(i int) string { return authmetrics.WebhookOutcome(i).String() })
	if s := authmetrics.NumReasons.String(); s != "" {
		t.Errorf("a value past the set is %q, want none", s)
	}
}

// declared is a metric as auth/metrics.go declares it.
type declared struct {
	gauge  bool
	value  string   // the value type argument
	labels []string // the label struct's fields, as Encore names them
	fields []string // their types
}

// The auth service declares exactly the metrics Metrics lists, by the
// same names, with label structs whose fields are the labels, of type
// string, in order: so Counts, which tests count with, and the exported
// metrics cannot drift apart. The file cannot be compiled in a plain test
// (it declares Encore metrics), so it is read as source.
func TestServiceDeclaresTheseMetrics(t *testing.T) {
	path := filepath.Join("..", "..", "auth", "metrics.go")
	file, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	structs := map[string]*ast.StructType{}
	ast.Inspect(file, func(n ast.Node) bool {
		if ts, ok := n.(*ast.TypeSpec); ok {
			if st, ok := ts.Type.(*ast.StructType); ok {
				structs[ts.Name.Name] = st
			}
		}
		return true
	})
	got := map[string]declared{}
	ast.Inspect(file, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		var fn ast.Expr
		var typeArgs []ast.Expr
		switch f := call.Fun.(type) {
		case *ast.IndexExpr:
			fn, typeArgs = f.X, []ast.Expr{f.Index}
		case *ast.IndexListExpr:
			fn, typeArgs = f.X, f.Indices
		default:
			return true
		}
		sel, ok := fn.(*ast.SelectorExpr)
		if !ok || !strings.HasPrefix(sel.Sel.Name, "New") || len(call.Args) == 0 {
			return true
		}
		lit, ok := call.Args[0].(*ast.BasicLit)
		if !ok {
			t.Errorf("%s: the name is not a literal", sel.Sel.Name)
			return true
		}
		name, _ := strconv.Unquote(lit.Value)
		d := declared{gauge: strings.HasPrefix(sel.Sel.Name, "NewGauge"), value: types(typeArgs[len(typeArgs)-1:])[0]}
		if strings.HasSuffix(sel.Sel.Name, "Group") {
			labelType := types(typeArgs[:1])[0]
			st := structs[labelType]
			if st == nil {
				t.Errorf("%s: label type %s is not a struct of the file", name, labelType)
				return true
			}
			for _, f := range st.Fields.List {
				for _, n := range f.Names {
					d.labels = append(d.labels, snakeCase(n.Name))
					d.fields = append(d.fields, types([]ast.Expr{f.Type})[0])
				}
			}
		}
		got[name] = d
		return true
	})
	for _, m := range authmetrics.Metrics() {
		d, ok := got[m.Name]
		if !ok {
			t.Errorf("%s is not declared in %s", m.Name, path)
			continue
		}
		delete(got, m.Name)
		var keys []string
		for _, l := range m.Labels {
			keys = append(keys, l.Key)
		}
		if d.gauge != m.Gauge || !slices.Equal(d.labels, keys) {
			t.Errorf("%s: declared gauge=%v with labels %q, want gauge=%v with %q", m.Name, d.gauge, d.labels, m.Gauge, keys)
		}
		for _, f := range d.fields {
			if f != "string" {
				t.Errorf("%s: a label field of type %s, want string", m.Name, f)
			}
		}
		if d.value != "uint64" && d.value != "int64" && d.value != "float64" {
			t.Errorf("%s: value type %s", m.Name, d.value)
		}
	}
	for name := range got {
		t.Errorf("%s declares %s, which Metrics does not list", path, name)
	}
}

// types are the names of type expressions: identifiers only.
func types(exprs []ast.Expr) []string {
	var out []string
	for _, e := range exprs {
		id, _ := e.(*ast.Ident)
		if id == nil {
			out = append(out, "?")
			continue
		}
		out = append(out, id.Name)
	}
	return out
}

// snakeCase is a field name as Encore names its label: TokenType becomes
// token_type.
func snakeCase(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Counts keeps what it is told, per series, and Take forgets it.
func TestCountsTakeAndGauges(t *testing.T) {
	c := &authmetrics.Counts{}
	var r authmetrics.Recorder = c
	r.Authenticated(authmetrics.TokenSession)
	r.Authenticated(authmetrics.TokenSession)
	r.Refused(authmetrics.ReasonTokenTypeMismatch)
	r.ClerkCall(authmetrics.EndpointJWKS, authmetrics.CallTimeout)
	r.CacheLookup(authmetrics.CacheUsers, authmetrics.LookupNegativeHit)
	r.WebhookDelivery(authmetrics.EventSessionRevoked, authmetrics.DeliveryDuplicate)
	want := map[string]uint64{
		"auth_requests_authenticated{token_type=session_token}":            2,
		"auth_requests_refused{reason=token_type_mismatch}":                1,
		"auth_clerk_calls{endpoint=jwks,outcome=timeout}":                  1,
		"auth_cache_lookups{cache=users,result=negative_hit}":              1,
		"auth_webhook_deliveries{event=session_revoked,outcome=duplicate}": 1,
	}
	if got := c.Take(); !maps.Equal(got, want) {
		t.Fatalf("Take = %v, want %v", got, want)
	}
	if got := c.Take(); len(got) != 0 {
		t.Fatalf("second Take = %v, want nothing", got)
	}
	if g := c.Gauges(); len(g) != 0 {
		t.Fatalf("gauges before any is set: %v", g)
	}
	r.SyncAge(1500 * time.Millisecond)
	r.RevocationsHeld(7)
	r.KeySetAge(time.Minute)
	wantGauges := map[string]float64{"auth_sync_age_seconds": 1.5, "auth_revocations_held": 7, "auth_key_set_age_seconds": 60}
	if g := c.Gauges(); !maps.Equal(g, wantGauges) {
		t.Fatalf("Gauges = %v, want %v", g, wantGauges)
	}
}

// Neither Recorder of this package allocates: they run on the cached-token
// path, which must stay allocation-free.
func TestRecordersAllocateNothing(t *testing.T) {
	for _, r := range []authmetrics.Recorder{authmetrics.Discard{}, &authmetrics.Counts{}, authmetrics.Or(nil)} {
		allocs := testing.AllocsPerRun(100, func() {
			r.Authenticated(authmetrics.TokenAPIKey)
			r.Refused(authmetrics.ReasonCanceled)
			r.ClerkCall(authmetrics.EndpointUsers, authmetrics.CallOK)
			r.CacheLookup(authmetrics.CacheVerifiedTokens, authmetrics.LookupHit)
			r.WebhookDelivery(authmetrics.EventOther, authmetrics.DeliveryIgnored)
			r.SyncAge(time.Second)
			r.RevocationsHeld(3)
			r.KeySetAge(time.Second)
		})
		if allocs != 0 {
			t.Errorf("%T: %v allocations per run", r, allocs)
		}
	}
}
