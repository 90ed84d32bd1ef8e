// Package hoursfeed lets e-learning platforms push learners' certified hours
// machine to machine (自動時數上傳, an L1 job type): the platform clients a
// system administrator registers, the OAuth 2.0 client-credentials token
// endpoint, and the per-client throttle. The batches themselves enter the
// uploads pipeline (shared/imports, platform.go).
package hoursfeed

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/store"
)

// Client states.
const (
	Active  = "active"
	Revoked = "revoked"
)

// Client is a registered platform. The secret itself is never stored: only
// its HMAC (see Hasher).
type Client struct {
	ID         string `dynamo:"clientId" json:"id"`
	Name       string `dynamo:"name" json:"name"`
	Agency     string `dynamo:"agency" json:"agency"`
	AgencyName string `dynamo:"agencyName" json:"agencyName"`
	// National: the platform serves every agency and may write hours for
	// anyone; otherwise only for people of Agency and the agencies below it.
	National   bool      `dynamo:"national,omitempty" json:"national"`
	SecretHash string    `dynamo:"secretHash" json:"-"`
	State      string    `dynamo:"state" json:"state"`
	Created    time.Time `dynamo:"created" json:"created"`
	CreatedBy  string    `dynamo:"createdBy" json:"createdBy"`
	RevokedAt  time.Time `dynamo:"revokedAt,omitempty" json:"revokedAt,omitzero"`
	RevokedBy  string    `dynamo:"revokedBy,omitempty" json:"revokedBy,omitempty"`
}

// clientsPK holds every client, one item each: the list is one Query, a
// client one consistent GetItem (the Guard's read on every platform call).
const clientsPK = "PLATFORMCLIENTS"

type clientItem struct {
	PK string `dynamo:"pk"`
	SK string `dynamo:"sk"`
	Client
}

// Keyed is c's item (the demo data writes it in bulk).
func Keyed(c Client) any { return clientItem{PK: clientsPK, SK: c.ID, Client: c} }

// Clients stores platform clients in the Directory table; it is the Guard's
// auth.PlatformLoader.
type Clients struct{ Table dynamo.Table }

var errUnknownClient = errcode.New(errcode.Unauthenticated, "用戶端不存在或已停用，請向系統管理者確認。")

// Get returns a client, or NotFound.
func (s Clients) Get(ctx context.Context, id string) (Client, error) {
	it, err := store.Get[clientItem](ctx, s.Table, clientsPK, id, "找不到這個平臺用戶端。")
	return it.Client, err
}

// ActiveClient implements auth.PlatformLoader: an unknown or revoked client
// is Unauthenticated (its token no longer counts).
func (s Clients) ActiveClient(ctx context.Context, id string) (auth.PlatformClient, error) {
	c, err := s.Get(ctx, id)
	if errcode.Is(err, errcode.NotFound) || (err == nil && c.State != Active) {
		return auth.PlatformClient{}, errUnknownClient
	}
	if err != nil {
		return auth.PlatformClient{}, err
	}
	return auth.PlatformClient{ID: c.ID, Name: c.Name, Agency: c.Agency, AgencyName: c.AgencyName, National: c.National}, nil
}

// List returns every client, newest registration last (by id order).
func (s Clients) List(ctx context.Context) ([]Client, error) {
	var items []clientItem
	if err := s.Table.Get("pk", clientsPK).Consistent(true).All(ctx, &items); err != nil {
		return nil, fmt.Errorf("list platform clients: %w", err)
	}
	out := make([]Client, len(items))
	for i, it := range items {
		out[i] = it.Client
	}
	return out, nil
}

// Put writes a new client (never over an existing id).
func (s Clients) Put(ctx context.Context, c Client) error {
	err := s.Table.Put(Keyed(c)).If("attribute_not_exists(pk)").Run(ctx)
	if dynamo.IsCondCheckFailed(err) {
		return errcode.New(errcode.Conflict, "用戶端代碼已存在。")
	}
	if err != nil {
		return fmt.Errorf("register platform client %s: %w", c.ID, err)
	}
	return nil
}

