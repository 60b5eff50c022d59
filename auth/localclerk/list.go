package localclerk

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
)

// The bounds of limit in Clerk's list endpoints, and its default.
const (
	maxListLimit     = 500
	defaultListLimit = 10
)

// page is what a list request asks for: Clerk's limit, offset and
// order_by, and for users the user_id filter.
type page struct {
	limit, offset int
	ascending     bool
	ids           []string
}

// readPage reads a list request's query as Clerk does: limit 1 to 500
// (default 10), offset from 0, order_by created_at, +created_at or
// -created_at (the default, newest first). Clerk orders by other fields
// too; the local Clerk answers them 422, saying so, rather than in an order
// it would only pretend to keep.
func readPage(q url.Values) (page, string) {
	p := page{limit: defaultListLimit}
	var problem string
	number := func(name string, minimum, maximum int, into *int) {
		v := q.Get(name)
		if v == "" || problem != "" {
			return
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < minimum || n > maximum {
			problem = name + " must be a whole number from " + strconv.Itoa(minimum) + " to " + strconv.Itoa(maximum) + ", not " + Quote(v)
			return
		}
		*into = n
	}
	number("limit", 1, maxListLimit, &p.limit)
	number("offset", 0, 1<<31-1, &p.offset)
	switch order := q.Get("order_by"); order {
	case "", "-created_at":
	case "created_at", "+created_at":
		p.ascending = true
	default:
		if problem == "" {
			problem = "order_by " + Quote(order) + " is not one the local Clerk serves: created_at, +created_at or -created_at"
		}
	}
	p.ids = q["user_id"]
	return p, problem
}

// window is the part of all, in creation order, that p asks for.
func window[T any](all []T, p page) []T {
	if !p.ascending {
		slices.Reverse(all)
	}
	start := min(p.offset, len(all))
	return all[start:min(start+p.limit, len(all))]
}

// sortedLocked is the values of m in the order they were created.
func sortedLocked[T any](c *Clerk, m map[string]T, keep func(T) bool) []T {
	type entry struct {
		created int64
		v       T
	}
	var all []entry
	for id, v := range m {
		if keep(v) {
			all = append(all, entry{c.created[id], v})
		}
	}
	slices.SortFunc(all, func(a, b entry) int { return cmp.Compare(a.created, b.created) })
	out := make([]T, len(all))
	for i, e := range all {
		out[i] = e.v
	}
	return out
}

// listedUsers is every user the request's user_id filter keeps, oldest
// first; without the filter, every user.
func (c *Clerk) listedUsers(p page) []User {
	c.mu.Lock()
	defer c.mu.Unlock()
	return sortedLocked(c, c.users, func(u User) bool { return len(p.ids) == 0 || slices.Contains(p.ids, u.ID) })
}

// listUsers is GET /v1/users: a JSON array of users, as Clerk answers it.
func (c *Clerk) listUsers(w http.ResponseWriter, r *http.Request) {
	p, problem := readPage(r.URL.Query())
	if problem != "" {
		WriteError(w, http.StatusUnprocessableEntity, "form_param_value_invalid", problem)
		return
	}
	users := window(c.listedUsers(p), p)
	out := make([]map[string]any, len(users))
	for i, u := range users {
		out[i] = u.resource()
	}
	WriteJSON(w, http.StatusOK, out)
}

// countUsers is GET /v1/users/count, with the same filter.
func (c *Clerk) countUsers(w http.ResponseWriter, r *http.Request) {
	p, problem := readPage(r.URL.Query())
	if problem != "" {
		WriteError(w, http.StatusUnprocessableEntity, "form_param_value_invalid", problem)
		return
	}
	WriteJSON(w, http.StatusOK, map[string]any{"object": "total_count", "total_count": len(c.listedUsers(p))})
}

// listOrganizations is GET /v1/organizations: {"data": [...],
// "total_count": n}, as Clerk answers it.
func (c *Clerk) listOrganizations(w http.ResponseWriter, r *http.Request) {
	p, problem := readPage(r.URL.Query())
	if problem != "" {
		WriteError(w, http.StatusUnprocessableEntity, "form_param_value_invalid", problem)
		return
	}
	c.mu.Lock()
	all := sortedLocked(c, c.orgs, func(Organization) bool { return true })
	c.mu.Unlock()
	orgs := window(all, p)
	out := make([]map[string]any, len(orgs))
	for i, o := range orgs {
		out[i] = o.resource()
	}
	WriteJSON(w, http.StatusOK, map[string]any{"data": out, "total_count": len(all)})
}

// organization is GET /v1/organizations/{id}, which, as Clerk's, takes an
// ID or a slug.
func (c *Clerk) organization(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("id")
	c.mu.Lock()
	o, ok := c.orgs[key]
	if !ok {
		for _, candidate := range c.orgs {
			if candidate.Slug == key {
				o, ok = candidate, true
			}
		}
	}
	c.mu.Unlock()
	if !ok {
		WriteError(w, http.StatusNotFound, "resource_not_found", "not found")
		return
	}
	WriteJSON(w, http.StatusOK, o.resource())
}

// resource is the organization in the JSON shape of Clerk's Backend API.
func (o Organization) resource() map[string]any {
	return map[string]any{
		"object":     "organization",
		"id":         o.ID,
		"name":       o.Name,
		"slug":       o.Slug,
		"updated_at": millis(o.UpdatedAt),
	}
}
