// Package auth verifies who is calling and decides, in one place, what they
// may do: tokens (the ECPA personnel SSO and this system's own statistics
// accounts), the API Gateway Lambda authorizer, and the Guard every route uses.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/golang-jwt/jwt/v5"

	"github.com/ecpa-lifelong/backoffice/shared/errcode"
)

// Kind of principal: an officer from the SSO, a statistics account (S1), or
// an e-learning platform's client (自動時數上傳), which may call only the
// platform routes (Guard.Platform).
type Kind string

const (
	KindOfficer  Kind = "officer"
	KindStats    Kind = "stats"
	KindPlatform Kind = "platform"
)

// SystemIssuer and the audiences mark tokens this system signs itself: one
// audience a kind, so a token of one kind is never taken for the other.
const (
	SystemIssuer     = "urn:ecpa-lifelong:backoffice"
	StatsAudience    = "backoffice-stats"
	StatsTokenTTL    = 8 * time.Hour
	PlatformAudience = "backoffice-platform"
	// PlatformTokenTTL is short: a platform asks again (client credentials)
	// rather than holding a long-lived bearer token.
	PlatformTokenTTL = 15 * time.Minute
)

// Principal is who a verified token speaks for.
type Principal struct {
	Subject   string
	Kind      Kind
	SessionID string
	Issued    time.Time
	Expires   time.Time
}

var errBadToken = errcode.New(errcode.Unauthenticated, "登入憑證無效或已逾時，請重新登入。")

// Verifier checks tokens of both issuers. The SSO's keys are discovered lazily
// (first use, retried until it succeeds) so a cold start never blocks on it.
type Verifier struct {
	issuer, audience string
	systemKey        []byte
	client           *http.Client

	mu  sync.Mutex
	idv *oidc.IDTokenVerifier
}

// NewVerifier trusts the SSO issuer for audience and this system's key.
func NewVerifier(issuer, audience string, systemKey []byte, client *http.Client) *Verifier {
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	return &Verifier{issuer: issuer, audience: audience, systemKey: systemKey, client: client}
}

// Verify returns the principal of a valid token or an Unauthenticated error.
func (v *Verifier) Verify(ctx context.Context, raw string) (Principal, error) {
	if raw == "" {
		return Principal{}, errcode.New(errcode.Unauthenticated, "尚未登入。")
	}
	var peek jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(raw, &peek); err != nil {
		return Principal{}, errcode.Wrap(errcode.Unauthenticated, errBadToken.Message, err)
	}
	switch peek.Issuer {
	case SystemIssuer:
		return v.verifySystem(raw)
	case v.issuer:
		return v.verifySSO(ctx, raw)
	default:
		return Principal{}, errcode.Wrap(errcode.Unauthenticated, errBadToken.Message,
			fmt.Errorf("untrusted issuer %q", peek.Issuer))
	}
}

