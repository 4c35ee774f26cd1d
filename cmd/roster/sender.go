package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"time"

	"github.com/wneessen/go-mail"

	"roster/store"
)

// smtpConfig is where the sender delivers, from ROSTER_SMTP_URL:
// smtp://user:pass@host:587 (STARTTLS when offered, ?starttls=required to
// insist) or smtps://host:465 (implicit TLS).
type smtpConfig struct {
	host, user, pass string
	port             int
	implicitTLS      bool
	requireTLS       bool
	from             string
}

func parseSMTP(raw, from string) (*smtpConfig, error) {
	if raw == "" {
		return nil, nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "smtp" && u.Scheme != "smtps") {
		return nil, fmt.Errorf("ROSTER_SMTP_URL: want smtp://[user:pass@]host[:port] or smtps://…, got %q", raw)
	}
	c := &smtpConfig{host: u.Hostname(), implicitTLS: u.Scheme == "smtps", from: from}
	c.port = 587
	if c.implicitTLS {
		c.port = 465
	}
	if p := u.Port(); p != "" {
		if c.port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("ROSTER_SMTP_URL: bad port %q", p)
		}
	}
	if u.User != nil {
		c.user = u.User.Username()
		c.pass, _ = u.User.Password()
	}
	switch v := u.Query().Get("starttls"); v {
	case "", "opportunistic":
	case "required":
		c.requireTLS = true
	default:
		return nil, fmt.Errorf("ROSTER_SMTP_URL: starttls=%q, want required or opportunistic", v)
	}
	if c.from == "" {
		c.from = "roster@" + c.host
	}
	return c, nil
}

func (c *smtpConfig) client() (*mail.Client, error) {
	opts := []mail.Option{mail.WithPort(c.port), mail.WithTimeout(15 * time.Second), mail.WithTLSPolicy(mail.TLSOpportunistic)}
	if c.requireTLS {
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if c.implicitTLS {
		opts = append(opts, mail.WithSSL())
	}
	if c.user != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(c.user), mail.WithPassword(c.pass))
	}
	return mail.NewClient(c.host, opts...)
}

// sender delivers the outbox: due messages go out over one connection per
// round; a message the server refuses is retried with backoff (the store
// keeps the count). When the server cannot be reached no message is
// charged an attempt: they wait, queued, for it to come back. Every server
// process on a database runs a sender; each claims the messages it sends
// (store.ClaimMessages), so each message goes out once.
//
// A sender that dies mid-round leaves its claimed messages to be retried
// when their lease ends, two minutes later: one it was sending as it died
// may then go out twice, which only a mail server's receipt could prevent.
type sender struct {
	st    *store.Store
	smtp  *smtpConfig
	log   *slog.Logger
	every time.Duration
}

func (s *sender) run(ctx context.Context) {
	wait := s.every
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = s.every
		if err := s.round(ctx); err != nil {
			s.log.Warn("email delivery", "err", err)
			wait = min(4*s.every, time.Minute)
		}
	}
}

// leaseMargin is how long before its lease ends a sender stops sending
// what it claimed: more than one message can take (the client's timeout),
// so no message is sent after another sender could have claimed it.
const leaseMargin = 30 * time.Second

// round sends what is due; it returns an error only when the server could
// not be reached. What it claimed and did not try is released, due again
// at once: the rest of a round cut short by a refusal, by the lease nearing
// its end, or by the server being down.
func (s *sender) round(ctx context.Context) error {
	claimed := time.Now()
	due, err := s.st.ClaimMessages(ctx, 50)
	if err != nil || len(due) == 0 {
		return err
	}
	// What was tried is recorded, and what was not given back, even when
	// the server is stopping: a sent message left unrecorded would go
	// out again once its lease ends.
	rec := context.WithoutCancel(ctx)
	sent := 0
	defer func() {
		if err := s.st.ReleaseMessages(rec, due[sent:]); err != nil {
			s.log.Warn("releasing unsent emails", "err", err)
		}
	}()
	c, err := s.smtp.client()
	if err != nil {
		return err
	}
	if err := c.DialWithContext(ctx); err != nil {
		return fmt.Errorf("connect to %s:%d: %w", s.smtp.host, s.smtp.port, err)
	}
	defer c.Close()
	for _, m := range due {
		if time.Since(claimed) > store.MessageLease-leaseMargin || ctx.Err() != nil {
			return nil
		}
		sent++ // from here the message is tried: it is sent, or charged an attempt
		msg, err := s.message(m)
		if err == nil {
			err = c.Send(msg)
		}
		if err != nil {
			s.log.Warn("email refused", "message", m.PublicID(), "err", err)
			if err := s.st.MessageFailed(rec, m.ID, err); err != nil {
				return err
			}
			// A refused message may leave the session unusable; the rest
			// wait for the next round's fresh connection.
			return nil
		}
		if err := s.st.MessageSent(rec, m.ID); err != nil {
			return err
		}
	}
	return nil
}

func (s *sender) message(m store.Message) (*mail.Msg, error) {
	msg := mail.NewMsg()
	if err := msg.From(s.smtp.from); err != nil {
		return nil, fmt.Errorf("from %q: %w", s.smtp.from, err)
	}
	if err := msg.To(m.Email.To); err != nil {
		return nil, fmt.Errorf("to %q: %w", m.Email.To, err)
	}
	msg.Subject(m.Email.Subject)
	msg.SetBodyString(mail.TypeTextPlain, m.Email.Text)
	if m.Email.HTML != "" {
		msg.AddAlternativeString(mail.TypeTextHTML, m.Email.HTML)
	}
	msg.SetMessageID()
	msg.SetDate()
	return msg, nil
}
