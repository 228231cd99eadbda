package bot

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/gantryhq/gantry/actions"
	"github.com/gantryhq/gantry/catalog"
	"github.com/gantryhq/gantry/internal/errkind"
)

// actionsNotifier shows runs in Slack (actions.Notifier): the requester's
// progress message in their DM with the app, the approval requests in the
// approvers' channel (or their DMs), both updated in place as the run
// moves, a reply in the progress message's thread at each turn (so Slack
// notifies the requester), and secrets by DM to the requester only. Where
// each message is is recorded on the run, so a restart keeps updating the
// same messages.
type actionsNotifier struct {
	b   *Bot
	eng *actions.Engine

	mu    sync.Mutex
	locks map[string]*runLock
	dms   sync.Map // Slack user id → DM channel id
}

type runLock struct {
	mu sync.Mutex
	n  int
}

func newActionsNotifier(b *Bot, eng *actions.Engine) *actionsNotifier {
	return &actionsNotifier{b: b, eng: eng, locks: map[string]*runLock{}}
}

// lock serialises the notifications of one run in this process, so two
// changes in quick succession never post two messages.
func (n *actionsNotifier) lock(id string) func() {
	n.mu.Lock()
	l := n.locks[id]
	if l == nil {
		l = &runLock{}
		n.locks[id] = l
	}
	l.n++
	n.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		n.mu.Lock()
		if l.n--; l.n == 0 {
			delete(n.locks, id)
		}
		n.mu.Unlock()
	}
}

// RunChanged implements actions.Notifier: it reads the run and brings
// every message about it up to date. It is safe to repeat (messages are
// updated in place, and each post is recorded on the run), so an error
// (Slack unavailable) makes the engine call again, a bounded number of
// times; after that, the run's next change shows its latest state.
func (n *actionsNotifier) RunChanged(ctx context.Context, id string) error {
	unlock := n.lock(id)
	defer unlock()
	run, err := n.eng.Get(ctx, id)
	if errkind.Is(err, errkind.NotFound) {
		n.b.log.Warn("a run to show is not in the store", "run", id)
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading run %s to show it: %w", id, err)
	}
	var errs []error
	if err := n.progress(ctx, run); err != nil {
		errs = append(errs, fmt.Errorf("showing run %s's progress to its requester: %w", id, err))
	}
	if run.Definition.Spec.Approval.Needed() {
		if err := n.approvals(ctx, run); err != nil {
			errs = append(errs, fmt.Errorf("showing run %s's approval request: %w", id, err))
		}
	}
	if err := n.notice(ctx, run); err != nil {
		errs = append(errs, fmt.Errorf("telling the requester about run %s: %w", id, err))
	}
	return errors.Join(errs...)
}

// posted is chat.postMessage's answer: where the message went.
type posted struct {
	Channel string `json:"channel"`
	TS      string `json:"ts"`
}

// post posts m to channel (an id, a #name or a user id) and returns the
// channel id and ts that chat.update needs.
func (n *actionsNotifier) post(ctx context.Context, channel string, m Message) (posted, error) {
	var out posted
	err := n.b.api.Call(ctx, "chat.postMessage", args{"channel": channel, "text": m.Text, "blocks": blocksOrNil(m.Blocks),
		"thread_ts": omitEmpty(m.ThreadTS), "unfurl_links": false, "unfurl_media": false}.compact(), &out)
	return out, err
}

// dm returns the app's DM channel with a user: posting there by its id
// (not the user's) keeps every message to that conversation under one
// pace, as Slack limits it.
func (n *actionsNotifier) dm(ctx context.Context, userID string) (string, error) {
	if ch, ok := n.dms.Load(userID); ok {
		return ch.(string), nil
	}
	ch, err := n.b.api.OpenDM(ctx, userID)
	if err != nil {
		return "", err
	}
	n.dms.Store(userID, ch)
	return ch, nil
}

// progress posts or updates the requester's message.
func (n *actionsNotifier) progress(ctx context.Context, run *actions.Run) error {
	if run.Requester.SlackID == "" {
		return nil
	}
	m := RunProgressMessage(run)
	if ref, ok := run.Message(actions.MessageProgress, ""); ok {
		return n.b.api.UpdateMessage(ctx, ref.Channel, ref.TS, m)
	}
	dm, err := n.dm(ctx, run.Requester.SlackID)
	if err != nil {
		return err
	}
	p, err := n.post(ctx, dm, m)
	if err != nil {
		return err
	}
	return n.eng.RecordMessage(ctx, run.ID, actions.MessageRef{Purpose: actions.MessageProgress, Channel: p.Channel, TS: p.TS})
}

