package devclerk

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"encore.app/auth/localclerk"
)

// Handler serves the development endpoints, at their full paths under
// /dev/clerk/ (docs/local-clerk.md):
//
//	POST /dev/clerk/token       a session token for a test user
//	GET  /dev/clerk/users       the test users and their organizations
//	POST /dev/clerk/webhook     a change in the local Clerk, delivered to the app as Clerk's webhook
//	POST /dev/clerk/api-keys    an API key
//	POST /dev/clerk/m2m-tokens  an M2M token
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /dev/clerk/token", s.token)
	mux.HandleFunc("GET /dev/clerk/users", s.users)
	mux.HandleFunc("POST /dev/clerk/webhook", s.webhook)
	mux.HandleFunc("POST /dev/clerk/api-keys", s.apiKey)
	mux.HandleFunc("POST /dev/clerk/m2m-tokens", s.m2mToken)
	return s.fromAuthorizedOrigin(mux)
}

// fromAuthorizedOrigin refuses a browser request sent from a page that is
// not one of the app's frontends: any web page the developer visits could
// otherwise mint tokens or delete users through localhost. Browsers send
// Origin with every cross-origin POST and every request whose answer a
// script may read; curl and scripts send none, and are let through.
func (s *Server) fromAuthorizedOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin := r.Header.Get("Origin"); origin != "" && !slices.Contains(s.cfg.AuthorizedParties, origin) {
			fail(w, http.StatusForbidden, "permission_denied", "Origin "+localclerk.Quote(origin)+" is not one of AuthorizedParties (auth/config.cue)")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// tokenRequest is the body of POST /dev/clerk/token.
type tokenRequest struct {
	UserID    string `json:"userId"`
	SessionID string `json:"sessionId"`
	// OrgID absent means the user's first organization, "" none.
	OrgID    *string  `json:"orgId"`
	OrgRole  string   `json:"orgRole"`
	Features []string `json:"features"`
	Plans    []string `json:"plans"`
	FVA      []int    `json:"fva"`
	AZP      string   `json:"azp"`
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	var req tokenRequest
	if !decode(w, r, &req) {
		return
	}
	if req.UserID == "" {
		fail(w, http.StatusBadRequest, "invalid_argument", `userId is required, e.g. {"userId": "user_alice"}; GET /dev/clerk/users lists the users`)
		return
	}
	azp, err := s.authorizedParty(req.AZP, r.Header.Get("Origin"))
	if err != nil {
		fail(w, http.StatusBadRequest, "invalid_argument", err.Error())
		return
	}
	opts := localclerk.SessionTokenOptions{
		UserID: req.UserID, SessionID: req.SessionID, OrgRole: req.OrgRole,
		Features: req.Features, Plans: req.Plans, FactorAges: req.FVA, AuthorizedParty: azp,
	}
	if req.OrgID != nil {
		opts.OrgID = *req.OrgID
	} else if m := s.clerk.Memberships(req.UserID); len(m) > 0 {
		opts.OrgID = m[0].OrgID
	}
	if opts.OrgRole != "" && !strings.HasPrefix(opts.OrgRole, "org:") {
		opts.OrgRole = "org:" + opts.OrgRole // Clerk's role keys; tokens drop the prefix
	}
	token, sessionID, err := s.clerk.SessionToken(opts)
	if err != nil {
		failClerk(w, err)
		return
	}
	localclerk.WriteJSON(w, http.StatusOK, map[string]string{"token": token, "sessionId": sessionID})
}

// authorizedParty is the azp of a token: the one asked for, else the
// Origin of the request, else the first of AuthorizedParties. The app
// refuses any other, so this refuses it first, with a clearer error.
func (s *Server) authorizedParty(asked, origin string) (string, error) {
	parties := s.cfg.AuthorizedParties
	switch {
	case asked == "":
		asked = origin
	case len(parties) > 0 && !slices.Contains(parties, asked):
		return "", errors.New("azp " + localclerk.Quote(asked) + " is not one of AuthorizedParties (auth/config.cue): " + strings.Join(parties, ", "))
	}
	if asked == "" && len(parties) > 0 {
		asked = parties[0]
	}
	return asked, nil
}

// userView is a user as GET /dev/clerk/users lists it.
type userView struct {
	ID            string       `json:"id"`
	Email         string       `json:"email"`
	Organizations []memberView `json:"organizations"`
}

type memberView struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
	Name string `json:"name"`
	Role string `json:"role"`
}

func (s *Server) users(w http.ResponseWriter, _ *http.Request) {
	users := s.clerk.Users()
	out := make([]userView, len(users))
	for i, u := range users {
		out[i] = userView{ID: u.ID, Email: u.PrimaryEmail(), Organizations: []memberView{}}
		for _, m := range s.clerk.Memberships(u.ID) {
			org, _ := s.clerk.Organization(m.OrgID)
			out[i].Organizations = append(out[i].Organizations, memberView{ID: org.ID, Slug: org.Slug, Name: org.Name, Role: m.Role})
		}
	}
	localclerk.WriteJSON(w, http.StatusOK, map[string]any{"users": out})
}

// maxBody bounds a request body: the largest is a few hundred bytes.
const maxBody = 64 << 10

// decode reads the body, one JSON object with only the fields of v, or
// answers 400 and returns false.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		err = errors.New("more than one JSON value")
	}
	if err != nil {
		fail(w, http.StatusBadRequest, "invalid_argument", "the body is not this endpoint's JSON object: "+err.Error())
		return false
	}
	return true
}

// checkID refuses what is not a Clerk ID of the kind prefix names: the
// prefix and a name, as the app requires of the IDs it reads.
func checkID(what, prefix, id string) error {
	if name, ok := strings.CutPrefix(id, prefix); !ok || !localclerk.IsIdentifier(name) {
		return fmt.Errorf("%s %s is not %s followed by letters, digits, _ or -", what, localclerk.Quote(id), prefix)
	}
	return nil
}

// failClerk answers an error of the local Clerk: 404 when something named
// does not exist, 400 otherwise.
func failClerk(w http.ResponseWriter, err error) {
	if localclerk.IsNotFound(err) {
		fail(w, http.StatusNotFound, "not_found", err.Error())
		return
	}
	fail(w, http.StatusBadRequest, "invalid_argument", err.Error())
}

// fail answers in Encore's error shape, as the app's other endpoints do.
func fail(w http.ResponseWriter, status int, code, message string) {
	localclerk.WriteJSON(w, status, map[string]string{"code": code, "message": message})
}
