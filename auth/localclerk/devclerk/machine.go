package devclerk

import (
	"net/http"

	"encore.app/auth/localclerk"
)

// apiKeyRequest is the body of POST /dev/clerk/api-keys.
type apiKeyRequest struct {
	// Subject owns the key: a user or an organization of the local Clerk.
	Subject string   `json:"subject"`
	Name    string   `json:"name"`
	Scopes  []string `json:"scopes"`
}

func (s *Server) apiKey(w http.ResponseWriter, r *http.Request) {
	var req apiKeyRequest
	if !decode(w, r, &req) {
		return
	}
	_, isUser := s.clerk.User(req.Subject)
	_, isOrg := s.clerk.Organization(req.Subject)
	if !isUser && !isOrg {
		fail(w, http.StatusNotFound, "not_found", "subject "+localclerk.Quote(req.Subject)+" is neither a user nor an organization of the local Clerk")
		return
	}
	if req.Name == "" {
		req.Name = "local"
	}
	issued := s.clerk.CreateAPIKey(localclerk.APIKey{Subject: req.Subject, Name: req.Name, Scopes: req.Scopes})
	localclerk.WriteJSON(w, http.StatusOK, map[string]string{"secret": issued.Secret, "id": issued.ID})
}

// m2mRequest is the body of POST /dev/clerk/m2m-tokens.
type m2mRequest struct {
	// MachineID is the calling machine; MayCall the machines it may call.
	MachineID string   `json:"machineId"`
	MayCall   []string `json:"mayCall"`
}

func (s *Server) m2mToken(w http.ResponseWriter, r *http.Request) {
	var req m2mRequest
	if !decode(w, r, &req) {
		return
	}
	for _, id := range append([]string{req.MachineID}, req.MayCall...) {
		if err := checkID("machine ID", "mch_", id); err != nil {
			fail(w, http.StatusBadRequest, "invalid_argument", err.Error())
			return
		}
	}
	issued := s.clerk.CreateM2MToken(localclerk.M2MToken{MachineID: req.MachineID, MayCall: req.MayCall})
	localclerk.WriteJSON(w, http.StatusOK, map[string]string{"token": issued.Secret, "id": issued.ID})
}