// Revoke ends a client: its tokens stop working on their next request and
// no new ones are issued. Revoking a revoked client changes nothing.
func (s Clients) Revoke(ctx context.Context, id, by string, now time.Time) (Client, error) {
	var it clientItem
	err := s.Table.Update("pk", clientsPK).Range("sk", id).
		Set("state", Revoked).Set("revokedAt", now).Set("revokedBy", by).
		If("attribute_exists(pk) AND $ = ?", "state", Active).Value(ctx, &it)
	if dynamo.IsCondCheckFailed(err) {
		c, gerr := s.Get(ctx, id)
		if gerr != nil {
			return Client{}, gerr
		}
		return c, nil // already revoked
	}
	if err != nil {
		return Client{}, fmt.Errorf("revoke platform client %s: %w", id, err)
	}
	return it.Client, nil
}

// Hasher turns a client secret into what is stored: HMAC-SHA256 keyed with a
// pepper derived from the system signing key (an SSM SecureString, never in
// the table). Not a slow KDF: the secret is 256 random bits, not a password a
// person chose, so no dictionary or brute force can reach it and stretching
// would only slow every token request; the pepper means a copy of the table
// alone cannot even test a guess.
type Hasher struct{ pepper []byte }

// NewHasher derives the pepper from the system key.
func NewHasher(systemKey []byte) (Hasher, error) {
	if len(systemKey) < 32 {
		return Hasher{}, errors.New("platform secret pepper: system key shorter than 32 bytes")
	}
	m := hmac.New(sha256.New, systemKey)
	m.Write([]byte("platform-client-secret-pepper/v1"))
	return Hasher{pepper: m.Sum(nil)}, nil
}

// Hash is the stored form of secret.
func (h Hasher) Hash(secret string) string {
	m := hmac.New(sha256.New, h.pepper)
	m.Write([]byte(secret))
	return hex.EncodeToString(m.Sum(nil))
}

// Matches compares in constant time.
func (h Hasher) Matches(secret, stored string) bool {
	return subtle.ConstantTimeCompare([]byte(h.Hash(secret)), []byte(stored)) == 1
}

// NewSecret returns 32 random bytes, base64url: what the platform keeps.
func NewSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// Registry is the system administrator's side: register, list, revoke.
type Registry struct {
	Clients  Clients
	Agencies interface {
		Get(ctx context.Context, code string) (agency.Agency, error)
	}
	Hasher Hasher
	Now    func() time.Time
	NewID  func() string
}

// RegisterRequest is what POST /api/platform-clients reads.
type RegisterRequest struct {
	Name   string `json:"name" max:"50"`
	Agency string `json:"agency" max:"id"`
	// National: the platform serves every agency (writes hours for anyone).
	National bool `json:"national,omitempty"`
}

// Valid checks the request.
func (in *RegisterRequest) Valid() error {
	in.Name, in.Agency = strings.TrimSpace(in.Name), strings.TrimSpace(in.Agency)
	var f errcode.Fields
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 50 {
		f.Add(errcode.Field("name", "請填寫平臺名稱（50 字以內）。"))
	}
	if !agency.ValidCode(in.Agency) {
		f.Add(errcode.Field("agency", "請填寫平臺所屬機關的 10 碼機關代碼。"))
	}
	return f.Err()
}

// Registered is the answer to a registration: the secret appears here once.
type Registered struct {
	Client Client `json:"client"`
	Secret string `json:"secret"`
}

// Register records a client and returns its secret, the only time it is seen.
func (r Registry) Register(ctx context.Context, by string, in RegisterRequest) (Registered, error) {
	a, err := r.Agencies.Get(ctx, in.Agency)
	if errcode.Is(err, errcode.NotFound) {
		return Registered{}, errcode.Field("agency", "找不到機關 "+in.Agency+"。")
	}
	if err != nil {
		return Registered{}, err
	}
	secret := NewSecret()
	c := Client{ID: r.NewID(), Name: in.Name, Agency: a.Code, AgencyName: a.Name, SecretHash: r.Hasher.Hash(secret),
		National: in.National, State: Active, Created: r.Now().UTC(), CreatedBy: by}
	if err := r.Clients.Put(ctx, c); err != nil {
		return Registered{}, err
	}
	return Registered{Client: c, Secret: secret}, nil
}

// NewClientID names a client: "plc-" and 16 hex digits.
func NewClientID() string { return "plc-" + auth.RandomID(8) }
