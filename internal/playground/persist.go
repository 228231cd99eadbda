package playground

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gantryhq/gantry/internal/slackfake"
)

// Names of the snapshots in the Store.
const (
	stateSlack  = "slack"
	stateGitHub = "github"
)

// saveEvery is how often, at most, a changing sandbox is saved.
const saveEvery = time.Second

// restore loads the saved sandboxes. A snapshot that no longer loads (an
// older format) is set aside with a warning, and that sandbox starts
// afresh: the playground is for trying things, not a system of record.
func (sb *Sandbox) restore(ctx context.Context) error {
	if sb.opts.Store == nil {
		return nil
	}
	restored := false
	data, ok, err := sb.opts.Store.SandboxState(ctx, stateSlack)
	if err != nil {
		return fmt.Errorf("playground: %w", err)
	}
	if ok {
		var snap slackfake.Snapshot
		err := json.Unmarshal(data, &snap)
		if err == nil {
			err = sb.slack.Restore(snap)
		}
		if err != nil {
			sb.log.Warn("the saved Slack sandbox cannot be loaded; starting a fresh one", "err", err)
		} else {
			restored = true
		}
	}
	data, ok, err = sb.opts.Store.SandboxState(ctx, stateGitHub)
	if err != nil {
		return fmt.Errorf("playground: %w", err)
	}
	if ok {
		if err := sb.gh.Restore(data); err != nil {
			sb.log.Warn("the saved GitHub sandbox cannot be loaded; starting from the fixture", "err", err)
		} else {
			restored = true
		}
	}
	sb.mu.Lock()
	sb.restored = restored
	sb.mu.Unlock()
	return nil
}

// save writes both snapshots.
func (sb *Sandbox) save(ctx context.Context) error {
	if sb.opts.Store == nil {
		return nil
	}
	snap := sb.slack.Snapshot()
	redactSecrets(&snap)
	slackData, err := json.Marshal(snap)
	if err != nil {
		return fmt.Errorf("playground: saving the Slack sandbox: %w", err)
	}
	ghData, err := sb.gh.Snapshot()
	if err != nil {
		return fmt.Errorf("playground: saving the GitHub sandbox: %w", err)
	}
	return errors.Join(sb.opts.Store.SaveSandboxState(ctx, stateSlack, slackData),
		sb.opts.Store.SaveSandboxState(ctx, stateGitHub, ghData))
}

// secretMark ends the text of the direct message that hands a person
// credentials (bot.SecretMessage: a database's password), and its header
// starts with secretIcon.
const (
	secretMark = " (only you can see this)"
	secretIcon = ":closed_lock_with_key:"
)

// redactSecrets replaces, in a snapshot about to be saved, the direct
// messages that carry credentials by a note: the sandbox is saved in the
// database in clear, and a password must live only in the message the
// person saw (and in their secret manager), as Gantry promises.
func redactSecrets(snap *slackfake.Snapshot) {
	dms := map[string]bool{}
	for _, id := range snap.DMs {
		dms[id] = true
	}
	for i := range snap.Messages {
		m := &snap.Messages[i]
		if !dms[m.Channel] || m.BotID == "" || !strings.HasSuffix(m.Text, secretMark) || !strings.Contains(string(m.Blocks), secretIcon) {
			continue
		}
		title := strings.TrimSuffix(m.Text, secretMark)
		note := title + ": shown once, when Gantry sent it, and not kept by the local sandbox (which saves its conversation in the database in clear)."
		m.Text = note
		m.Blocks, _ = json.Marshal([]map[string]any{
			{"type": "header", "text": map[string]any{"type": "plain_text", "text": secretIcon + " " + title}},
			{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": "_The credentials were shown once, when Gantry sent them, and are not kept by the local sandbox, which saves its conversation in the database in clear. With Slack, this message stays in your direct messages._"}},
		})
		m.Attachments, m.History = nil, nil
	}
}

// saveLoop saves the sandbox at most every saveEvery while it changes:
// every change of the conversation is an event of the Slack sandbox, and
// GitHub changes only when the bot's actions run, which report their
// progress in Slack. Close saves the last changes.
func (sb *Sandbox) saveLoop() {
	events := sb.slack.Subscribe(sb.ctx)
	tick := time.NewTicker(saveEvery)
	defer tick.Stop()
	dirty := false
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return
			}
			dirty = dirty || changesState(ev.Type)
		case <-tick.C:
			if !dirty {
				continue
			}
			dirty = false
			ctx, cancel := context.WithTimeout(sb.ctx, 10*time.Second)
			if err := sb.save(ctx); err != nil && sb.ctx.Err() == nil {
				sb.log.Warn("saving the sandbox failed; will try again", "err", err)
				dirty = true
			}
			cancel()
		case <-sb.ctx.Done():
			return
		}
	}
}

// changesState reports whether an event changes what a snapshot holds.
func changesState(t slackfake.EventType) bool {
	switch t {
	case slackfake.EventMessagePosted, slackfake.EventMessageUpdated, slackfake.EventMessageDeleted,
		slackfake.EventViewOpened, slackfake.EventViewPushed, slackfake.EventViewUpdated, slackfake.EventViewClosed,
		slackfake.EventHomePublished, slackfake.EventUserAdded, slackfake.EventChannelAdded:
		return true
	}
	return false
}
