package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"roster/store/userfile"
)

// planUpdate works out what a row matched to an existing user changes:
// nothing (unchanged), its fields, groups and properties (update), or
// why it cannot (error). The row's columns alone are changed.
func (im *importer) planUpdate(ctx context.Context, p *rowPlan, groups []Group) error {
	old, r := *p.old, p.rec.Record
	row := r.User
	if (old.SourceType != im.srcTyp || old.SourceID != im.imp.Source) && (old.SourceType != "built_in" || old.SourceID != "") {
		p.fail("", fmt.Sprintf("User %s comes from another source (%s %s); an import updates the users of its own source and built-in ones.",
			old.Username, old.SourceType, old.SourceID))
		return nil
	}
	upd := UserUpdate{SourceType: &im.srcTyp, SourceID: &im.imp.Source}
	text := func(col string, dst **string, v string) {
		if r.Has(col) {
			*dst = &v
		}
	}
	text(userfile.ColUsername, &upd.Username, row.Username)
	text(userfile.ColExternalID, &upd.ExternalID, row.ExternalID)
	text(userfile.ColEmail, &upd.Email, row.Email)
	text(userfile.ColDisplayName, &upd.DisplayName, row.DisplayName)
	text(userfile.ColDescription, &upd.Description, row.Description)
	text(userfile.ColPhoneRegion, &upd.PhoneRegion, row.PhoneRegion)
	text(userfile.ColPhoneNumber, &upd.PhoneNumber, row.PhoneNumber)
	text(userfile.ColUserType, &upd.UserType, row.UserType)
	text(userfile.ColLanguage, &upd.Language, row.Language)
	text(userfile.ColTimezone, &upd.Timezone, row.Timezone)
	if r.Has(userfile.ColEmailVerified) {
		upd.EmailVerified = &row.EmailVerified
	}
	if r.Has(userfile.ColPhoneVerified) {
		upd.PhoneVerified = &row.PhoneVerified
	}
	if r.Has(userfile.ColAccountExpiresAt) {
		upd.AccountExpiresAt = &row.AccountExpiresAt
	}
	if r.Has(userfile.ColAutoLockAt) {
		upd.LockAt = &row.AutoLockAt
	}
	if r.Has(userfile.ColRequiredActions) {
		acts := append([]string{}, row.RequiredActions...)
		upd.RequiredActions = &acts
	}
	tags := maps.Clone(old.Tags)
	tagged := false
	for col := range r.Columns {
		if k, ok := strings.CutPrefix(col, userfile.TagPrefix); ok {
			tagged = true
			if v, ok := row.Tags[k]; ok {
				tags[k] = v
			} else {
				delete(tags, k)
			}
		}
	}
	if tagged {
		upd.Tags = &tags
	}
	if r.Has(userfile.ColOrgUnit) {
		id, missing, msg, err := im.unit(ctx, row.OrgUnit)
		switch {
		case err != nil:
			return err
		case msg != "":
			p.fail(userfile.ColOrgUnit, msg)
		case missing:
			p.unit = row.OrgUnit
		default:
			upd.OrgUnitID = &id
		}
	}
	u := old
	upd.apply(&u)
	if r.Has(userfile.ColStatus) {
		u.Status = strings.TrimSpace(row.Status)
	}
	u.normalize()
	fe := u.validate()
	if timeText(u.LockAt) != timeText(old.LockAt) {
		if msg := checkLockAt(u.LockAt, im.s.now()); msg != "" {
			fe["auto_lock_at"] = msg
		}
	}
	p.failFields(fe)
	if len(fe) == 0 {
		if err := im.checkTaken(ctx, p, old, u); err != nil {
			return err
		}
	}
	if r.Has(userfile.ColGroups) {
		im.planGroups(p, groups)
	}
	im.planProperties(p)
	if len(p.errs) > 0 {
		return nil
	}
	p.user = u
	p.action = ImportUnchanged
	if len(userChanges(old, u)) > 0 || p.unit != nil || len(p.addGroups)+len(p.dropGroups)+len(p.setProps)+len(p.clearProps) > 0 {
		p.action = ImportUpdate
	}
	return nil
}

