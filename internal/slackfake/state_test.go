package slackfake

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/slack-go/slack"
)

func TestSnapshotRestore(t *testing.T) {
	f := newFixture(t, nil)
	api := f.api()
	_, ts, err := api.PostMessageContext(f.ctx, f.gen.ID, slack.MsgOptionText("hello", false))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := api.UpdateMessageContext(f.ctx, f.gen.ID, ts, slack.MsgOptionText("hello, edited", false)); err != nil {
		t.Fatal(err)
	}
	if _, err := api.PostEphemeralContext(f.ctx, f.gen.ID, f.ada.ID, slack.MsgOptionText("psst", false)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := api.PostMessageContext(f.ctx, f.bob.ID, slack.MsgOptionText("a DM", false)); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := api.OpenConversationContext(f.ctx, &slack.OpenConversationParameters{Users: []string{f.ada.ID, f.bob.ID}}); err != nil {
		t.Fatal(err)
	}
	home := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewDividerBlock()}}}
	if _, err := api.PublishViewContext(f.ctx, slack.PublishViewContextRequest{UserID: f.ada.ID, View: home}); err != nil {
		t.Fatal(err)
	}
	f.fake.mu.Lock()
	trig := f.fake.newTriggerLocked(f.ada.ID, "test")
	f.fake.mu.Unlock()
	if _, err := api.OpenViewContext(f.ctx, trig, nameModal("Open modal")); err != nil {
		t.Fatal(err)
	}

	data, err := json.Marshal(f.fake.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	var snap Snapshot
	if err := json.Unmarshal(data, &snap); err != nil {
		t.Fatal(err)
	}
	other := NewServer(t, Options{Now: f.clock.Now})
	if err := other.Restore(snap); err != nil {
		t.Fatal(err)
	}

	same := func(name string, a, b any) {
		t.Helper()
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if string(ja) != string(jb) {
			t.Fatalf("%s differs after restore:\n%s\n%s", name, ja, jb)
		}
	}
	same("users", f.fake.Users(), other.Users())
	same("channels", f.fake.Channels(), other.Channels())
	same("messages", f.fake.Messages(f.gen.ID), other.Messages(f.gen.ID))
	same("ephemerals", f.fake.Ephemerals(f.ada.ID), other.Ephemerals(f.ada.ID))
	same("dms", f.fake.DMs(f.bob.ID), other.DMs(f.bob.ID))
	same("views", f.fake.Views(f.ada.ID), other.Views(f.ada.ID))
	h1, _ := f.fake.Home(f.ada.ID)
	h2, _ := other.Home(f.ada.ID)
	same("home", h1, h2)
	same("snapshot", f.fake.Snapshot(), other.Snapshot())

	// The restored sandbox keeps going without reusing ids or timestamps.
	carol := other.AddUser(User{RealName: "Carol"})
	for _, u := range f.fake.Users() {
		if u.ID == carol.ID {
			t.Fatalf("new user reuses id %s", carol.ID)
		}
	}
	dm1, _ := f.fake.DMChannel(f.bob.ID)
	dm2, _ := other.DMChannel(f.bob.ID)
	if dm1 != dm2 {
		t.Fatalf("DM of bob: %s before, %s after", dm1, dm2)
	}
	otherAPI := slack.New(other.BotToken(), slack.OptionAPIURL(other.APIURL()))
	_, ts2, err := otherAPI.PostMessageContext(f.ctx, f.gen.ID, slack.MsgOptionText("after", false))
	if err != nil || !tsLess(ts, ts2) {
		t.Fatalf("post after restore: ts %s after %s, %v", ts2, ts, err)
	}
	if err := other.Restore(Snapshot{Version: 99}); err == nil {
		t.Fatal("an unknown snapshot version must be refused")
	}
}

func TestSubscribeStreamsInOrder(t *testing.T) {
	f := newFixture(t, nil)
	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	events := f.fake.Subscribe(ctx)
	api := f.api()
	for i := range 3 {
		if _, _, err := api.PostMessageContext(f.ctx, f.gen.ID, slack.MsgOptionText(fmt.Sprint(i), false)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		e := <-events
		if e.Type != EventMessagePosted || e.Message.Text != fmt.Sprint(i) {
			t.Fatalf("event %d = %+v", i, e)
		}
	}
	cancel()
	for range events {
		// drains until the subscription closes
	}
}

// TestConcurrentUse exercises the fake from many goroutines at once; its
// value is in running under -race.
func TestConcurrentUse(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.PostMessageBurst = 1000 })
	rec, _ := newRecorder(t, f, nil)
	api := f.api()
	var wg sync.WaitGroup
	for g := range 8 {
		ch := f.fake.AddChannel(fmt.Sprintf("team-%d", g))
		wg.Go(func() {
			for i := range 10 {
				if _, _, err := api.PostMessageContext(f.ctx, ch.ID, slack.MsgOptionText(fmt.Sprint(i), false)); err != nil {
					t.Error(err)
					return
				}
				_ = f.fake.Messages(ch.ID)
				_ = f.fake.Snapshot()
			}
		})
		wg.Go(func() {
			for range 5 {
				d, err := f.fake.SlashCommand(f.ctx, f.ada.ID, ch.ID, "/gantry", "")
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := d.Wait(f.ctx); err != nil {
					t.Error(err)
				}
			}
		})
	}
	go func() {
		for range rec.commands {
		}
	}()
	wg.Wait()
	total := 0
	for _, c := range f.fake.Channels() {
		total += len(f.fake.Messages(c.ID))
	}
	if total != 80 {
		t.Fatalf("%d messages, want 80", total)
	}
	if st := f.fake.EnvelopeStats(); st.Acked != 40 || !reflect.DeepEqual(st.Pending, 0) {
		t.Fatalf("stats = %+v", st)
	}
}
