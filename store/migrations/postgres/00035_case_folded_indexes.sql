-- +goose Up
-- Display names and emails sort and compare without case (citext). An
-- index of the citext values themselves lower-cases both sides of every
-- comparison as it descends, through the database locale's wide
-- characters: with three such indexes, a third of the CPU an INSERT into
-- users took. These indexes hold the lower-cased value once, compared
-- byte by byte. ci(x) orders exactly as citext does (lower case in the
-- database's locale, then the bytes), so queries sorting or comparing
-- through it keep citext's answers; the store writes ci(column) and
-- ci(value) wherever an index should serve.
-- +goose StatementBegin
CREATE FUNCTION ci(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT lower($1 COLLATE "default") COLLATE "C" $$;
-- +goose StatementEnd
CREATE INDEX users_display_name_ci ON users (tenant_id, ci(display_name), id);
CREATE INDEX users_email_ci ON users (tenant_id, ci(email), id);
CREATE INDEX users_user_type_ci ON users (tenant_id, user_type, ci(display_name));
DROP INDEX users_display_name;
DROP INDEX users_email;
DROP INDEX users_user_type;
ALTER INDEX users_display_name_ci RENAME TO users_display_name;
ALTER INDEX users_email_ci RENAME TO users_email;
ALTER INDEX users_user_type_ci RENAME TO users_user_type;
-- The planner keeps statistics of an index's expressions only from the
-- next ANALYZE, which autovacuum runs after a tenth of the rows changed.
ANALYZE users;

-- +goose Down
DROP INDEX users_display_name;
DROP INDEX users_email;
DROP INDEX users_user_type;
CREATE INDEX users_display_name ON users (tenant_id, display_name, id);
CREATE INDEX users_email ON users (tenant_id, email, id);
CREATE INDEX users_user_type ON users (tenant_id, user_type, display_name);
DROP FUNCTION ci(text);
