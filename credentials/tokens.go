// Package credentials checks and issues the proofs of identity callers
// present: bearer JWTs and local password hashes. It is the edge of
// authentication, kept apart from package auth (who the caller is and what
// their roles allow) so that the domain packages, which only need the
// latter, do not depend on the JWT and bcrypt libraries.
package credentials

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/itsm-graph/itsm/apperr"
	"github.com/itsm-graph/itsm/auth"
)

// MinSecretBytes is the shortest HMAC secret accepted: HS256 itself accepts
// any length, even empty, so the check has to be ours.
const MinSecretBytes = 32

// TokenConfig says how tokens are signed and checked.
type TokenConfig struct {
	// Algorithm is HS256, RS256 or ES256. Only this algorithm is accepted.
	Algorithm string
	// Secret is the HMAC key for HS256.
	Secret []byte
	// PublicKeyPEM verifies RS256/ES256 tokens.
	PublicKeyPEM []byte
	// PrivateKeyPEM signs RS256/ES256 tokens; optional (without it this
	// service only verifies tokens from an identity provider).
	PrivateKeyPEM []byte
	Issuer        string
	Audience      string
	// Leeway tolerates clock skew on exp, nbf and iat.
	Leeway time.Duration
	// TTL is the lifetime of the tokens we mint.
	TTL time.Duration
	// MaxAge refuses tokens issued (iat) longer ago than this, whatever
	// their expiry, and tokens without iat; zero turns the check off.
	MaxAge time.Duration
}

// Tokens verifies and mints bearer JWTs.
type Tokens struct {
	cfg     TokenConfig
	method  jwt.SigningMethod
	verify  any
	sign    any
	parser  *jwt.Parser
	nowFunc func() time.Time
}

// Claims are the JWT claims we read and write.
type Claims struct {
	Roles []string `json:"roles"`
	jwt.RegisteredClaims
}

// NewTokens validates cfg and prepares keys. now is the clock used to mint.
func NewTokens(cfg TokenConfig, now func() time.Time) (*Tokens, error) {
	t := &Tokens{cfg: cfg, nowFunc: now}
	switch cfg.Algorithm {
	case "HS256":
		if len(cfg.Secret) < MinSecretBytes {
			return nil, fmt.Errorf("JWT_SECRET must be at least %d bytes (got %d); generate one with: openssl rand -hex 32", MinSecretBytes, len(cfg.Secret))
		}
		t.method = jwt.SigningMethodHS256
		t.verify, t.sign = cfg.Secret, cfg.Secret
	case "RS256", "ES256":
		if len(cfg.PublicKeyPEM) == 0 {
			return nil, fmt.Errorf("JWT_PUBLIC_KEY_FILE is required for %s", cfg.Algorithm)
		}
		pub, err := parsePublicKey(cfg.Algorithm, cfg.PublicKeyPEM)
		if err != nil {
			return nil, fmt.Errorf("JWT_PUBLIC_KEY_FILE: %w", err)
		}
		t.verify = pub
		if len(cfg.PrivateKeyPEM) > 0 {
			priv, err := parsePrivateKey(cfg.Algorithm, cfg.PrivateKeyPEM)
			if err != nil {
				return nil, fmt.Errorf("JWT_PRIVATE_KEY_FILE: %w", err)
			}
			t.sign = priv
		}
		if cfg.Algorithm == "RS256" {
			t.method = jwt.SigningMethodRS256
		} else {
			t.method = jwt.SigningMethodES256
		}
	default:
		return nil, fmt.Errorf("JWT_ALGORITHM must be HS256, RS256 or ES256 (got %q)", cfg.Algorithm)
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{cfg.Algorithm}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithTimeFunc(now),
	}
	if cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.Issuer))
	}
	if cfg.Audience != "" {
		opts = append(opts, jwt.WithAudience(cfg.Audience))
	}
	t.parser = jwt.NewParser(opts...)
	return t, nil
}

// CanSign reports whether this instance holds a signing key.
func (t *Tokens) CanSign() bool { return t.sign != nil }

// Verify checks a bearer token and returns its principal. Every failure is
// UNAUTHENTICATED; the message says what to do without echoing the token.
func (t *Tokens) Verify(raw string) (*auth.Principal, error) {
	var claims Claims
	_, err := t.parser.ParseWithClaims(raw, &claims, func(*jwt.Token) (any, error) { return t.verify, nil })
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Unauthenticated, "invalid bearer token (%s); log in again to get a new one", reason(err))
	}
	if claims.Subject == "" {
		return nil, apperr.New(apperr.Unauthenticated, "invalid bearer token (no subject); log in again to get a new one")
	}
	if err := t.checkAge(claims.IssuedAt); err != nil {
		return nil, err
	}
	p := &auth.Principal{Subject: claims.Subject}
	for _, r := range claims.Roles {
		role, err := auth.ParseRole(r)
		if err != nil {
			continue // a role this service does not know grants nothing
		}
		p.Roles = append(p.Roles, role)
	}
	return p, nil
}