// checkTaken refuses a new username or external id another user holds,
// before anything is written: on PostgreSQL a refused statement would end
// the whole chunk's transaction.
func (im *importer) checkTaken(ctx context.Context, p *rowPlan, old, u User) error {
	var one int
	if u.Username != old.Username {
		err := im.tx.QueryRowContext(ctx, `SELECT 1 FROM users WHERE tenant_id = ? AND username = ? AND id <> ?`, u.TenantID, u.Username, u.ID).Scan(&one)
		if err == nil {
			p.fail(userfile.ColUsername, "A user with this username already exists.")
		} else if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: check username: %w", err)
		}
	}
	if u.ExternalID != "" && (u.ExternalID != old.ExternalID || u.SourceType != old.SourceType || u.SourceID != old.SourceID) {
		err := im.tx.QueryRowContext(ctx, `SELECT 1 FROM users WHERE tenant_id = ? AND source_type = ? AND source_id = ? AND external_id = ? AND id <> ?`,
			u.TenantID, u.SourceType, u.SourceID, u.ExternalID, u.ID).Scan(&one)
		if err == nil {
			p.fail(userfile.ColExternalID, "This external id is already used by another user of the same source.")
		} else if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: check external id: %w", err)
		}
	}
	return nil
}

// groupIDsOf resolves a row's group names, failing the row for each
// unknown one.
func (im *importer) groupIDsOf(p *rowPlan) []int64 {
	var ids []int64
	for _, name := range p.rec.Record.User.Groups {
		id, ok := im.groups[strings.TrimSpace(name)]
		if !ok {
			p.fail(userfile.ColGroups, fmt.Sprintf("There is no group named %q.", name))
			continue
		}
		ids = append(ids, id)
	}
	return slices.Compact(slices.Sorted(slices.Values(ids)))
}

func (im *importer) planGroups(p *rowPlan, current []Group) {
	want := im.groupIDsOf(p)
	have := make([]int64, len(current))
	for i, g := range current {
		have[i] = g.ID
	}
	for _, id := range want {
		if !slices.Contains(have, id) {
			p.addGroups = append(p.addGroups, id)
		}
	}
	for _, id := range have {
		if !slices.Contains(want, id) {
			p.dropGroups = append(p.dropGroups, id)
		}
	}
}

// rowProperties returns a row's property values by key for the columns it
// has (no values for an empty cell), failing the row for unknown keys.
func (im *importer) rowProperties(p *rowPlan) map[string][]string {
	out := map[string][]string{}
	for _, col := range slices.Sorted(maps.Keys(p.rec.Record.Columns)) {
		key, ok := strings.CutPrefix(col, userfile.PropertyPrefix)
		if !ok {
			continue
		}
		if _, ok := im.props[key]; !ok {
			p.fail(col, "There is no custom property with this key.")
			continue
		}
		var vs []string
		for _, v := range p.rec.Record.User.Properties[key] {
			if strings.TrimSpace(v) != "" {
				vs = append(vs, v)
			}
		}
		out[key] = vs
	}
	return out
}

func (im *importer) planProperties(p *rowPlan) {
	for key, vs := range im.rowProperties(p) {
		prop, col := im.props[key], userfile.PropertyPrefix+key
		var have []string
		if v, ok := p.old.Properties[key]; ok {
			have = slices.Sorted(slices.Values(v.Values))
		}
		if len(vs) == 0 {
			switch {
			case len(have) == 0:
			case prop.Required:
				p.fail(col, fmt.Sprintf("%s is required; give it a value.", prop.Label()))
			default:
				p.clearProps = append(p.clearProps, key)
			}
			continue
		}
		opts, text, msg := canonical(prop, vs)
		if msg != "" {
			p.fail(col, msg)
			continue
		}
		want := []string{text}
		if prop.IsSelect() {
			want = want[:0]
			for _, o := range prop.Options {
				if slices.Contains(opts, o.ID) {
					want = append(want, o.Value)
				}
			}
			slices.Sort(want)
		}
		if !slices.Equal(want, have) {
			if p.setProps == nil {
				p.setProps = map[string][]string{}
			}
			p.setProps[key] = vs
		}
	}
	slices.Sort(p.clearProps)
}