func (v *Verifier) verifySystem(raw string) (Principal, error) {
	var c jwt.RegisteredClaims
	_, err := jwt.ParseWithClaims(raw, &c, func(*jwt.Token) (any, error) { return v.systemKey, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer(SystemIssuer), jwt.WithExpirationRequired())
	if err == nil && (c.ID == "" || c.Subject == "") {
		err = errors.New("token without id or subject")
	}
	kind := KindStats
	if err == nil {
		switch {
		case len(c.Audience) != 1:
			err = fmt.Errorf("token with %d audiences", len(c.Audience))
		case c.Audience[0] == StatsAudience:
		case c.Audience[0] == PlatformAudience:
			kind = KindPlatform
			if c.IssuedAt == nil || c.ExpiresAt.Sub(c.IssuedAt.Time) > PlatformTokenTTL {
				err = errors.New("platform token living longer than its TTL")
			}
		default:
			err = fmt.Errorf("audience %q", c.Audience[0])
		}
	}
	if err != nil {
		return Principal{}, errcode.Wrap(errcode.Unauthenticated, errBadToken.Message, err)
	}
	p := Principal{Subject: c.Subject, Kind: kind, SessionID: c.ID, Expires: c.ExpiresAt.Time}
	if c.IssuedAt != nil {
		p.Issued = c.IssuedAt.Time
	}
	return p, nil
}

func (v *Verifier) verifySSO(ctx context.Context, raw string) (Principal, error) {
	idv, err := v.ssoVerifier()
	if err != nil {
		return Principal{}, errcode.Wrap(errcode.Unavailable, "無法連線至人事服務網單一登入，請稍後再試。", err)
	}
	tok, err := idv.Verify(ctx, raw)
	if err != nil {
		return Principal{}, errcode.Wrap(errcode.Unauthenticated, errBadToken.Message, err)
	}
	if tok.Subject == "" {
		return Principal{}, errcode.Wrap(errcode.Unauthenticated, errBadToken.Message, errors.New("token without subject"))
	}
	var c struct {
		ID string `json:"jti"`
	}
	_ = tok.Claims(&c)
	sid := c.ID
	if sid == "" { // an SSO that sets no jti: the token itself identifies the session
		sum := sha256.Sum256([]byte(raw))
		sid = hex.EncodeToString(sum[:16])
	}
	return Principal{Subject: tok.Subject, Kind: KindOfficer, SessionID: sid, Issued: tok.IssuedAt, Expires: tok.Expiry}, nil
}

func (v *Verifier) ssoVerifier() (*oidc.IDTokenVerifier, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.idv != nil {
		return v.idv, nil
	}
	// The key set outlives this request, so it gets a background context.
	ctx := oidc.ClientContext(context.Background(), v.client)
	p, err := oidc.NewProvider(ctx, v.issuer)
	if err != nil {
		return nil, fmt.Errorf("discover SSO issuer %s: %w", v.issuer, err)
	}
	v.idv = p.Verifier(&oidc.Config{ClientID: v.audience})
	return v.idv, nil
}

// IssueStatsToken signs a token for a statistics account.
func IssueStatsToken(key []byte, username string, now time.Time) (string, Principal, error) {
	if len(key) < 32 {
		return "", Principal{}, errors.New("stats signing key shorter than 32 bytes")
	}
	p := Principal{Subject: username, Kind: KindStats, SessionID: RandomID(16), Issued: now, Expires: now.Add(StatsTokenTTL)}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{
		Issuer: SystemIssuer, Audience: jwt.ClaimStrings{StatsAudience}, Subject: username,
		ID: p.SessionID, IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(p.Expires),
	})
	s, err := tok.SignedString(key)
	return s, p, err
}

// IssuePlatformToken signs a short-lived token for a platform client
// (OAuth 2.0 client credentials). The Guard checks on every request that the
// client is still active, so revoking a client ends its tokens at once.
func IssuePlatformToken(key []byte, clientID string, now time.Time) (string, Principal, error) {
	if len(key) < 32 {
		return "", Principal{}, errors.New("signing key shorter than 32 bytes")
	}
	p := Principal{Subject: clientID, Kind: KindPlatform, SessionID: RandomID(16), Issued: now, Expires: now.Add(PlatformTokenTTL)}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{
		Issuer: SystemIssuer, Audience: jwt.ClaimStrings{PlatformAudience}, Subject: clientID,
		ID: p.SessionID, IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(p.Expires),
	})
	s, err := tok.SignedString(key)
	return s, p, err
}

// readable is an alphabet without look-alikes (no 0/O, 1/l/I).
const readable = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"

// ReadableSecret returns groups of four random characters from an alphabet
// without look-alikes, joined by "-" (about 23 bits a group): passwords an
// officer can read aloud or type from a screen.
func ReadableSecret(groups int) string {
	var b strings.Builder
	for i := 0; i < groups*4; i++ {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(readable))))
		if err != nil {
			panic(err) // crypto/rand does not fail on Linux
		}
		b.WriteByte(readable[n.Int64()])
	}
	return b.String()
}

// RandomID returns n random bytes as hex.
func RandomID(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on Linux; a failure means the host is broken
	}
	return hex.EncodeToString(b)
}
