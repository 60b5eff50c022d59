package localclerk_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"encore.app/auth/localclerk"
)

// get is the status and JSON body of GET apiURL+path with the secret key.
func get(t *testing.T, c *localclerk.Clerk, apiURL, path string) (int, any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, apiURL+path, nil)
	req.Header.Set("Authorization", "Bearer "+c.SecretKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

// ids are the "id"s of a list of objects.
func ids(list any) string {
	var out []string
	for _, o := range list.([]any) {
		out = append(out, o.(map[string]any)["id"].(string))
	}
	return strings.Join(out, ",")
}

// Users are listed as Clerk lists them: newest first by default, oldest
// first with order_by=created_at, limit and offset paging, the count with
// the same filter; a user updated keeps its place, one deleted leaves it.
func TestListUsersPages(t *testing.T) {
	c, apiURL := newClerk(t) // alice, bob, carol
	c.AddUser("user_dave", "dave@example.com")
	c.AddUser("user_alice", "alice@new.example.com") // updated: keeps its place
	at := time.UnixMilli(1_700_000_000_000)
	c.SetUser(localclerk.User{ID: "user_erin", Emails: []string{"erin@example.com"}, UpdatedAt: at})
	for path, want := range map[string]string{
		"/users":                                   "user_erin,user_dave,user_carol,user_bob,user_alice",
		"/users?order_by=-created_at&limit=2":      "user_erin,user_dave",
		"/users?order_by=created_at&limit=2":       "user_alice,user_bob",
		"/users?order_by=%2Bcreated_at&offset=3":   "user_dave,user_erin",
		"/users?order_by=created_at&offset=9":      "",
		"/users?user_id=user_bob&user_id=user_zed": "user_bob",
	} {
		if status, body := get(t, c, apiURL, path); status != http.StatusOK || ids(body) != want {
			t.Errorf("GET %s = %d %v, want %s", path, status, body, want)
		}
	}
	_, body := get(t, c, apiURL, "/users?user_id=user_erin")
	if got := body.([]any)[0].(map[string]any)["updated_at"]; got != float64(at.UnixMilli()) {
		t.Errorf("updated_at %v, want %d", got, at.UnixMilli())
	}
	c.DeleteUser("user_bob")
	for path, want := range map[string]float64{"/users/count": 4, "/users/count?user_id=user_carol&user_id=user_bob": 1} {
		if _, body := get(t, c, apiURL, path); body.(map[string]any)["total_count"] != want {
			t.Errorf("GET %s = %v, want total_count %v", path, body, want)
		}
	}
	if _, body := get(t, c, apiURL, "/users?order_by=created_at"); ids(body) != "user_alice,user_carol,user_dave,user_erin" {
		t.Errorf("after a deletion: %s", ids(body))
	}
}

// Parameters Clerk would refuse, or that the local Clerk cannot honour,
// are answered 422 naming the parameter, never ignored.
func TestListRefusesBadParameters(t *testing.T) {
	c, apiURL := newClerk(t)
	for _, q := range []string{"limit=0", "limit=501", "limit=ten", "offset=-1", "order_by=email_address"} {
		for _, path := range []string{"/users", "/users/count", "/organizations"} {
			status, body := get(t, c, apiURL, path+"?"+q)
			name, _, _ := strings.Cut(q, "=")
			if status != http.StatusUnprocessableEntity || !strings.Contains(body.(map[string]any)["errors"].([]any)[0].(map[string]any)["message"].(string), name) {
				t.Errorf("GET %s?%s = %d %v", path, q, status, body)
			}
		}
	}
}

// Organizations are listed with their total_count, fetched by ID or slug,
// and gone once deleted, with their memberships.
func TestOrganizations(t *testing.T) {
	c, apiURL := newClerk(t) // org_acme
	for i := range 3 {
		n := strconv.Itoa(i)
		c.SetOrganization(localclerk.Organization{ID: "org_" + n, Name: "Org " + n, Slug: "org-" + n})
	}
	_, body := get(t, c, apiURL, "/organizations?order_by=created_at&limit=2&offset=1")
	if list := body.(map[string]any); ids(list["data"]) != "org_0,org_1" || list["total_count"] != float64(4) {
		t.Errorf("page %v", body)
	}
	for _, key := range []string{"org_acme", "acme"} {
		if status, body := get(t, c, apiURL, "/organizations/"+key); status != http.StatusOK || body.(map[string]any)["id"] != "org_acme" {
			t.Errorf("GET /organizations/%s = %d %v", key, status, body)
		}
	}
	if !c.DeleteOrganization("org_acme") || c.DeleteOrganization("org_acme") {
		t.Fatal("DeleteOrganization does not report whether the organization existed")
	}
	if _, ok := c.Membership("org_acme", "user_alice"); ok {
		t.Error("a deleted organization's membership remains")
	}
	if status, _ := get(t, c, apiURL, "/organizations/org_acme"); status != http.StatusNotFound {
		t.Errorf("a deleted organization answers %d", status)
	}
}