// checkAge refuses tokens issued longer ago than MaxAge (with the leeway),
// so that a long-lived token, or one that leaked, stops working after a
// bounded time whatever its exp says. A token without iat has no age to
// check and is refused while the limit is on.
func (t *Tokens) checkAge(issuedAt *jwt.NumericDate) error {
	if t.cfg.MaxAge <= 0 {
		return nil
	}
	if issuedAt == nil {
		return apperr.New(apperr.Unauthenticated, "invalid bearer token (no iat claim, so its age is unknown); log in again to get a new one")
	}
	if t.nowFunc().Sub(issuedAt.Time) > t.cfg.MaxAge+t.cfg.Leeway {
		return apperr.New(apperr.Unauthenticated, "invalid bearer token (issued more than %s ago, the longest a token is accepted); log in again to get a new one", t.cfg.MaxAge)
	}
	return nil
}

func reason(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "expired"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "a required claim is missing"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "wrong audience"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "wrong issuer"
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "not valid yet"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return "signature or algorithm not accepted"
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "malformed"
	default:
		return "not accepted"
	}
}

// Mint signs a token for subject with roles, valid for ttl (the configured
// TTL when ttl is zero). It returns the token and its expiry.
func (t *Tokens) Mint(subject string, roles []auth.Role, ttl time.Duration) (string, time.Time, error) {
	if t.sign == nil {
		return "", time.Time{}, apperr.New(apperr.Unavailable, "this server has no signing key (set JWT_SECRET or JWT_PRIVATE_KEY_FILE) and cannot issue tokens")
	}
	if ttl <= 0 {
		ttl = t.cfg.TTL
	}
	now := t.nowFunc().UTC().Truncate(time.Second)
	exp := now.Add(ttl)
	claims := Claims{RegisteredClaims: jwt.RegisteredClaims{
		Subject:   subject,
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(exp),
		Issuer:    t.cfg.Issuer,
	}}
	if t.cfg.Audience != "" {
		claims.Audience = jwt.ClaimStrings{t.cfg.Audience}
	}
	for _, r := range roles {
		claims.Roles = append(claims.Roles, string(r))
	}
	s, err := jwt.NewWithClaims(t.method, claims).SignedString(t.sign)
	if err != nil {
		return "", time.Time{}, apperr.Wrap(err, apperr.Internal, "could not sign the token")
	}
	return s, exp, nil
}

// BearerToken extracts the token from an Authorization header value; ok is
// false when the header is absent or not a bearer credential.
func BearerToken(header string) (string, bool) {
	const prefix = "bearer "
	if len(header) <= len(prefix) || !strings.EqualFold(header[:len(prefix)], prefix) {
		return "", false
	}
	return strings.TrimSpace(header[len(prefix):]), true
}

func parsePublicKey(alg string, data []byte) (crypto.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block found")
	}
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		if cert, cerr := x509.ParseCertificate(block.Bytes); cerr == nil {
			key = cert.PublicKey
		} else {
			return nil, fmt.Errorf("not a PKIX public key or certificate: %w", err)
		}
	}
	switch k := key.(type) {
	case *rsa.PublicKey:
		if alg != "RS256" {
			return nil, fmt.Errorf("an RSA key needs JWT_ALGORITHM=RS256")
		}
		return k, nil
	case *ecdsa.PublicKey:
		if alg != "ES256" {
			return nil, fmt.Errorf("an EC key needs JWT_ALGORITHM=ES256")
		}
		return k, nil
	default:
		return nil, fmt.Errorf("unsupported key type %T", key)
	}
}

func parsePrivateKey(alg string, data []byte) (crypto.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block found")
	}
	var key any
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	}
	if err != nil {
		return nil, err
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if alg != "RS256" {
			return nil, fmt.Errorf("an RSA key needs JWT_ALGORITHM=RS256")
		}
		return k, nil
	case *ecdsa.PrivateKey:
		if alg != "ES256" {
			return nil, fmt.Errorf("an EC key needs JWT_ALGORITHM=ES256")
		}
		return k, nil
	default:
		return nil, fmt.Errorf("unsupported key type %T", key)
	}
}