// approvals posts the request while the run waits (once), then keeps the
// request messages up to date.
func (n *actionsNotifier) approvals(ctx context.Context, run *actions.Run) error {
	m := ApprovalMessage(ApprovalView{Run: run, Plan: n.eng.Plan(ctx, run)})
	existing := run.MessagesFor(actions.MessageApproval)
	if len(existing) > 0 {
		var first error
		for _, ref := range existing {
			if err := n.b.api.UpdateMessage(ctx, ref.Channel, ref.TS, m); err != nil && first == nil {
				first = err
			}
		}
		return first
	}
	if run.State != actions.StateAwaitingApproval {
		return nil
	}
	if ch := n.eng.ApprovalChannel(ctx, run); ch != "" {
		p, err := n.post(ctx, ch, m)
		if err == nil {
			return n.eng.RecordMessage(ctx, run.ID, actions.MessageRef{Purpose: actions.MessageApproval, Channel: p.Channel, TS: p.TS})
		}
		n.b.log.Warn("could not post the approval request in the approvers' channel; sending it to each approver", "run", run.ID, "channel", ch, "err", err)
	}
	approvers, err := n.eng.Approvers(ctx, run)
	if err != nil {
		return err
	}
	sent := 0
	for i := range approvers {
		id := n.slackID(ctx, &approvers[i])
		if id == "" {
			continue
		}
		dm, err := n.dm(ctx, id)
		if err != nil {
			n.b.log.Warn("could not open a DM with an approver", "run", run.ID, "approver", approvers[i].Ref().String(), "err", err)
			continue
		}
		p, err := n.post(ctx, dm, m)
		if err != nil {
			n.b.log.Warn("could not send an approval request", "run", run.ID, "approver", approvers[i].Ref().String(), "err", err)
			continue
		}
		if err := n.eng.RecordMessage(ctx, run.ID, actions.MessageRef{Purpose: actions.MessageApproval, Channel: p.Channel, TS: p.TS}); err != nil {
			return err
		}
		sent++
	}
	if sent == 0 {
		return errkind.New(errkind.Unavailable, "nobody could be asked to approve run %s: no approver has a Slack id (gantry.dev/slack-user-id) or an e-mail Slack knows", run.ID)
	}
	return nil
}

// slackID finds a catalog user's Slack id: annotated, or by e-mail.
func (n *actionsNotifier) slackID(ctx context.Context, u *catalog.Entity) string {
	if id := u.Annotation(catalog.AnnotationSlackUserID); id != "" {
		return id
	}
	if email := u.SpecString("profile.email"); email != "" {
		return n.b.people.byEmailAddress(ctx, email)
	}
	return ""
}

// notice replies in the progress message's thread when the run turns
// (approved, rejected, expired, done, failed), once per turn.
func (n *actionsNotifier) notice(ctx context.Context, run *actions.Run) error {
	ref, ok := run.Message(actions.MessageProgress, "")
	if !ok {
		return nil
	}
	var key string
	switch run.State {
	case actions.StateQueued, actions.StateRunning:
		if len(run.Approvals()) > 0 {
			key = "approved"
		}
	case actions.StateSucceeded, actions.StateRejected, actions.StateExpired:
		key = string(run.State)
	case actions.StateFailed:
		attempts := 0
		if s, ok := run.Step(run.FailedStep); ok {
			attempts = s.Attempts
		}
		key = fmt.Sprintf("failed:%s:%d", run.FailedStep, attempts)
	}
	if key == "" {
		return nil
	}
	purpose := "notice:" + key
	if _, done := run.Message(purpose, ""); done {
		return nil
	}
	p, err := n.post(ctx, ref.Channel, RunNoticeMessage(run, ref.TS))
	if err != nil {
		return err
	}
	return n.eng.RecordMessage(ctx, run.ID, actions.MessageRef{Purpose: purpose, Channel: p.Channel, TS: p.TS})
}

// DeliverSecret implements actions.Notifier: a direct message to the
// requester, and nowhere else. It is not logged.
func (n *actionsNotifier) DeliverSecret(ctx context.Context, run *actions.Run, s actions.Secret) error {
	if run.Requester.SlackID == "" {
		return errkind.New(errkind.Invalid, "run %s has no Slack requester to send the credentials to", run.ID)
	}
	dm, err := n.dm(ctx, run.Requester.SlackID)
	if err != nil {
		return err
	}
	_, err = n.post(ctx, dm, SecretMessage(run, s))
	return err
}
