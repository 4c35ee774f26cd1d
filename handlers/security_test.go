package handlers_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"roster/handlers"
	"roster/store"
)

// The address limits count against is the connection's: a client choosing
// its own X-Forwarded-For does not get a fresh allowance per request.
func TestLimitsIgnoreForwardedForFromUntrustedClients(t *testing.T) {
	a := newTestApp(t)
	b := a.browser(t)
	signIn := func(i int, password string) response {
		b.get("/login")
		return b.do("POST", "/login", url.Values{"_csrf": {b.csrf}, "username": {"owner-other"}, "password": {password}},
			map[string]string{"X-Forwarded-For": fmt.Sprintf("203.0.113.%d", i)})
	}
	for i := range 10 {
		if r := signIn(i, "wrong password"); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d = %d, want 401", i+1, r.StatusCode)
		}
	}
	if r := signIn(10, ownerPassword); r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("11th attempt from a new X-Forwarded-For = %d, want 429", r.StatusCode)
	}

	// Reset emails: one address gets five requests, one victim three links.
	if _, err := a.st.CreateUser(t.Context(), a.acme.ID, store.NewUser{Username: "victim", Email: "victim@example.com"}); err != nil {
		t.Fatal(err)
	}
	codes := []int{}
	for i := range 8 {
		b.get("/account/acme/forgot")
		r := b.do("POST", "/account/acme/forgot", url.Values{"_csrf": {b.csrf}, "login": {"victim"}},
			map[string]string{"X-Forwarded-For": fmt.Sprintf("198.51.100.%d", i)})
		codes = append(codes, r.StatusCode)
	}
	if fmt.Sprint(codes) != "[200 200 200 429 429 429 429 429]" {
		t.Errorf("forgot-password answers = %v, want three links then 429", codes)
	}
	msgs, _ := a.st.ListMessages(t.Context(), a.acme.ID, "", store.Page{})
	if msgs.Total != 3 {
		t.Errorf("reset emails queued to the victim = %d, want 3", msgs.Total)
	}
}

// Behind a configured proxy, X-Forwarded-For names the client; the proxy's
// own address is not what is limited.
func TestTrustedProxyForwardsTheClientAddress(t *testing.T) {
	_, loopback, _ := net.ParseCIDR("127.0.0.0/8")
	a := newTestAppWith(t, handlers.Config{TrustedProxies: []*net.IPNet{loopback}})
	b := a.browser(t)
	signIn := func(client string) int {
		b.get("/login")
		return b.do("POST", "/login", url.Values{"_csrf": {b.csrf}, "username": {"owner-other"}, "password": {"wrong password"}},
			map[string]string{"X-Forwarded-For": client + ", 127.0.0.5"}).StatusCode
	}
	for i := range 10 {
		if code := signIn("203.0.113.1"); code != http.StatusUnauthorized {
			t.Fatalf("failure %d = %d", i+1, code)
		}
	}
	if code := signIn("203.0.113.1"); code != http.StatusTooManyRequests {
		t.Fatalf("11th from one client = %d, want 429", code)
	}
	if code := signIn("203.0.113.2"); code != http.StatusUnauthorized {
		t.Fatalf("another client behind the same proxy = %d, want 401 (its own allowance)", code)
	}
}

