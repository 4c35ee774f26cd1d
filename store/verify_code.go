package store

import (
	"context"
	"fmt"
)

// VerificationCodeWaiting says whether the user has a verification code
// that ConfirmEmailCode would still take: that of their latest
// unused verification email, unexpired and not worn out by wrong tries.
// The account page asks for a code only then, and otherwise offers to send
// one.
func (s *Store) VerificationCodeWaiting(ctx context.Context, tenant, user int64) (bool, error) {
	var waiting bool
	err := s.rd.QueryRowContext(ctx, `SELECT coalesce((
		SELECT code_hash IS NOT NULL AND expires_at > ? AND code_tries < ?
		FROM user_tokens WHERE tenant_id = ? AND user_id = ? AND kind = 'verify' AND used_at IS NULL
		ORDER BY id DESC LIMIT 1), 1 = 0)`, s.nowMillis(), maxCodeTries, tenant, user).Scan(&waiting)
	if err != nil {
		return false, fmt.Errorf("store: verification code waiting: %w", err)
	}
	return waiting, nil
}
