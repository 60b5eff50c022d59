// Package clerkkey is an RSA key that signs tokens as a Clerk instance's
// keys do: RS256, with the JOSE headers Clerk writes for each kind of token,
// and published in Clerk's JWKS form.
package clerkkey

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
)

// Key is an RSA key pair that signs tokens as Clerk's instance keys do.
type Key struct {
	// ID is the kid under which the key is published and tokens name it.
	ID      string
	private *rsa.PrivateKey
}

// New generates a 2048-bit key with a random kid.
func New() *Key {
	private, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic("clerkkey: generating an RSA key: " + err.Error())
	}
	return &Key{ID: NewID(), private: private}
}

// NewID is a random kid in Clerk's format.
func NewID() string {
	id := make([]byte, 12)
	_, _ = rand.Read(id) // crypto/rand.Read never fails
	return "ins_" + base64.RawURLEncoding.EncodeToString(id)
}

// Public is the key's public half.
func (k *Key) Public() *rsa.PublicKey { return &k.private.PublicKey }

// PublicKeyPEM is the public key as the Clerk dashboard shows it ("JWT public
// key"), for networkless verification.
func (k *Key) PublicKeyPEM() string {
	der, err := x509.MarshalPKIXPublicKey(&k.private.PublicKey)
	if err != nil {
		panic("clerkkey: encoding a public key: " + err.Error())
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

// OAuthAccessTokenType is the typ of OAuth access tokens in JWT form, as
// RFC 9068 asks; Clerk's JS SDK also accepts "application/at+jwt".
const OAuthAccessTokenType = "at+jwt"

// Header is the JOSE header Clerk puts on session tokens signed by k:
// {"alg":"RS256","cat":"cl_B7d4PD111AAA","kid":"ins_…","typ":"JWT"}, in
// that order (EncodeSegment sorts the keys, as Clerk writes them).
func (k *Key) Header() map[string]any {
	return map[string]any{"alg": "RS256", "cat": CategorySessionToken, "kid": k.ID, "typ": "JWT"}
}

// M2MHeader is the JOSE header Clerk puts on M2M tokens in JWT form signed
// by k: {"alg":"RS256","cat":"cl_B7d4PD333AAA","kid":"ins_…","typ":"JWT"}.
func (k *Key) M2MHeader() map[string]any {
	return map[string]any{"alg": "RS256", "cat": CategoryM2MToken, "kid": k.ID, "typ": "JWT"}
}

// OAuthHeader is the JOSE header of Clerk's OAuth access tokens in JWT form
// signed by k: {"alg":"RS256","kid":"ins_…","typ":"at+jwt"}.
func (k *Key) OAuthHeader() map[string]any {
	return map[string]any{"alg": "RS256", "kid": k.ID, "typ": OAuthAccessTokenType}
}

// Sign mints an RS256 token with Clerk's session-token header and the
// given claims.
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
		panic("clerkkey: signing: " + err.Error())
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// EncodeSegment is a JWT segment: base64url of v's JSON, unpadded.
func EncodeSegment(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("clerkkey: encoding a token segment: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// JWK is the public key as Clerk's JWKS endpoint lists it.
func (k *Key) JWK() map[string]string {
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
