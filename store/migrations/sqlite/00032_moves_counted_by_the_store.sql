-- +goose Up
-- Users who change org unit are counted by the store, once per statement
-- (countUnitMoves), as new users are since migration 00027: per row, this
-- trigger updated every unit above the old unit and every unit above the
-- new one for each user, the root and the other shared ancestors twice
-- for nothing (a quarter of moving 500 users between two units under the
-- root). The store's writers of org_unit_id (a user's update, a batch
-- move, a unit's removal moving its users to the parent) add the units'
-- differences, summed per unit, each unit written once.
DROP TRIGGER users_org_au;

-- Changes of status and of source type are still counted a row at a
-- time, but each by its own trigger updating its two counters by key:
-- the one trigger for both matched its rows with an OR over the tenant's
-- counters and rewrote the source type's counter when only the status
-- changed: a fifth of enabling or disabling a batch of 500 users.
DROP TRIGGER users_au_counts;
-- +goose StatementBegin
CREATE TRIGGER users_au_status AFTER UPDATE OF status ON users WHEN old.status IS NOT new.status BEGIN
    UPDATE user_counts SET n = n - 1 WHERE tenant_id = old.tenant_id AND dim = 'status' AND key = old.status;
    INSERT INTO user_counts (tenant_id, dim, key, n) VALUES (new.tenant_id, 'status', new.status, 1)
    ON CONFLICT (tenant_id, dim, key) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER users_au_source AFTER UPDATE OF source_type ON users WHEN old.source_type IS NOT new.source_type BEGIN
    UPDATE user_counts SET n = n - 1 WHERE tenant_id = old.tenant_id AND dim = 'source_type' AND key = old.source_type;
    INSERT INTO user_counts (tenant_id, dim, key, n) VALUES (new.tenant_id, 'source_type', new.source_type, 1)
    ON CONFLICT (tenant_id, dim, key) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER users_au_source;
DROP TRIGGER users_au_status;
-- +goose StatementBegin
CREATE TRIGGER users_au_counts AFTER UPDATE OF status, source_type ON users
WHEN old.status IS NOT new.status OR old.source_type IS NOT new.source_type BEGIN
    UPDATE user_counts SET n = n - 1 WHERE tenant_id = old.tenant_id AND (
        (dim = 'status' AND key = old.status) OR (dim = 'source_type' AND key = old.source_type));
    INSERT INTO user_counts (tenant_id, dim, key, n) VALUES
        (new.tenant_id, 'status', new.status, 1),
        (new.tenant_id, 'source_type', new.source_type, 1)
    ON CONFLICT (tenant_id, dim, key) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER users_org_au AFTER UPDATE OF org_unit_id ON users
WHEN old.org_unit_id IS NOT new.org_unit_id BEGIN
    UPDATE org_units SET subtree_user_count = subtree_user_count - 1,
        user_count = user_count - (id = old.org_unit_id)
    WHERE id IN (SELECT ancestor FROM org_closure WHERE descendant = old.org_unit_id);
    UPDATE org_units SET subtree_user_count = subtree_user_count + 1,
        user_count = user_count + (id = new.org_unit_id)
    WHERE id IN (SELECT ancestor FROM org_closure WHERE descendant = new.org_unit_id);
END;
-- +goose StatementEnd
