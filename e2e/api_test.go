package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os/exec"
	"regexp"
	"testing"

	"github.com/playwright-community/playwright-go"
)

// cliAPIKey creates an admin API key of the default tenant with roster's
// own command, beside the running server, and returns its secret.
func cliAPIKey(t *testing.T, a *app, name string) string {
	t.Helper()
	out, err := exec.Command(binary, "apikey", "create", "--db", a.DB, "--role", "admin", "--name", name).CombinedOutput()
	if err != nil {
		t.Fatalf("roster apikey create: %v\n%s", err, out)
	}
	token := regexp.MustCompile(`rst_key_\S+`).FindString(string(out))
	if token == "" {
		t.Fatalf("no key in the output of roster apikey create: %q", out)
	}
	return token
}

// newAPIKey creates an admin API key on the console's API keys page and
// returns its secret, shown once.
func newAPIKey(t *testing.T, page playwright.Page, a *app, name string) string {
	t.Helper()
	visit(t, page, a, "/settings/api-keys")
	fill(t, page.GetByLabel("Key name"), name)
	if _, err := page.GetByLabel("Key role").SelectOption(playwright.SelectOptionValues{Values: &[]string{"admin"}}); err != nil {
		t.Fatal(err)
	}
	click(t, role(page, "button", "Create API key"))
	secret, err := page.GetByLabel("Secret of " + name).InputValue()
	if err != nil || secret == "" {
		t.Fatalf("secret of the new API key = %q, %v", secret, err)
	}
	return secret
}

// apiClient calls Roster's JSON API with an API key: tests set up data
// through it in a second where the console's forms would take minutes.
type apiClient struct {
	t     *testing.T
	base  string
	token string
}

func newAPIClient(t *testing.T, a *app, token string) apiClient {
	return apiClient{t: t, base: a.URL + "/api/v1", token: token}
}

// post sends body as JSON and returns the "id" of the answer.
func (c apiClient) post(path string, body any) string {
	c.t.Helper()
	return c.call(http.MethodPost, path, body)
}

// call sends body as JSON and returns the "id" of the answer; any answer
// but 2xx fails the test.
func (c apiClient) call(method, path string, body any) string {
	c.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		c.t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.base+path, bytes.NewReader(b))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	if resp.StatusCode/100 != 2 {
		var e map[string]any
		_ = dec.Decode(&e)
		c.t.Fatalf("%s %s = %d %v, want 2xx", method, path, resp.StatusCode, e)
	}
	var out struct {
		ID string `json:"id"`
	}
	_ = dec.Decode(&out)
	return out.ID
}
