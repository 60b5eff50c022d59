package clerktest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"time"
)

// Key is an RSA key pair that signs session tokens as Clerk's instance keys do.
type Key struct {
	// ID is the kid under which the key is published and tokens name it.
	ID      string
	private *rsa.PrivateKey
}

// NewKey generates a 2048-bit key with a random kid.
func NewKey() *Key {
	private, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic("clerktest: generating an RSA key: " + err.Error())
	}
	return &Key{ID: NewKeyID(), private: private}
}

// PublicKeyPEM is the public key as the Clerk dashboard shows it ("JWT public
// key"), for networkless verification.
func (k *Key) PublicKeyPEM() string {
	der, err := x509.MarshalPKIXPublicKey(&k.private.PublicKey)
	if err != nil {
		panic("clerktest: encoding a public key: " + err.Error())
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// Token categories: the cat header parameter with which Clerk tells apart
// the kinds of token one instance key signs.
const (
	CategorySessionToken = "cl_B7d4PD111AAA"
	CategoryJWTTemplate  = "cl_B7d4PD222AAA"
	CategoryM2MToken     = "cl_B7d4PD333AAA"
	// CategoryIgnore is what instances that opted out of categories stamp
	// on every kind of token.
	CategoryIgnore = "cl_I7d4PD111III"
)

// Header is the JOSE header Clerk puts on session tokens signed by k:
// {"alg":"RS256","cat":"cl_B7d4PD111AAA","kid":"ins_…","typ":"JWT"}, in
// that order (EncodeSegment sorts the keys, as Clerk writes them).
func (k *Key) Header() map[string]any {
	return map[string]any{"alg": "RS256", "cat": CategorySessionToken, "kid": k.ID, "typ": "JWT"}
}

// Sign mints an RS256 token with Clerk's header and the given claims.
func (k *Key) Sign(claims map[string]any) string {
	return k.SignWithHeader(k.Header(), claims)
}

// SignWithHeader mints an RS256 token with any header, so tests can lie
// about alg or kid while the signature stays genuine.
func (k *Key) SignWithHeader(header, claims map[string]any) string {
	return k.SignSegments(EncodeSegment(header), EncodeSegment(claims))
}

// SignSegments mints an RS256 token from a header and a payload segment
// taken as they are, for what a map cannot express: repeated keys, escapes,
// other spellings.
func (k *Key) SignSegments(header, payload string) string {
	input := header + "." + payload
	digest := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k.private, crypto.SHA256, digest[:])
	if err != nil {
		panic("clerktest: signing: " + err.Error())
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// EncodeSegment is a JWT segment: base64url of v's JSON, unpadded.
func EncodeSegment(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("clerktest: encoding a token segment: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// jwk is the key as Clerk's JWKS endpoint lists it.
func (k *Key) jwk() map[string]string {
	pub := k.private.PublicKey
	return map[string]string{
		"use": "sig",
		"kty": "RSA",
		"kid": k.ID,
		"alg": "RS256",
		"n":   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e":   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}
}

// Claims is a valid v2 session token payload for the user, issued now and
// expiring in 60 seconds like Clerk's. Change or delete entries to make the
// token you need.
func (s *Server) Claims(userID string) map[string]any {
	now := time.Now().Unix()
	return map[string]any{
		"azp": s.AuthorizedParty,
		"exp": now + 60,
		"fva": []int{0, -1},
		"iat": now,
		"iss": s.Issuer,
		"nbf": now - 10,
		"sid": "sess_" + userID,
		"sub": userID,
		"v":   2,
	}
}

// Token is a valid session token for the user, signed by the current key.
func (s *Server) Token(userID string) string {
	return s.Sign(s.Claims(userID))
}

// Sign mints a token with the given claims, signed by the current key.
func (s *Server) Sign(claims map[string]any) string {
	return s.SigningKey().Sign(claims)
}

// NewKeyID is a random kid in Clerk's format.
func NewKeyID() string {
	id := make([]byte, 12)
	_, _ = rand.Read(id)
	return "ins_" + base64.RawURLEncoding.EncodeToString(id)
}

// Public is the key's public half.
func (k *Key) Public() *rsa.PublicKey { return &k.private.PublicKey }
