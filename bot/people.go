package bot

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/internal/errkind"
)

// people connects Slack's users and the catalog's: who is asking (a Slack
// id → a catalog User) and how to mention someone (a catalog person → a
// Slack id: the gantry.dev/slack-user-id annotation, else Slack's
// users.lookupByEmail). Answers are cached, "not found" too, so a team
// whose members have no Slack id costs one lookup per member per hour,
// not one per question.
type people struct {
	api   *WebAPI
	cat   Catalog
	clock Clock
	log   *slog.Logger

	flight singleflight.Group

	mu      sync.Mutex
	byEmail map[string]cached[string]          // e-mail → Slack id ("" when Slack has none)
	bySlack map[string]cached[*catalog.Entity] // Slack id → catalog user (nil when unknown)
}

type cached[T any] struct {
	v  T
	at time.Time
}

const (
	emailTTL   = time.Hour
	missTTL    = 10 * time.Minute
	userTTL    = 2 * time.Minute
	cacheLimit = 10000
)

func newPeople(api *WebAPI, cat Catalog, clock Clock, log *slog.Logger) *people {
	return &people{api: api, cat: cat, clock: clock, log: log,
		byEmail: map[string]cached[string]{}, bySlack: map[string]cached[*catalog.Entity]{}}
}

// slackIDs returns the Slack id of each person it can find, by catalog ref.
// A lookup that fails (Slack down) leaves the person out, uncached: the
// answer then names them instead of mentioning them.
func (p *people) slackIDs(ctx context.Context, persons ...catalog.Person) map[string]string {
	out := map[string]string{}
	for _, who := range persons {
		if who.Ref == "" {
			continue
		}
		if who.SlackUserID != "" {
			out[who.Ref] = who.SlackUserID
			continue
		}
		if id := p.byEmailAddress(ctx, who.Email); id != "" {
			out[who.Ref] = id
		}
	}
	return out
}

func (p *people) byEmailAddress(ctx context.Context, email string) string {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return ""
	}
	now := p.clock.Now()
	p.mu.Lock()
	c, ok := p.byEmail[email]
	p.mu.Unlock()
	if ok && (now.Sub(c.at) < missTTL || (c.v != "" && now.Sub(c.at) < emailTTL)) {
		return c.v
	}
	v, err, _ := p.flight.Do("email:"+email, func() (any, error) {
		u, err := p.api.LookupUserByEmail(ctx, email)
		switch {
		case err == nil:
			return u.ID, nil
		case errkind.Is(err, errkind.NotFound):
			return "", nil
		}
		return "", err
	})
	if err != nil {
		loggerFrom(ctx, p.log).Warn("could not look a person up in Slack by e-mail", "err", err)
		return ""
	}
	id := v.(string)
	p.mu.Lock()
	if len(p.byEmail) >= cacheLimit {
		clear(p.byEmail)
	}
	p.byEmail[email] = cached[string]{v: id, at: now}
	p.mu.Unlock()
	return id
}

// catalogUser finds the catalog User for a Slack user: by the Slack id
// annotation, else by the e-mail Slack has for them. (nil, nil) means the
// catalog does not know them.
func (p *people) catalogUser(ctx context.Context, slackID string) (*catalog.Entity, error) {
	now := p.clock.Now()
	p.mu.Lock()
	c, ok := p.bySlack[slackID]
	p.mu.Unlock()
	if ok && now.Sub(c.at) < userTTL {
		return c.v, nil
	}
	v, err, _ := p.flight.Do("user:"+slackID, func() (any, error) {
		u, err := p.cat.UserBySlackID(ctx, slackID)
		if err == nil || !errkind.Is(err, errkind.NotFound) {
			return u, err
		}
		su, err := p.api.UserInfo(ctx, slackID)
		if err != nil {
			if errkind.Is(err, errkind.NotFound) {
				return (*catalog.Entity)(nil), nil
			}
			return nil, err
		}
		if su.Profile.Email == "" {
			return (*catalog.Entity)(nil), nil
		}
		u, err = p.cat.UserByEmail(ctx, su.Profile.Email)
		if errkind.Is(err, errkind.NotFound) {
			return (*catalog.Entity)(nil), nil
		}
		return u, err
	})
	if err != nil {
		return nil, err
	}
	u, _ := v.(*catalog.Entity)
	p.mu.Lock()
	if len(p.bySlack) >= cacheLimit {
		clear(p.bySlack)
	}
	p.bySlack[slackID] = cached[*catalog.Entity]{v: u, at: now}
	p.mu.Unlock()
	return u, nil
}

// email returns the e-mail address Slack has for a user ("" if none or
// unknown), to tell someone the catalog does not know them under it.
func (p *people) email(ctx context.Context, slackID string) string {
	u, err := p.api.UserInfo(ctx, slackID)
	if err != nil {
		return ""
	}
	return u.Profile.Email
}
