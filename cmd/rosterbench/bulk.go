package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"time"
)

// bulkUsers is how many users each bulk action of the bulk scenarios
// changes: 10,000 into the million-user directory, a tenth of a smaller one.
func bulkUsers(users int) int { return min(10_000, max(users/10, 100)) }

// bulkBatch is how many users one request of a bulk action names: the
// API's most.
const bulkBatch = 500

// bulkTargets are the users the bulk scenarios act on, and the org unit
// and group of their own they move users into and add them to.
type bulkTargets struct {
	users       []string
	unit, group string
	base, key   string
}

// newBulkTargets reads the first n users by username (the pages a script
// would act on), and makes an org unit and a group for the scenarios.
func newBulkTargets(base, key string, n int) (*bulkTargets, error) {
	t := &bulkTargets{base: base, key: key}
	next := ""
	for len(t.users) < n {
		r, _ := http.NewRequest("GET", base+"/api/v1/users?max_results=100&next_token="+url.QueryEscape(next), nil)
		r.Header.Set("Authorization", "Bearer "+key)
		var page struct {
			NextToken string `json:"next_token"`
			Items     []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		if err := getJSON(r, &page); err != nil {
			return nil, fmt.Errorf("users to act on: %w", err)
		}
		for _, it := range page.Items {
			t.users = append(t.users, it.ID)
		}
		if next = page.NextToken; next == "" {
			break
		}
	}
	t.users = t.users[:min(n, len(t.users))]
	var made struct {
		ID string `json:"id"`
	}
	name := fmt.Sprintf("Bulk bench %d", os.Getpid())
	if err := t.post("/org-units", map[string]any{"name": name}, http.StatusCreated, &made); err != nil {
		return nil, fmt.Errorf("an org unit to move users into: %w", err)
	}
	t.unit = made.ID
	if err := t.post("/groups", map[string]any{"name": name}, http.StatusCreated, &made); err != nil {
		return nil, fmt.Errorf("a group to add users to: %w", err)
	}
	t.group = made.ID
	return t, nil
}

// bulkScenarios are the bulk actions over n users, each a scenario whose
// rate is users a second (target: n users in under 2 s). They come after
// every list (they change who is locked, disabled, where and in which
// group) and share targets, read when the first of them runs.
func bulkScenarios(base, key string, n int) []scenario {
	var t *bulkTargets
	// action measures the request that what makes of the targets.
	action := func(what func(t *bulkTargets) (path string, extra map[string]any)) func() (result, error) {
		return func() (result, error) {
			if t == nil {
				var err error
				if t, err = newBulkTargets(base, key, n); err != nil {
					return result{}, err
				}
			}
			return t.measure(what(t))
		}
	}
	name := func(what string) string { return fmt.Sprintf("bulk %s, %d users 500 a request (users/s)", what, n) }
	target := float64(n) / 2
	return []scenario{
		{name: name("lock"), target: target, once: action(func(*bulkTargets) (string, map[string]any) { return "/users/lock", nil })},
		{name: name("disable"), target: target, once: action(func(*bulkTargets) (string, map[string]any) { return "/users/disable", nil })},
		{name: name("move"), target: target, once: action(func(t *bulkTargets) (string, map[string]any) {
			return "/users/move", map[string]any{"org_unit_id": t.unit}
		})},
		{name: name("add to group"), target: target, once: action(func(t *bulkTargets) (string, map[string]any) {
			return "/groups/" + t.group + "/members/add", nil
		})},
	}
}

func (t *bulkTargets) post(path string, body any, status int, v any) error {
	b, _ := json.Marshal(body)
	r, _ := http.NewRequest("POST", t.base+"/api/v1"+path, bytes.NewReader(b))
	r.Header.Set("Authorization", "Bearer "+t.key)
	r.Header.Set("Content-Type", "application/json")
	return fetchJSON(r, status, v)
}

// measure applies one bulk action to every target user, bulkBatch users a
// request one request after another, as a script would: the result's
// rate is users a second, its p50 and p99 the whole action's time.
// path is the action's endpoint; extra, its fields besides the users.
func (t *bulkTargets) measure(path string, extra map[string]any) (result, error) {
	start := time.Now()
	done := 0
	for i := 0; i < len(t.users); i += bulkBatch {
		body := map[string]any{"user_ids": t.users[i:min(i+bulkBatch, len(t.users))]}
		for k, v := range extra {
			body[k] = v
		}
		var out struct {
			Succeeded []json.RawMessage `json:"succeeded"`
			Failed    []struct {
				Message string `json:"message"`
			} `json:"failed"`
		}
		if err := t.post(path, body, http.StatusOK, &out); err != nil {
			return result{}, fmt.Errorf("POST %s: %w", path, err)
		}
		if len(out.Failed) > 0 {
			return result{}, fmt.Errorf("POST %s: %d users failed: %s", path, len(out.Failed), out.Failed[0].Message)
		}
		done += len(out.Succeeded)
	}
	el := time.Since(start)
	return result{requests: done, rps: float64(done) / el.Seconds(), p50: el, p99: el,
		note: fmt.Sprintf("%d users in %s", done, el.Round(time.Millisecond))}, nil
}
