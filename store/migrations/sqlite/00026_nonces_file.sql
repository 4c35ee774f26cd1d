-- +goose Up
-- Nonces move to a file of their own beside the database (the store
-- creates it): written by every signed request, here they emptied every
-- reader's page cache at each one.
DROP TABLE request_nonces;

-- +goose Down
CREATE TABLE request_nonces (
    access_key_id INTEGER NOT NULL REFERENCES access_keys(id) ON DELETE CASCADE,
    nonce_hash    BLOB NOT NULL,
    expires_at    INTEGER NOT NULL, -- unix milliseconds
    PRIMARY KEY (access_key_id, nonce_hash)
) STRICT, WITHOUT ROWID;
CREATE INDEX request_nonces_expiry ON request_nonces(expires_at);
