package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// PrefixMessage is the public id prefix of outbox messages.
const PrefixMessage = "msg"

// Message statuses.
const (
	MessageQueued = "queued"
	MessageSent   = "sent"
	MessageFailed = "failed"
)

// MaxAttempts is how often the sender tries a message before it is failed.
const MaxAttempts = 8

// Email is an email to send: the store writes it to the outbox in the
// transaction of the change that causes it.
type Email struct {
	Kind    string // password_reset, invitation, verify_email
	To      string
	Subject string
	Text    string
	HTML    string
}

// Message is an outbox row.
type Message struct {
	ID            int64
	TenantID      int64
	UserID        int64
	Email         Email
	Status        string
	Attempts      int
	LastError     string
	NextAttemptAt time.Time
	CreatedAt     time.Time
	SentAt        *time.Time
}

// PublicID is the message's id as shown in the console and the API.
func (m Message) PublicID() string { return PublicID(PrefixMessage, m.ID) }

// enqueue writes an email to the outbox inside tx.
func (s *Store) enqueue(ctx context.Context, tx *sql.Tx, tenant, user int64, e Email) error {
	now := s.nowMillis()
	_, err := s.exec(ctx, tx, `INSERT INTO outbox (tenant_id, user_id, kind, to_address, subject, text_body, html_body,
		status, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)`,
		tenant, user, e.Kind, e.To, e.Subject, e.Text, e.HTML, now, now)
	if err != nil {
		return fmt.Errorf("store: queue email: %w", err)
	}
	return nil
}

const messageColumns = `id, tenant_id, coalesce(user_id, 0), kind, to_address, subject, text_body, html_body, status,
	attempts, last_error, next_attempt_at, created_at, sent_at`

func scanMessage(sc rowScanner) (Message, error) {
	var m Message
	var next, created int64
	var sent sql.NullInt64
	err := sc.Scan(&m.ID, &m.TenantID, &m.UserID, &m.Email.Kind, &m.Email.To, &m.Email.Subject, &m.Email.Text,
		&m.Email.HTML, &m.Status, &m.Attempts, &m.LastError, &next, &created, &sent)
	m.NextAttemptAt, m.CreatedAt, m.SentAt = fromMillis(next), fromMillis(created), fromNullMillis(sent)
	return m, err
}

// MessageLease is how long a claimed message is its sender's: no other
// sender sees it due meanwhile. A sender that stops mid-send (a crash)
// leaves its messages to be tried again when the lease ends; so one that
// is still sending when its lease nears its end must stop, or another
// sender could send the same message.
const MessageLease = 2 * time.Minute

