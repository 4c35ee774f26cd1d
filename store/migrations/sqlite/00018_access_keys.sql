-- +goose Up
-- AccessKey pairs: the credentials of Alibaba Cloud's RPC protocols
-- (eds-user, EIAM), which sign every request with HMAC. The server needs
-- the secret itself to check a signature, so it is kept encrypted under a
-- server key that is not in the database (store/secretbox.go), with that
-- key's fingerprint to name a mismatch.
CREATE TABLE access_keys (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    access_key_id   TEXT NOT NULL UNIQUE,
    secret_sealed   BLOB NOT NULL,
    key_fingerprint BLOB NOT NULL,
    name            TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
    created_by      INTEGER REFERENCES administrators(id) ON DELETE SET NULL,
    created_at      INTEGER NOT NULL,
    last_used_at    INTEGER,
    revoked_at      INTEGER
) STRICT;
CREATE INDEX access_keys_tenant ON access_keys(tenant_id, id);

-- The nonces of signed requests, each kept until its request's timestamp
-- leaves the window in which a signature is accepted: a replayed request
-- is refused by whichever process sees it. Stored as SHA-256, as a nonce
-- is any client-chosen string.
CREATE TABLE request_nonces (
    access_key_id INTEGER NOT NULL REFERENCES access_keys(id) ON DELETE CASCADE,
    nonce_hash    BLOB NOT NULL,
    expires_at    INTEGER NOT NULL, -- unix milliseconds
    PRIMARY KEY (access_key_id, nonce_hash)
) STRICT, WITHOUT ROWID;
CREATE INDEX request_nonces_expiry ON request_nonces(expires_at);

-- +goose Down
DROP TABLE request_nonces;
DROP TABLE access_keys;
