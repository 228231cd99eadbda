package ghclient

import (
	"context"
	"crypto/rsa"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-github/v60/github"
)

// refreshBefore is how long before its expiry an installation token is
// replaced, so that a request never leaves with a token about to die (and
// a long sync never meets a 401 halfway).
const refreshBefore = 5 * time.Minute

// appAuth mints GitHub App installation tokens: an RS256 JWT (iss = the
// App's id, valid under ten minutes as GitHub requires) buys a token that
// lives an hour; it is cached and replaced refreshBefore its expiry.
type appAuth struct {
	id, installation int64
	key              *rsa.PrivateKey
	now              func() time.Time
	api              *github.Client // authenticates with the JWT

	mu      sync.Mutex
	tok     string
	expires time.Time
}

func newAppAuth(cfg Config, base, upload string) (*appAuth, error) {
	app := cfg.App
	if app.ID == 0 || app.InstallationID == 0 {
		return nil, fmt.Errorf("github.app needs id and installation_id")
	}
	key, err := jwt.ParseRSAPrivateKeyFromPEM(app.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("github.app private key: not a PEM RSA private key as GitHub issues them: %w", err)
	}
	a := &appAuth{id: app.ID, installation: app.InstallationID, key: key, now: cfg.Now}
	// Token minting goes through the same limits, authenticated by the JWT.
	jwtClient := &http.Client{Transport: newTransport(&authTransport{next: cfg.Base, token: a.jwt}, cfg)}
	gh := github.NewClient(jwtClient)
	gh.UserAgent = cfg.UserAgent
	if gh, err = gh.WithEnterpriseURLs(base, upload); err != nil {
		return nil, err
	}
	a.api = gh
	return a, nil
}

// jwt signs a fresh App JWT: issued a minute in the past to absorb clock
// drift, expiring in nine minutes (GitHub refuses more than ten).
func (a *appAuth) jwt(context.Context) (string, error) {
	now := a.now()
	claims := jwt.RegisteredClaims{
		Issuer:    strconv.FormatInt(a.id, 10),
		IssuedAt:  jwt.NewNumericDate(now.Add(-time.Minute)),
		ExpiresAt: jwt.NewNumericDate(now.Add(9 * time.Minute)),
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(a.key)
	if err != nil {
		return "", fmt.Errorf("signing the GitHub App JWT: %w", err)
	}
	return s, nil
}

// token returns a valid installation token, minting one when there is
// none or the cached one expires within refreshBefore.
func (a *appAuth) token(ctx context.Context) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tok != "" && a.now().Before(a.expires.Add(-refreshBefore)) {
		return a.tok, nil
	}
	it, _, err := a.api.Apps.CreateInstallationToken(ctx, a.installation, nil)
	if err != nil {
		return "", Explain(fmt.Sprintf("minting an installation token for GitHub App %d (installation %d)", a.id, a.installation), err)
	}
	a.tok = it.GetToken()
	a.expires = it.GetExpiresAt().Time
	if a.expires.IsZero() {
		a.expires = a.now().Add(time.Hour)
	}
	return a.tok, nil
}

// invalidate forgets tok, if it is still the cached token.
func (a *appAuth) invalidate(tok string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tok == tok {
		a.tok = ""
	}
}