// ClaimMessages takes up to n queued messages whose next attempt is due,
// oldest first, for a sender: in one statement it pushes their next
// attempt MessageLease ahead, so senders of several processes send each
// message once. The sender then records each one as sent (MessageSent),
// refused (MessageFailed), or not tried after all (ReleaseMessages).
func (s *Store) ClaimMessages(ctx context.Context, n int) ([]Message, error) {
	// Read first: senders ask every few seconds, and while nothing is due
	// a write transaction would take SQLite's write lock and end the
	// cached list counts for nothing.
	var due bool
	if err := s.rd.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM outbox WHERE status = 'queued' AND next_attempt_at <= ?)`,
		s.nowMillis()).Scan(&due); err != nil {
		return nil, fmt.Errorf("store: claim messages: %w", err)
	}
	if !due {
		return nil, nil
	}
	// On PostgreSQL, claims run side by side: the subquery locks what it
	// picks and skips what another claim has locked. SQLite has one writer
	// at a time. The outer status and time check keeps a message that
	// changed meanwhile (sent, or claimed by a claim that waited) unclaimed.
	pick := `SELECT id FROM outbox WHERE status = 'queued' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`
	if s.pg {
		pick += ` FOR UPDATE SKIP LOCKED`
	}
	var out []Message
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.nowMillis()
		rows, err := tx.QueryContext(ctx, `UPDATE outbox SET next_attempt_at = ?
			WHERE id IN (`+pick+`) AND status = 'queued' AND next_attempt_at <= ?
			RETURNING `+messageColumns, now+MessageLease.Milliseconds(), now, n, now)
		if err != nil {
			return fmt.Errorf("store: claim messages: %w", err)
		}
		out, err = collect(rows, scanMessage)
		return err
	})
	if err != nil {
		return nil, err
	}
	// RETURNING has no order; the oldest were picked, and go first.
	slices.SortFunc(out, func(a, b Message) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// ReleaseMessages gives back claimed messages their sender did not try
// (it stopped early): they are due again at once, no attempt charged.
// Only messages still under the claim's lease are released, so a message
// another sender claimed since is left to it.
func (s *Store) ReleaseMessages(ctx context.Context, claimed []Message) error {
	if len(claimed) == 0 {
		return nil
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.nowMillis()
		for _, m := range claimed {
			if _, err := s.exec(ctx, tx, `UPDATE outbox SET next_attempt_at = ? WHERE id = ? AND status = 'queued' AND next_attempt_at = ?`,
				now, m.ID, m.NextAttemptAt.UnixMilli()); err != nil {
				return fmt.Errorf("store: release messages: %w", err)
			}
		}
		return nil
	})
}

// MessageSent records a delivery. The links in a sent message are scrubbed:
// they carry single-use tokens that must not outlive their delivery in the
// database.
func (s *Store) MessageSent(ctx context.Context, id int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var text, html string
		if err := tx.QueryRowContext(ctx, `SELECT text_body, html_body FROM outbox WHERE id = ?`, id).Scan(&text, &html); err != nil {
			return fmt.Errorf("store: message sent: %w", err)
		}
		now := s.nowMillis()
		_, err := s.exec(ctx, tx, `UPDATE outbox SET status = 'sent', attempts = attempts + 1, last_error = '',
			sent_at = ?, text_body = ?, html_body = ? WHERE id = ?`, now, scrubTokens(text), scrubTokens(html), id)
		if err != nil {
			return fmt.Errorf("store: message sent: %w", err)
		}
		return nil
	})
}

// scrubTokens replaces the token of every link in body.
func scrubTokens(body string) string {
	var b strings.Builder
	for {
		i := strings.Index(body, "token=")
		if i < 0 {
			b.WriteString(body)
			return b.String()
		}
		b.WriteString(body[:i+len("token=")])
		b.WriteString("[removed-after-sending]")
		body = body[i+len("token="):]
		j := strings.IndexFunc(body, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
		})
		if j < 0 {
			return b.String()
		}
		body = body[j:]
	}
}

// MessageFailed records a failed attempt: the message is tried again after
// a backoff that doubles each time (30 s, 1 min, 2 min, …), and is failed
// for good after MaxAttempts.
func (s *Store) MessageFailed(ctx context.Context, id int64, cause error) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var attempts int
		if err := tx.QueryRowContext(ctx, `SELECT attempts FROM outbox WHERE id = ?`, id).Scan(&attempts); err != nil {
			return fmt.Errorf("store: message failed: %w", err)
		}
		attempts++
		status := MessageQueued
		if attempts >= MaxAttempts {
			status = MessageFailed
		}
		next := s.now().Add(Backoff(attempts)).UnixMilli()
		msg := cause.Error()
		if len(msg) > 500 {
			msg = msg[:500]
		}
		_, err := s.exec(ctx, tx, `UPDATE outbox SET status = ?, attempts = ?, last_error = ?, next_attempt_at = ? WHERE id = ?`,
			status, attempts, msg, next, id)
		if err != nil {
			return fmt.Errorf("store: message failed: %w", err)
		}
		return nil
	})
}

// Backoff is how long the sender waits after the n-th failed attempt.
func Backoff(n int) time.Duration {
	return 30 * time.Second << min(n-1, 10)
}

// ListMessages returns a tenant's outbox, newest first.
func (s *Store) ListMessages(ctx context.Context, tenant int64, status string, p Page) (List[Message], error) {
	where, args := "tenant_id = ?", []any{tenant}
	switch status {
	case "":
	case MessageQueued, MessageSent, MessageFailed:
		where, args = where+" AND status = ?", append(args, status)
	default:
		return List[Message]{}, FieldErrors{"status": "Status must be queued, sent or failed."}
	}
	out := List[Message]{Items: []Message{}}
	var err error
	if out.Total, out.TotalCapped, err = s.count(ctx, `SELECT 1 FROM outbox WHERE `+where, args); err != nil {
		return out, fmt.Errorf("store: list messages: %w", err)
	}
	q := `SELECT ` + messageColumns + ` FROM outbox WHERE ` + where
	if p.Cursor != "" {
		id, err := decodeIDCursor(p.Cursor)
		if err != nil {
			return out, err
		}
		q, args = q+" AND id < ?", append(args, id)
	}
	limit := p.limit()
	q += " ORDER BY id DESC LIMIT ? OFFSET ?"
	off := 0
	if p.Cursor == "" {
		off = p.offset()
	}
	rows, err := s.rd.QueryContext(ctx, q, append(args, limit+1, off)...)
	if err != nil {
		return out, fmt.Errorf("store: list messages: %w", err)
	}
	if out.Items, err = collect(rows, scanMessage); err != nil {
		return out, err
	}
	if len(out.Items) > limit {
		out.Items = out.Items[:limit]
		out.Next = encodeIDCursor(out.Items[limit-1].ID)
	}
	return out, nil
}

// ResendMessage queues a tenant's failed (or sent) message again, due now.
// A sent message's links were scrubbed, so only failed and queued messages
// can be resent.
func (s *Store) ResendMessage(ctx context.Context, tenant, id int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM outbox WHERE tenant_id = ? AND id = ?`, tenant, id).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: message %d: %w", id, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("store: resend: %w", err)
		}
		if status == MessageSent {
			return FieldErrors{"id": "This message was sent; its link is no longer stored. Send a new one from the user's page."}
		}
		if _, err := s.exec(ctx, tx, `UPDATE outbox SET status = 'queued', attempts = 0, next_attempt_at = ? WHERE id = ?`,
			s.nowMillis(), id); err != nil {
			return fmt.Errorf("store: resend: %w", err)
		}
		return s.audit(ctx, tx, tenant, "message.resend", "message", PublicID(PrefixMessage, id), nil)
	})
}
