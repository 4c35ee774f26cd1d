package handlers_test

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	util "github.com/alibabacloud-go/tea-utils/v2/service"
	"github.com/alibabacloud-go/tea/tea"

	"roster/store"
)

// acsApp is the test app with a server key and an AccessKey pair of each
// role in acme, behind a proxy that records every request it forwards,
// so a test can send a real client's request again.
type acsApp struct {
	*testApp
	admin, viewer store.AccessKey
	adminSecret   string
	viewerSecret  string
	proxy         *httptest.Server
	mu            sync.Mutex
	sent          []recorded
}

// recorded is a request as the client sent it.
type recorded struct {
	method, url, host string
	header            http.Header
	body              []byte
}

func newACSApp(t *testing.T) *acsApp {
	t.Helper()
	a := &acsApp{testApp: newTestApp(t)}
	key := make([]byte, store.ServerKeySize)
	_, _ = rand.Read(key)
	sealer, err := store.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	a.st.Sealer = sealer
	if a.admin, a.adminSecret, err = a.st.CreateAccessKey(t.Context(), a.acme.ID, store.NewAccessKey{Name: "sync", Role: store.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	if a.viewer, a.viewerSecret, err = a.st.CreateAccessKey(t.Context(), a.acme.ID, store.NewAccessKey{Name: "report", Role: store.RoleViewer}); err != nil {
		t.Fatal(err)
	}
	target, _ := url.Parse(a.srv.URL)
	forward := httputil.NewSingleHostReverseProxy(target)
	a.proxy = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		a.mu.Lock()
		a.sent = append(a.sent, recorded{r.Method, r.URL.RequestURI(), r.Host, r.Header.Clone(), body})
		a.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		forward.ServeHTTP(w, r)
	}))
	t.Cleanup(a.proxy.Close)
	return a
}

