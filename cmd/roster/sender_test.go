package main

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"roster/e2e/mailsink"
	"roster/store"
	"roster/store/storetest"
	"roster/web/templates"
)

// senderWith returns a store with a tenant and a user, and a sender aimed
// at sink.
func senderWith(t *testing.T, sink *mailsink.Sink) (*sender, *store.Store, store.Tenant, store.User) {
	t.Helper()
	st, err := store.Open(t.Context(), storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	st.Compose = func(d store.EmailData) store.Email { return templates.ComposeEmail("http://roster.test", d) }
	tn, err := st.CreateTenant(t.Context(), "Acme", "acme")
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(t.Context(), tn.ID, store.NewUser{Username: "ada", Email: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := parseSMTP("smtp://"+sink.Addr, "Roster <roster@acme.test>")
	if err != nil {
		t.Fatal(err)
	}
	return &sender{st: st, smtp: cfg, log: slog.New(slog.NewTextHandler(io.Discard, nil)), every: 10 * time.Millisecond}, st, tn, u
}

func TestSenderDeliversTextAndHTML(t *testing.T) {
	sink, err := mailsink.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Stop()
	snd, st, tn, u := senderWith(t, sink)
	if _, err := st.SendPasswordResets(t.Context(), tn.ID, []string{u.PublicID()}, false); err != nil {
		t.Fatal(err)
	}
	if err := snd.round(t.Context()); err != nil {
		t.Fatal(err)
	}
	m, err := sink.Wait("ada@example.com", "Reset your password for Acme", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"http://roster.test/account/acme/reset?token=", "expires in 1 hour", "If you did not ask for this"} {
		if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want[:min(len(want), 20)]) {
			t.Errorf("message lacks %q:\ntext %s\nhtml %s", want, m.Text, m.HTML)
		}
	}
	token := m.Text[strings.Index(m.Text, "token=")+len("token="):][:20]
	l, _ := st.ListMessages(t.Context(), tn.ID, "", store.Page{})
	if l.Items[0].Status != store.MessageSent || strings.Contains(l.Items[0].Email.Text, token) {
		t.Fatalf("outbox after sending: %+v", l.Items[0])
	}
}

// The server refuses once: the message is retried after its backoff and
// then delivered; while the server is down nothing is lost or charged.
func TestSenderRetriesAndWaitsForTheServer(t *testing.T) {
	sink, err := mailsink.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Stop()
	snd, st, tn, u := senderWith(t, sink)
	now := time.Now()
	st.SetClock(func() time.Time { return now })
	if err := st.SendVerification(t.Context(), tn.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	sink.RefuseNext(1)
	if err := snd.round(t.Context()); err != nil {
		t.Fatal(err)
	}
	l, _ := st.ListMessages(t.Context(), tn.ID, "", store.Page{})
	if m := l.Items[0]; m.Status != store.MessageQueued || m.Attempts != 1 || !strings.Contains(m.LastError, "451") {
		t.Fatalf("after a refusal: %+v", m)
	}
	now = now.Add(store.Backoff(1))
	if err := snd.round(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := sink.Wait("ada@example.com", "Confirm your email", time.Second); err != nil {
		t.Fatal(err)
	}

	// Down: the round reports it, the message stays queued, uncharged.
	if err := st.SendVerification(t.Context(), tn.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	if err := sink.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := snd.round(t.Context()); err == nil {
		t.Fatal("a round with the server down reported nothing")
	}
	l, _ = st.ListMessages(t.Context(), tn.ID, store.MessageQueued, store.Page{})
	if len(l.Items) != 1 || l.Items[0].Attempts != 0 {
		t.Fatalf("queued while down: %+v", l.Items)
	}
	if err := sink.Restart(); err != nil {
		t.Fatal(err)
	}
	if err := snd.round(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := len(sink.Messages()); n != 2 {
		t.Fatalf("%d messages received, want 2", n)
	}
}

// The senders of two replicas on one database, sending side by side,
// deliver every queued email exactly once.
func TestSendersOfTwoReplicasSendEachEmailOnce(t *testing.T) {
	sink, err := mailsink.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Stop()
	dsn := storetest.DSN(t)
	var senders []*sender
	var st *store.Store
	for range 2 {
		s, err := store.Open(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		s.Compose = func(d store.EmailData) store.Email { return templates.ComposeEmail("http://roster.test", d) }
		cfg, err := parseSMTP("smtp://"+sink.Addr, "Roster <roster@acme.test>")
		if err != nil {
			t.Fatal(err)
		}
		senders = append(senders, &sender{st: s, smtp: cfg, log: slog.New(slog.NewTextHandler(io.Discard, nil)), every: 10 * time.Millisecond})
		st = s
	}
	tn, err := st.CreateTenant(t.Context(), "Acme", "acme")
	if err != nil {
		t.Fatal(err)
	}
	var batch []store.NewUser
	for i := range 60 {
		batch = append(batch, store.NewUser{Username: fmt.Sprintf("user-%d", i), Email: fmt.Sprintf("user-%d@example.com", i)})
	}
	res, err := st.CreateUsers(t.Context(), tn.ID, batch)
	if err != nil || len(res.Failed) > 0 {
		t.Fatalf("CreateUsers = %v, %v", res.Failed, err)
	}
	var ids []string
	for _, ok := range res.Succeeded {
		ids = append(ids, ok.ID)
	}
	if _, err := st.SendPasswordResets(t.Context(), tn.ID, ids, false); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	for _, snd := range senders {
		wg.Go(func() {
			for range 5 { // a round takes at most 50: more rounds than needed
				if err := snd.round(t.Context()); err != nil {
					t.Errorf("round: %v", err)
				}
			}
		})
	}
	wg.Wait()
	got := map[string]int{}
	for _, m := range sink.Messages() {
		got[strings.Join(m.To, ",")]++
	}
	for i := range 60 {
		if to := fmt.Sprintf("user-%d@example.com", i); got[to] != 1 {
			t.Errorf("%s received %d emails, want 1", to, got[to])
		}
	}
	if n := len(sink.Messages()); n != 60 {
		t.Errorf("%d emails received, want the 60 queued", n)
	}
}

func TestParseSMTP(t *testing.T) {
	c, err := parseSMTP("smtps://me:secret@mail.example.com", "")
	if err != nil || c.port != 465 || !c.implicitTLS || c.user != "me" || c.pass != "secret" || c.from != "roster@mail.example.com" {
		t.Fatalf("smtps = %+v, %v", c, err)
	}
	if c, err := parseSMTP("smtp://mail.example.com:2525?starttls=required", "x@y.z"); err != nil || c.port != 2525 || !c.requireTLS {
		t.Fatalf("starttls required = %+v, %v", c, err)
	}
	for _, bad := range []string{"http://x", "smtp://", "smtp://h:port", "smtp://h?starttls=maybe"} {
		if _, err := parseSMTP(bad, ""); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if c, err := parseSMTP("", ""); c != nil || err != nil {
		t.Errorf("unset = %v, %v", c, err)
	}
}
