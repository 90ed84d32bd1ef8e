package auth

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// Context keys the authorizer passes to every function (requestContext.authorizer.lambda).
const (
	CtxSubject = "sub"
	CtxKind    = "kind"
	CtxSession = "sid"
	CtxExpires = "exp"
	CtxIssued  = "iat"
)

// Authorizer is the HTTP API Lambda authorizer (payload 2.0, simple responses).
// It checks the token only; whether the session or user is still active is
// decided by the Guard, which loads them anyway.
type Authorizer struct {
	Verifier *Verifier
}

// Handle answers API Gateway.
func (a Authorizer) Handle(ctx context.Context, req events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
	raw := BearerToken(req.Headers["authorization"])
	p, err := a.Verifier.Verify(ctx, raw)
	if err != nil {
		slog.InfoContext(ctx, "authorizer denied", "route", req.RouteKey, "err", err)
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: false}, nil
	}
	return events.APIGatewayV2CustomAuthorizerSimpleResponse{
		IsAuthorized: true,
		Context: map[string]any{
			CtxSubject: p.Subject, CtxKind: string(p.Kind), CtxSession: p.SessionID,
			CtxExpires: strconv.FormatInt(p.Expires.Unix(), 10), CtxIssued: strconv.FormatInt(p.Issued.Unix(), 10),
		},
	}, nil
}

// BearerToken extracts the token of an Authorization header.
func BearerToken(h string) string {
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// principalFromContext rebuilds the principal the authorizer passed on.
func principalFromContext(m map[string]any) (Principal, bool) {
	str := func(k string) string { s, _ := m[k].(string); return s }
	p := Principal{Subject: str(CtxSubject), Kind: Kind(str(CtxKind)), SessionID: str(CtxSession)}
	if exp, err := strconv.ParseInt(str(CtxExpires), 10, 64); err == nil {
		p.Expires = time.Unix(exp, 0)
	}
	if iat, err := strconv.ParseInt(str(CtxIssued), 10, 64); err == nil {
		p.Issued = time.Unix(iat, 0)
	}
	return p, p.Subject != "" && p.SessionID != "" && (p.Kind == KindOfficer || p.Kind == KindStats || p.Kind == KindPlatform)
}