// planCreate works out the user a row matched to no user creates. Rules
// that need the new users together (the store's validation of a batch)
// are checked by checkCreates.
func (im *importer) planCreate(ctx context.Context, p *rowPlan) error {
	r := p.rec.Record
	row := r.User
	n := NewUser{Username: row.Username, DisplayName: row.DisplayName, Description: row.Description, Email: row.Email,
		EmailVerified: row.EmailVerified, PhoneRegion: row.PhoneRegion, PhoneNumber: row.PhoneNumber,
		Status: strings.TrimSpace(row.Status), AccountExpiresAt: row.AccountExpiresAt, LockAt: row.AutoLockAt,
		RequiredActions: row.RequiredActions, UserType: strings.TrimSpace(row.UserType), ExternalID: row.ExternalID,
		Language: row.Language, Timezone: row.Timezone, Tags: row.Tags}
	if im.imp.Source != "" {
		n.SourceType, n.SourceID = SourceImport, im.imp.Source
	}
	if len(row.OrgUnit) > 0 {
		id, missing, msg, err := im.unit(ctx, row.OrgUnit)
		switch {
		case err != nil:
			return err
		case msg != "":
			p.fail(userfile.ColOrgUnit, msg)
		case missing:
			p.unit = row.OrgUnit
		default:
			n.OrgUnitID = id
		}
	}
	n.Groups = im.groupIDsOf(p)
	if props := im.rowProperties(p); len(props) > 0 {
		n.Properties = props
	}
	if len(p.errs) == 0 {
		p.action, p.newUser = ImportCreate, n
	}
	return nil
}

// checkCreates validates a chunk's new users as the store's batch
// creation does, so that a dry run refuses what a real run would.
func (im *importer) checkCreates(ctx context.Context, plans []rowPlan, news int) error {
	if news == 0 {
		return nil
	}
	items := make([]NewUser, 0, news)
	for i := range plans {
		if plans[i].create >= 0 {
			items = append(items, plans[i].newUser)
		}
	}
	b, err := im.s.prepareNewUsers(ctx, im.imp.TenantID, items)
	if err != nil {
		return err
	}
	im.batch = b
	for i := range plans {
		if c := plans[i].create; c >= 0 && b.out[c].err != nil {
			plans[i].failErr(b.out[c].err)
		}
	}
	return nil
}

// failErr fails a row for a store error about it.
func (p *rowPlan) failErr(err error) {
	var fe FieldErrors
	switch {
	case errors.As(err, &fe):
		p.failFields(fe)
	case errors.Is(err, ErrNotFound):
		p.fail("", "What the row names no longer exists.")
	default:
		p.fail("", "Could not be applied.")
	}
}

// createdBefore are the rows of an import's earlier chunks that create a
// user (in a dry run, would), by the user's import_created name.
type createdBefore map[string]int

// earlierCreates finds the rows of the import's earlier chunks that create
// a user with one of keys (ImportKeys) that the file may repeat. Chunks
// are applied one after another (or side by side only when they name no
// user in common), so a row naming a user an earlier chunk created would
// otherwise update it in a real run, and create it again in a dry run,
// which creates nothing.
func (im *importer) earlierCreates(ctx context.Context, all []string) (createdBefore, error) {
	c := createdBefore{}
	var keys []string
	for _, k := range all {
		if im.imp.Repeated.Maybe(k) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return c, nil
	}
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k
	}
	q := `SELECT name, row_no FROM import_created WHERE import_id = ? AND name IN (` +
		strings.TrimSuffix(strings.Repeat("?,", len(keys)), ",") + `)`
	args = append([]any{im.imp.ID}, args...)
	if im.s.pg {
		// One lookup a name, as idsBy does: statistics taken before the
		// import would plan a read of every name recorded so far.
		q = `SELECT v.name, r.row_no FROM unnest(?::text[]) AS v(name) CROSS JOIN LATERAL (SELECT row_no FROM import_created
			WHERE import_id = ? AND name = v.name LIMIT 1) r`
		args = []any{keys, im.imp.ID}
	}
	rows, err := im.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return c, fmt.Errorf("store: import rows created before: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var row int
		if err := rows.Scan(&name, &row); err != nil {
			return c, fmt.Errorf("store: import rows created before: %w", err)
		}
		c[name] = row
	}
	return c, rows.Err()
}

// fail fails p, as a second row with a new user's username or external id
// fails within one chunk, when an earlier chunk's row creates that user;
// it reports whether it did.
func (c createdBefore) fail(p *rowPlan) bool {
	u := p.rec.Record.User
	if first, ok := c[createdName("u", strings.ToLower(strings.TrimSpace(u.Username)))]; ok {
		p.fail(userfile.ColUsername, fmt.Sprintf("Row %d of the file has this username too.", first))
		return true
	}
	ext := strings.TrimSpace(u.ExternalID)
	if first, ok := c[createdName("e", ext)]; ok && ext != "" && p.rec.Record.Has(userfile.ColExternalID) {
		p.fail(userfile.ColExternalID, fmt.Sprintf("Row %d of the file has this external id too.", first))
		return true
	}
	return false
}
