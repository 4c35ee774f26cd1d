package store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// ServerKeySize is the size of the server key a Sealer takes: AES-256.
const ServerKeySize = 32

// Sealer encrypts the secrets the store must read back: an AccessKey's
// secret cannot be stored as a hash, since checking a request's HMAC
// signature needs the secret itself. The server key is kept outside the
// database, so the database alone (a backup, a dump, a copy) holds no
// usable secret.
type Sealer struct {
	aead        cipher.AEAD
	fingerprint []byte
}

// NewSealer returns a Sealer under key, ServerKeySize random bytes.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != ServerKeySize {
		return nil, fmt.Errorf("store: the server key is %d bytes, want %d", len(key), ServerKeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(append([]byte("roster server key\x00"), key...))
	return &Sealer{aead: aead, fingerprint: sum[:8]}, nil
}

// ErrWrongServerKey is opening a secret sealed under another server key.
var ErrWrongServerKey = errors.New("sealed under another server key (start Roster with the key the secret was created under)")

// seal encrypts plain, bound to what it belongs to (aad): a sealed secret
// moved to another row does not open there.
func (s *Sealer) seal(plain []byte, aad string) []byte {
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails on supported platforms
	return s.aead.Seal(nonce, nonce, plain, []byte(aad))
}

// open decrypts what seal returned for the same aad. fingerprint is the
// one stored with the secret: a mismatch names the cause.
func (s *Sealer) open(sealed, fingerprint []byte, aad string) ([]byte, error) {
	if string(fingerprint) != string(s.fingerprint) {
		return nil, ErrWrongServerKey
	}
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("store: sealed secret too short")
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(aad))
	if err != nil {
		return nil, fmt.Errorf("store: open sealed secret: %w", err)
	}
	return plain, nil
}
