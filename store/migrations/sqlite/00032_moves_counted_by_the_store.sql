-- +goose Up
-- Users who change org unit are counted by the store, once per statement
-- (countUnitMoves), as new users are since migration 00027: per row, this
-- trigger updated every unit above the old unit and every unit above the
-- new one for each user, the root and the other shared ancestors twice
-- for nothing, and was most of a batch move's time. The store's writers
-- of org_unit_id (a user's update, a batch move, a unit's removal moving
-- its users to the parent) add the units' differences, summed per unit.
DROP TRIGGER users_org_au;

-- +goose Down
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
