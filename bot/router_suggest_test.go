package bot

import (
	"context"
	"testing"

	"github.com/slack-go/slack"
)

func TestSuggestionRoutes(t *testing.T) {
	rt := newRouter()
	exact := func(context.Context, *Request) ([]*slack.OptionBlockObject, error) {
		return []*slack.OptionBlockObject{{Value: "exact"}}, nil
	}
	prefix := func(context.Context, *Request) ([]*slack.OptionBlockObject, error) {
		return []*slack.OptionBlockObject{{Value: "prefix"}}, nil
	}
	rt.Suggestions("actions.choice", exact)
	rt.Suggestions("pick:*", prefix)
	for id, want := range map[string]string{"actions.choice": "exact", "pick:owner": "prefix"} {
		route, fn, ok := rt.suggestion(id)
		if !ok {
			t.Fatalf("%s: no route", id)
		}
		opts, _ := fn(context.Background(), &Request{})
		if opts[0].Value != want || route == "" {
			t.Errorf("%s: %s answered %q", id, route, opts[0].Value)
		}
	}
	if _, _, ok := rt.suggestion("other"); ok {
		t.Error("an unregistered action_id found a route")
	}
	defer func() {
		if recover() == nil {
			t.Error("registering an action_id twice did not panic")
		}
	}()
	rt.Suggestions("actions.choice", exact)
}