// Guesses sent at once each reserve an attempt before their password is
// checked, so no more than the limit are ever evaluated.
func TestParallelGuessesStopAtTheLimit(t *testing.T) {
	a := newTestApp(t)
	b := a.browser(t)
	b.get("/login")
	token := b.csrf
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[int]int{}
	for range 50 {
		wg.Go(func() {
			form := url.Values{"_csrf": {token}, "username": {"owner-other"}, "password": {"wrong password"}}
			req, _ := http.NewRequest("POST", a.srv.URL+"/login", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for _, c := range b.c.Jar.Cookies(req.URL) {
				req.AddCookie(c)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			mu.Lock()
			counts[resp.StatusCode]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if counts[http.StatusUnauthorized] != 10 || counts[http.StatusTooManyRequests] != 40 {
		t.Errorf("50 parallel wrong passwords answered %v, want 10 evaluated (401) and 40 refused (429)", counts)
	}
}

// One address trying one password on many usernames is stopped too.
func TestPasswordSprayingIsLimitedPerAddress(t *testing.T) {
	a := newTestApp(t)
	b := a.browser(t)
	var refused int
	for i := range 40 {
		if r := b.signIn(fmt.Sprintf("someone-%d", i), "Spring2026!"); r.StatusCode == http.StatusTooManyRequests {
			refused++
		} else if r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d = %d", i+1, r.StatusCode)
		}
	}
	if refused != 10 {
		t.Errorf("40 usernames from one address: %d refused, want the 10 past the per-address limit of 30", refused)
	}
	// A successful sign-in does not count against the address.
	if r := a.browser(t).signIn("owner-acme", ownerPassword); r.StatusCode != http.StatusTooManyRequests {
		t.Errorf("the right password from a spraying address = %d, want 429 while it is limited", r.StatusCode)
	}
}

// Administrators lock like end users; the lock answers exactly as a wrong
// password does, owners see it and lift it.
func TestAdministratorLockInTheConsole(t *testing.T) {
	a := newTestApp(t)
	ctx := t.Context()
	grace, err := a.st.CreateAdmin(ctx, a.acme.ID, store.NewAdmin{Username: "grace", Password: "grace's password"}, store.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	b := a.browser(t)
	for range store.MaxFailedLogins {
		b.signIn("grace", "not her password")
	}
	wrong := b.signIn("grace", "not her password")
	right := b.signIn("grace", "grace's password")
	wantPage(t, right, http.StatusUnauthorized, "Invalid username or password.")
	if csrfRE.ReplaceAllString(right.body, "") != csrfRE.ReplaceAllString(wrong.body, "") {
		t.Error("a locked administrator's right password is answered differently from a wrong one")
	}

	// Only owners see the lock and may lift it.
	admin := a.browser(t)
	if _, err := a.st.CreateAdmin(ctx, a.acme.ID, store.NewAdmin{Username: "helper", Password: ownerPassword}, store.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	admin.mustSignIn("helper")
	if r := admin.get("/settings/administrators"); strings.Contains(r.body, "Locked until") {
		t.Error("a non-owner sees administrators' locks")
	}
	wantPage(t, admin.post("/settings/administrators/"+grace.PublicID()+"/unlock", nil), http.StatusForbidden)
	owner := a.browser(t)
	owner.mustSignIn("owner-acme")
	wantPage(t, owner.get("/settings/administrators"), http.StatusOK, "Locked until", "Unlock grace")
	wantPage(t, owner.post("/settings/administrators/"+grace.PublicID()+"/unlock", nil), http.StatusSeeOther)
	if r := owner.get("/settings/administrators"); strings.Contains(r.body, "Locked until") {
		t.Error("still shown locked after Unlock")
	}
	wantPage(t, a.browser(t).signIn("grace", "grace's password"), http.StatusSeeOther)
}

// A new password ends the administrator's console sessions, whichever route
// set it (the command line's "roster admin password" calls SetAdminPassword).
func TestNewAdministratorPasswordEndsSessions(t *testing.T) {
	a := newTestApp(t)
	b := a.browser(t)
	b.mustSignIn("owner-acme")
	wantPage(t, b.get("/users"), http.StatusOK)
	if err := a.st.SetAdminPassword(t.Context(), "owner-acme", "a different password"); err != nil {
		t.Fatal(err)
	}
	r := b.get("/users")
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Fatalf("GET /users after a new password = %d to %q, want a redirect to sign in", r.StatusCode, r.Header.Get("Location"))
	}
	if r := b.signIn("owner-acme", "a different password"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in with the new password = %d", r.StatusCode)
	}
	wantPage(t, b.get("/users"), http.StatusOK)
}

// next= is followed only to a path of this site, after the clean-up a
// browser makes (tabs and newlines dropped, backslashes read as slashes).
func TestSignInRedirectStaysOnSite(t *testing.T) {
	a := newTestApp(t)
	for _, next := range []string{"//evil.example/", "/\t/evil.example/", "/\n/evil.example/", "/\r\n/evil.example",
		"/\\evil.example/", "\\/evil.example", "https://evil.example/", " //evil.example", "/%09/evil.example/x\x00",
		"javascript:alert(1)", "/\u0085/evil.example"} {
		b := a.browser(t)
		b.get("/login?next=" + url.QueryEscape(next))
		r := b.post("/login", url.Values{"username": {"owner-acme"}, "password": {ownerPassword}, "next": {next}})
		if loc := r.Header.Get("Location"); loc != "/" {
			t.Errorf("next=%q: redirect to %q, want /", next, loc)
		}
	}
	for _, next := range []string{"/audit", "/users?status=locked&q=a%2Fb", "/org-units/ou_1"} {
		b := a.browser(t)
		b.get("/login")
		r := b.post("/login", url.Values{"username": {"owner-acme"}, "password": {ownerPassword}, "next": {next}})
		if loc := r.Header.Get("Location"); loc != next {
			t.Errorf("next=%q: redirect to %q, want it kept", next, loc)
		}
	}
}

// Viewers see that a message exists, never its text: an undelivered reset
// link would let them sign in as its user. Owners and admins, who can send
// resets anyway, read undelivered messages; nobody reads delivered ones.
func TestViewersNeverSeeMessageLinks(t *testing.T) {
	a := newTestApp(t)
	ctx := t.Context()
	if _, err := a.st.CreateUser(ctx, a.acme.ID, store.NewUser{Username: "ada", Email: "ada@example.com"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.st.CreateAdmin(ctx, a.acme.ID, store.NewAdmin{Username: "watcher", Password: ownerPassword}, store.RoleViewer); err != nil {
		t.Fatal(err)
	}
	anon := a.browser(t)
	anon.get("/account/acme/forgot")
	wantPage(t, anon.post("/account/acme/forgot", url.Values{"login": {"ada"}}), http.StatusOK)
	link := regexp.MustCompile(`token=[A-Za-z0-9_-]+`)

	viewer := a.browser(t)
	viewer.mustSignIn("watcher")
	r := viewer.get("/settings/email")
	if link.MatchString(r.body) || strings.Contains(r.body, "Send again") {
		t.Errorf("a viewer's outbox shows a link or a resend button: %.2000s", r.body)
	}
	wantPage(t, r, http.StatusOK, "ada@example.com", "Only owners and admins can read their text")
	owner := a.browser(t)
	owner.mustSignIn("owner-acme")
	if r := owner.get("/settings/email"); !link.MatchString(r.body) {
		t.Errorf("an owner does not see the undelivered link")
	}
	l, _ := a.st.ListMessages(ctx, a.acme.ID, "", store.Page{})
	if err := a.st.MessageSent(ctx, l.Items[0].ID); err != nil {
		t.Fatal(err)
	}
	if r := owner.get("/settings/email"); link.MatchString(r.body) {
		t.Errorf("a delivered message's link is still shown")
	}
}

// Every route takes at most 1 MiB of body: a declared length over it is
// refused before anything is read, a chunked body where it passes it; both
// 413, on the console, the account pages and the API alike.
func TestBodyLimitOnEveryRoute(t *testing.T) {
	a := newTestApp(t)
	_, key, _ := a.st.CreateAPIKey(t.Context(), a.acme.ID, store.NewAPIKey{Name: "writer", Role: store.RoleAdmin})
	big := func() io.Reader { return bytes.NewReader(bytes.Repeat([]byte("a"), 2<<20)) }
	multipartBody := func() (io.Reader, string) {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		fw, _ := w.CreateFormField("username")
		fw.Write(bytes.Repeat([]byte("a"), 2<<20))
		w.Close()
		return &buf, w.FormDataContentType()
	}
	type call struct {
		name, path, contentType string
		body                    func() (io.Reader, string)
	}
	form := func() (io.Reader, string) { return big(), "application/x-www-form-urlencoded" }
	json := func() (io.Reader, string) {
		return io.MultiReader(strings.NewReader(`{"username":"`), big()), "application/json"
	}
	for _, c := range []call{
		{name: "console sign-in, multipart", path: "/login", body: multipartBody},
		{name: "console sign-in, form", path: "/login", body: form},
		{name: "account sign-in", path: "/account/acme/login", body: form},
		{name: "API", path: "/api/v1/users", body: json},
	} {
		for _, chunked := range []bool{false, true} {
			rd, ct := c.body()
			raw, _ := io.ReadAll(rd)
			var body io.Reader = bytes.NewReader(raw)
			if chunked {
				body = io.MultiReader(body) // hides the length: sent chunked
			}
			req, _ := http.NewRequest("POST", a.srv.URL+c.path, body)
			req.Header.Set("Content-Type", ct)
			req.Header.Set("Authorization", "Bearer "+key)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("%s (chunked %v): %v", c.name, chunked, err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Errorf("%s (chunked %v) = %d, want 413", c.name, chunked, resp.StatusCode)
			}
		}
	}
}

// A body that trickles in is cut off at the body deadline (408) instead of
// holding its connection open.
func TestSlowBodyIsCutOff(t *testing.T) {
	a := newTestAppWith(t, handlers.Config{BodyTimeout: 300 * time.Millisecond})
	conn, err := net.Dial("tcp", strings.TrimPrefix(a.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprint(conn, "POST /login HTTP/1.1\r\nHost: roster.test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nu")
	done := make(chan *http.Response, 1)
	go func() {
		resp, _ := http.ReadResponse(bufio.NewReader(conn), nil)
		done <- resp
	}()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case resp := <-done:
			if resp == nil || resp.StatusCode != http.StatusRequestTimeout {
				t.Fatalf("a trickling body got %v, want 408", resp)
			}
			return
		case <-tick.C:
			conn.Write([]byte("x")) // one byte a tick, never the whole body
		case <-deadline:
			t.Fatal("a trickling body still held its connection after 5 s (body deadline 300 ms)")
		}
	}
}
