// Package mailsink is an SMTP server for tests: it keeps every message it
// receives in memory, and can refuse messages or stop and start again, so
// tests read what Roster sent and see it retry.
package mailsink

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one received email, decoded.
type Message struct {
	To      []string
	Subject string
	Text    string // the text/plain part
	HTML    string // the text/html part
}

// Sink is a running SMTP server on 127.0.0.1.
type Sink struct {
	Addr string

	mu     sync.Mutex
	msgs   []Message
	refuse int // refuse this many messages next
	srv    *smtp.Server
	ch     chan struct{}
}

// Start runs a sink on a free port of 127.0.0.1.
func Start() (*Sink, error) {
	s := &Sink{ch: make(chan struct{}, 100)}
	return s, s.listen("127.0.0.1:0")
}

func (s *Sink) listen(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.Addr = l.Addr().String()
	srv := smtp.NewServer(backend{s})
	srv.Domain = "sink.test"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
	go srv.Serve(l)
	return nil
}

// Stop closes the server: connections are refused until Restart.
func (s *Sink) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.srv.Close()
}

// Restart listens again on the same address.
func (s *Sink) Restart() error { return s.listen(s.Addr) }

// RefuseNext makes the server refuse the next n messages with a temporary
// error.
func (s *Sink) RefuseNext(n int) {
	s.mu.Lock()
	s.refuse = n
	s.mu.Unlock()
}

// Messages returns what was received so far.
func (s *Sink) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Wait returns the first message to an address whose subject contains
// subject, waiting up to d for it to arrive.
func (s *Sink) Wait(to, subject string, d time.Duration) (Message, error) {
	deadline := time.After(d)
	for {
		for _, m := range s.Messages() {
			for _, t := range m.To {
				if strings.EqualFold(t, to) && strings.Contains(m.Subject, subject) {
					return m, nil
				}
			}
		}
		select {
		case <-s.ch:
		case <-deadline:
			return Message{}, errors.New("mailsink: no message to " + to + " about " + subject)
		}
	}
}

type backend struct{ s *Sink }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s  *Sink
	to []string
}

func (x *session) Mail(string, *smtp.MailOptions) error { return nil }
func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = append(x.to, to)
	return nil
}
func (x *session) Reset()        { x.to = nil }
func (x *session) Logout() error { return nil }

func (x *session) Data(r io.Reader) error {
	x.s.mu.Lock()
	refuse := x.s.refuse > 0
	if refuse {
		x.s.refuse--
	}
	x.s.mu.Unlock()
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if refuse {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	m, err := decode(raw)
	if err != nil {
		return err
	}
	m.To = x.to
	x.s.mu.Lock()
	x.s.msgs = append(x.s.msgs, m)
	x.s.mu.Unlock()
	select {
	case x.s.ch <- struct{}{}:
	default:
	}
	return nil
}

// decode reads the subject and the text and HTML parts of a message.
func decode(raw []byte) (Message, error) {
	msg, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		return Message{}, err
	}
	var m Message
	dec := new(mime.WordDecoder)
	if m.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return Message{}, err
	}
	err = parts(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, &m)
	return m, err
}

func parts(ctype, encoding string, body io.Reader, m *Message) error {
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		return err
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := parts(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, m); err != nil {
				return err
			}
		}
	}
	text, err := decodeBody(encoding, body)
	if err != nil {
		return err
	}
	switch mt {
	case "text/plain":
		m.Text = text
	case "text/html":
		m.HTML = text
	}
	return nil
}
