-- +goose Up
-- One-time authorization codes: an administrator creates one in the
-- console and hands it to a client of eds-user, which trades it once,
-- within minutes, for the administrator's identity
-- (GetManagerInfoByAuthCode). Only the code's SHA-256 is kept, as for API
-- keys; a code is deleted as it is used.
CREATE TABLE auth_codes (
    code_hash  bytea PRIMARY KEY,
    tenant_id  bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    admin_id   bigint NOT NULL REFERENCES administrators(id) ON DELETE CASCADE,
    created_at bigint NOT NULL, -- unix milliseconds
    expires_at bigint NOT NULL  -- unix milliseconds
);
CREATE INDEX auth_codes_expiry ON auth_codes (expires_at);
CREATE INDEX auth_codes_admin ON auth_codes (admin_id);

-- +goose Down
DROP TABLE auth_codes;