// client is Alibaba Cloud's own OpenAPI client for Go, pointed at Roster
// with a pair; signature is "" for its default (version 3) or "v2".
func (a *acsApp) client(t *testing.T, id, secret, signature string) *openapi.Client {
	t.Helper()
	cfg := &openapi.Config{AccessKeyId: tea.String(id), AccessKeySecret: tea.String(secret),
		Endpoint: tea.String(strings.TrimPrefix(a.proxy.URL, "http://")), Protocol: tea.String("HTTP")}
	if signature != "" {
		cfg.SignatureAlgorithm = tea.String(signature)
	}
	c, err := openapi.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// call runs an eds-user action as the generated SDKs do (RPC style, a
// form body) and returns the answer's body, or the client's error.
func call(c *openapi.Client, action string, query, body map[string]any) (map[string]any, error) {
	return callVersion(c, "2021-03-08", action, query, body)
}

func callVersion(c *openapi.Client, version, action string, query, body map[string]any) (map[string]any, error) {
	params := &openapi.Params{Action: tea.String(action), Version: tea.String(version), Protocol: tea.String("HTTPS"),
		Pathname: tea.String("/"), Method: tea.String("POST"), AuthType: tea.String("AK"), Style: tea.String("RPC"),
		ReqBodyType: tea.String("formData"), BodyType: tea.String("json")}
	req := &openapi.OpenApiRequest{Query: openapiutil.Query(query), Body: openapiutil.ParseToMap(body)}
	res, err := c.CallApi(params, req, &util.RuntimeOptions{})
	if err != nil {
		return nil, err
	}
	b, _ := res["body"].(map[string]any)
	return b, nil
}

// wantCode checks that err is the client's error with this Code and status.
func wantCode(t *testing.T, what string, err error, status int, code string) {
	t.Helper()
	se, ok := err.(*tea.SDKError)
	if !ok || tea.StringValue(se.Code) != code || tea.IntValue(se.StatusCode) != status {
		t.Errorf("%s = %v, want %d %s", what, err, status, code)
	}
}

// replay sends a recorded request again, changed by edit, straight to
// Roster, and returns the status and the answer's Code.
func (a *acsApp) replay(t *testing.T, r recorded, edit func(*http.Request)) (int, string) {
	t.Helper()
	req, err := http.NewRequest(r.method, a.srv.URL+r.url, bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header, req.Host = r.header.Clone(), r.host
	if edit != nil {
		edit(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Code string }
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out.Code
}

func (a *acsApp) last() recorded {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.sent[len(a.sent)-1]
}

// Alibaba Cloud's own client reaches eds-user's actions with either
// signature version it signs with, and gets answers in the shapes it
// decodes; viewer pairs read but do not change.
func TestEdsUserOverRPCWithBothSignatureVersions(t *testing.T) {
	a := newACSApp(t)
	p, err := a.st.CreateProperty(t.Context(), a.acme.ID, store.NewProperty{Key: "site", Type: "select",
		Options: []store.OptionInput{{Value: "berlin"}, {Value: "tokyo"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, sig := range []string{"", "v2"} {
		admin := a.client(t, a.admin.AccessKeyID, a.adminSecret, sig)
		got, err := call(admin, "ListProperty", nil, nil)
		if err != nil {
			t.Fatalf("ListProperty (signature %q) = %v", sig, err)
		}
		props, _ := got["Properties"].([]any)
		if got["RequestId"] == "" || len(props) != 1 {
			t.Fatalf("ListProperty (signature %q) = %v, want one property and a RequestId", sig, got)
		}
		site := props[0].(map[string]any)
		values, _ := site["PropertyValues"].([]any)
		if site["PropertyKey"] != "site" || fmt.Sprint(site["PropertyId"]) != strconv.FormatInt(p.ID, 10) || len(values) != 2 {
			t.Fatalf("ListProperty (signature %q) property = %v, want site with its id and two values", sig, site)
		}
		got, err = call(admin, "InitTenantAlias", nil, nil)
		if err != nil || got["Data"] != "acme" {
			t.Fatalf("InitTenantAlias (signature %q) = %v, %v; want acme", sig, got, err)
		}
		viewer := a.client(t, a.viewer.AccessKeyID, a.viewerSecret, sig)
		if _, err := call(viewer, "ListProperty", nil, nil); err != nil {
			t.Fatalf("ListProperty as a viewer (signature %q) = %v", sig, err)
		}
		_, err = call(viewer, "RemoveProperty", nil, map[string]any{"PropertyId": p.ID})
		wantCode(t, "RemoveProperty as a viewer (signature "+sig+")", err, 403, "Forbidden")
	}
	admin := a.client(t, a.admin.AccessKeyID, a.adminSecret, "")
	if _, err := call(admin, "RemoveProperty", nil, map[string]any{"PropertyId": p.ID}); err != nil {
		t.Fatalf("RemoveProperty = %v", err)
	}
	if ps, _ := a.st.ListProperties(t.Context(), a.acme.ID); len(ps) != 0 {
		t.Fatalf("properties after RemoveProperty = %v", ps)
	}
	_, err = call(admin, "RemoveProperty", nil, nil)
	wantCode(t, "RemoveProperty without PropertyId", err, 400, "MissingParameter")
	_, err = call(admin, "RemoveProperty", nil, map[string]any{"PropertyId": "seven"})
	wantCode(t, "RemoveProperty with PropertyId seven", err, 400, "InvalidParameter")
	_, err = call(admin, "DescribeNothing", nil, nil)
	wantCode(t, "an unknown action", err, 404, "InvalidAction.NotFound")
	_, err = callVersion(admin, "2014-05-26", "DescribeInstances", nil, nil)
	wantCode(t, "an unknown version", err, 400, "InvalidVersion")
}

// What the protocol refuses: a wrong secret, an unknown or revoked pair,
// a timestamp over 15 minutes off, a request sent twice, a body changed
// after signing, a version 3 signature leaving out what it must cover.
func TestRPCRefusesWhatIsNotSignedFreshAndOnce(t *testing.T) {
	a := newACSApp(t)
	for _, sig := range []string{"", "v2"} {
		_, err := call(a.client(t, a.admin.AccessKeyID, "not-the-secret", sig), "ListProperty", nil, nil)
		wantCode(t, "a wrong secret (signature "+sig+")", err, 400, "SignatureDoesNotMatch")
		_, err = call(a.client(t, "RAKNOSUCHKEY", a.adminSecret, sig), "ListProperty", nil, nil)
		wantCode(t, "an unknown AccessKeyId (signature "+sig+")", err, 404, "InvalidAccessKeyId.NotFound")
	}

	admin := a.client(t, a.admin.AccessKeyID, a.adminSecret, "v2")
	if _, err := call(admin, "ListProperty", nil, nil); err != nil {
		t.Fatal(err)
	}
	if status, code := a.replay(t, a.last(), nil); status != 400 || code != "SignatureNonceUsed" {
		t.Errorf("a version 2 request sent twice = %d %s, want 400 SignatureNonceUsed", status, code)
	}
	v3 := a.client(t, a.admin.AccessKeyID, a.adminSecret, "")
	if _, err := call(v3, "RemoveProperty", nil, map[string]any{"PropertyId": 999}); err == nil {
		t.Fatal("RemoveProperty of no property succeeded")
	}
	sent := a.last()
	if status, code := a.replay(t, sent, nil); status != 400 || code != "SignatureNonceUsed" {
		t.Errorf("a version 3 request sent twice = %d %s, want 400 SignatureNonceUsed", status, code)
	}
	// A replayed change is refused before it runs; a replayed read
	// (ListProperty, above) after it ran, answering nothing.
	if _, err := call(admin, "CreateGroup", nil, map[string]any{"GroupName": "made once"}); err != nil {
		t.Fatal(err)
	}
	if status, code := a.replay(t, a.last(), nil); status != 400 || code != "SignatureNonceUsed" {
		t.Errorf("a CreateGroup sent twice = %d %s, want 400 SignatureNonceUsed", status, code)
	}
	if groups, err := a.st.ListGroups(t.Context(), a.acme.ID, store.NameFilter{Name: "made once"}); err != nil || len(groups.Items) != 1 {
		t.Errorf("groups named as the replayed CreateGroup's = %v (%v), want the one", groups.Items, err)
	}
	tampered := sent
	tampered.body = []byte("PropertyId=1")
	if status, code := a.replay(t, tampered, func(r *http.Request) { r.Header.Set("x-acs-signature-nonce", "fresh-1") }); status != 400 || code != "SignatureDoesNotMatch" {
		t.Errorf("a version 3 body changed after signing = %d %s, want 400 SignatureDoesNotMatch", status, code)
	}
	if status, code := a.replay(t, sent, func(r *http.Request) {
		r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "x-acs-action;", "", 1))
		r.Header.Set("x-acs-action", "ListProperty")
	}); status != 400 || code != "IncompleteSignature" {
		t.Errorf("a version 3 signature without x-acs-action = %d %s, want 400 IncompleteSignature", status, code)
	}
	if status, code := a.replay(t, sent, func(r *http.Request) {
		r.Header.Set("x-acs-action", "ListProperty")
		r.Header.Set("x-acs-signature-nonce", "fresh-2")
	}); status != 400 || code != "SignatureDoesNotMatch" {
		t.Errorf("a version 3 request with its action changed = %d %s, want 400 SignatureDoesNotMatch", status, code)
	}

	now := time.Now().Add(16 * time.Minute)
	a.st.SetClock(func() time.Time { return now })
	_, err := call(admin, "ListProperty", nil, nil)
	wantCode(t, "a timestamp 16 minutes behind the server", err, 400, "InvalidTimeStamp.Expired")
	a.st.SetClock(time.Now)

	if err := a.st.RevokeAccessKey(t.Context(), a.acme.ID, a.admin.AccessKeyID); err != nil {
		t.Fatal(err)
	}
	_, err = call(admin, "ListProperty", nil, nil)
	wantCode(t, "a revoked pair", err, 404, "InvalidAccessKeyId.NotFound")

	// "/" without an Action is still the console.
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Get(a.srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("GET / = %d to %q, want the console's sign-in", resp.StatusCode, resp.Header.Get("Location"))
	}
}
