package store

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// BulkUser is a user row as BulkLoad writes it. Its fields are written as
// given: callers check them first (CheckUsername, CheckEmail, …), because
// the checks cost more than writing the row. Empty fields take NewUser's
// defaults.
type BulkUser struct {
	Username    string
	DisplayName string
	Email       string
	Status      string     // StatusEnabled, StatusDisabled or StatusPending
	LockedAt    *time.Time // when set, locked by an administrator (LockAdmin) since then
	SourceType  string
	Language    string
	OrgUnitID   int64     // 0 is the root
	CreatedAt   time.Time // also its last update; zero is the load's time
}

// Loader adds rows to a tenant inside BulkLoad; it is valid only until the
// fill function returns. The units, groups and properties it adds and the
// ones the tenant has can be used alike; memberships and property values
// are only for users added by the same load.
type Loader struct {
	s      *Store
	ctx    context.Context
	tx     *sql.Tx // only through txn
	copier *copier // on PostgreSQL, what copies the rows through tx's connection
	tenant int64
	lang   string // the tenant's default language
	root   int64
	now    int64

	firstUser int64      // the id of the first user added; the next ones follow
	names     [][]string // usernames of the users added, by id - firstUser, in blocks of nameBlock
	copies    [][]byte   // their copies of their property values, by id - firstUser

	units   map[int64]bool   // the tenant's units seen so far
	groups  map[int64]bool   // the tenant's groups seen so far
	props   map[int64]string // the tenant's properties seen so far, by id: their type
	options map[int64]int64  // their options: the property of each

	users, members, values rowWriter
	added                  struct{ users, units, groups, members, props, values int }
}

// nameBlock is how many usernames a block of Loader.names holds: one slice
// growing with the users was copied at each growth, about 6 % of a user's time.
const nameBlock = 1 << 16

// txn returns the load's transaction for a statement. On PostgreSQL that
// waits for the COPYs sent before (see copier): the driver keeps the
// connection to a statement until its rows are read, which database/sql's
// lock does not cover, so no statement may run beside a COPY.
func (l *Loader) txn() (*sql.Tx, error) {
	if l.copier != nil {
		if err := l.copier.wait(); err != nil {
			return nil, fmt.Errorf("store: bulk load: %w", err)
		}
	}
	return l.tx, nil
}

// Now is the load's time: when the units, groups and properties it adds
// were created, and users without a creation time.
func (l *Loader) Now() time.Time { return fromMillis(l.now) }

// AddOrgUnit adds a unit under n.ParentID (the root when 0) and returns
// its id.
func (l *Loader) AddOrgUnit(n NewOrgUnit) (int64, error) {
	n.Name, n.Description = strings.TrimSpace(n.Name), strings.TrimSpace(n.Description)
	if fe := checkNamed(n.Name, n.Description); len(fe) > 0 {
		return 0, fe
	}
	parent := n.ParentID
	if parent == 0 {
		parent = l.root
	} else if err := l.knownUnit(parent); err != nil {
		return 0, err
	}
	tx, err := l.txn()
	if err != nil {
		return 0, err
	}
	var id int64
	err = l.s.in(tx).QueryRowContext(l.ctx, sqlInsertOrgUnit, l.tenant, parent, n.Name, n.Description, l.now, l.now).Scan(&id)
	if isUniqueViolation(err) {
		return 0, conflict("name", siblingTaken)
	}
	if err != nil {
		return 0, fmt.Errorf("store: bulk load: org unit: %w", err)
	}
	if _, err := l.s.exec(l.ctx, tx, sqlLinkOrgUnit, id, parent); err != nil {
		return 0, fmt.Errorf("store: bulk load: org unit: %w", err)
	}
	l.units[id] = true
	l.added.units++
	return id, nil
}

// knownUnit checks that id is a unit of the load's tenant.
func (l *Loader) knownUnit(id int64) error {
	if l.units[id] {
		return nil
	}
	tx, err := l.txn()
	if err != nil {
		return err
	}
	var one int
	err = l.s.in(tx).QueryRowContext(l.ctx, sqlOrgUnitExists, l.tenant, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: bulk load: org unit %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("store: bulk load: org unit: %w", err)
	}
	l.units[id] = true
	return nil
}

// AddUser adds a user and returns its id. The row is written with the
// next ones, many to a statement.
func (l *Loader) AddUser(u BulkUser) (int64, error) {
	if u.OrgUnitID == 0 {
		u.OrgUnitID = l.root
	} else if err := l.knownUnit(u.OrgUnitID); err != nil {
		return 0, err
	}
	if u.SourceType == "" {
		u.SourceType = "built_in"
	}
	if u.Language == "" {
		u.Language = l.lang
	}
	switch u.Status {
	case StatusEnabled, StatusDisabled, StatusPending:
	case "":
		// As NewUser: without a password, enabled only from another source.
		u.Status = StatusPending
		if u.SourceType != "built_in" {
			u.Status = StatusEnabled
		}
	default:
		return 0, FieldErrors{"status": "Status must be enabled, disabled or pending."}
	}
	created := l.now
	if !u.CreatedAt.IsZero() {
		created = u.CreatedAt.UnixMilli()
	}
	var locked sql.NullInt64
	var reason sql.NullString
	if u.LockedAt != nil {
		locked, reason = sql.NullInt64{Int64: u.LockedAt.UnixMilli(), Valid: true}, sql.NullString{String: LockAdmin, Valid: true}
	}
	row := []any{l.tenant, u.Username, u.DisplayName, u.Email, u.Status, locked, reason,
		u.SourceType, u.Language, u.OrgUnitID, created, created}
	if l.s.pg {
		row = append([]any{l.firstUser + int64(l.added.users)}, row...)
	}
	if err := l.users.add(row...); isUniqueViolation(err) {
		return 0, uniqueUserError(err)
	} else if err != nil {
		return 0, fmt.Errorf("store: bulk load: users: %w", err)
	}
	if l.added.users%nameBlock == 0 {
		l.names = append(l.names, make([]string, 0, nameBlock))
	}
	l.names[len(l.names)-1] = append(l.names[len(l.names)-1], u.Username)
	l.added.users++
	return l.firstUser + int64(l.added.users) - 1, nil
}

// loaded returns the username of user, which must be one this load added.
func (l *Loader) loaded(user int64) (string, error) {
	if i := user - l.firstUser; i >= 0 && i < int64(l.added.users) {
		return l.names[i/nameBlock][i%nameBlock], nil
	}
	return "", fmt.Errorf("store: bulk load: user %d was not added by this load: %w", user, ErrNotFound)
}

// AddGroup adds a group and returns its id.
func (l *Loader) AddGroup(name, description string) (int64, error) {
	name, description = strings.TrimSpace(name), strings.TrimSpace(description)
	if fe := checkNamed(name, description); len(fe) > 0 {
		return 0, fe
	}
	tx, err := l.txn()
	if err != nil {
		return 0, err
	}
	var id int64
	err = l.s.in(tx).QueryRowContext(l.ctx, sqlInsertGroup, l.tenant, name, description, l.now, l.now).Scan(&id)
	if isUniqueViolation(err) {
		return 0, conflict("name", groupTaken)
	}
	if err != nil {
		return 0, fmt.Errorf("store: bulk load: group: %w", err)
	}
	l.groups[id] = true
	l.added.groups++
	return id, nil
}

// AddMember adds a user of this load to a group of the tenant. Memberships
// added in group order, then user order, load fastest (the table's order).
func (l *Loader) AddMember(group, user int64) error {
	if !l.groups[group] {
		tx, err := l.txn()
		if err != nil {
			return err
		}
		if _, err := getGroup(l.ctx, l.s.in(tx), l.tenant, group); err != nil {
			return err
		}
		l.groups[group] = true
	}
	name, err := l.loaded(user)
	if err != nil {
		return err
	}
	if err := l.members.add(group, user, l.now, name); err != nil {
		return fmt.Errorf("store: bulk load: members: %w", err)
	}
	l.added.members++
	return nil
}

// AddProperty defines a property, as CreateProperty does, and returns it
// with its options' ids.
func (l *Loader) AddProperty(n NewProperty) (Property, error) {
	if fe := l.s.checkNewProperty(&n); len(fe) > 0 {
		return Property{}, fe
	}
	tx, err := l.txn()
	if err != nil {
		return Property{}, err
	}
	p, err := l.s.insertProperty(l.ctx, tx, l.tenant, n, l.now)
	if err != nil {
		return Property{}, err
	}
	l.know(p)
	l.added.props++
	return p, nil
}

// know notes a property of the tenant and its options.
func (l *Loader) know(p Property) {
	l.props[p.ID] = p.Type
	for _, o := range p.Options {
		l.options[o.ID] = p.ID
	}
}

// AddValue gives a user of this load a value of property: for select and
// multiselect properties, option is one of its options and text is empty;
// for the others, option is 0 and text the value in canonical form ("42",
// "true", "2026-11-23"). Values added in the table's order (property,
// option, text, user) load fastest.
func (l *Loader) AddValue(user, property, option int64, text string) error {
	typ, ok := l.props[property]
	if !ok {
		tx, err := l.txn()
		if err != nil {
			return err
		}
		p, err := getProperty(l.ctx, l.s.in(tx), l.tenant, property, "")
		if err != nil {
			return err
		}
		l.know(p)
		typ = p.Type
	}
	switch {
	case typ == "select" || typ == "multiselect":
		if text != "" {
			return FieldErrors{"value": fmt.Sprintf("Property %d takes one of its options, not text.", property)}
		}
		if l.options[option] != property {
			return fmt.Errorf("store: bulk load: option %d of property %d: %w", option, property, ErrNotFound)
		}
	case option != 0:
		return FieldErrors{"value": fmt.Sprintf("Property %d takes text, not an option.", property)}
	default:
		if _, c, msg := canonical(Property{Type: typ}, []string{text}); msg != "" || c != text {
			return FieldErrors{"value": fmt.Sprintf("%q is not a %s value in canonical form.", text, typ)}
		}
	}
	name, err := l.loaded(user)
	if err != nil {
		return err
	}
	if err := l.values.add(property, option, text, user, name); err != nil {
		return fmt.Errorf("store: bulk load: property values: %w", err)
	}
	i := user - l.firstUser
	if n := int64(len(l.copies)); i >= n {
		l.copies = slices.Grow(l.copies, l.added.users-int(n))[:l.added.users]
	}
	l.copies[i] = appendPropertyValue(l.copies[i], property, option, text)
	l.added.values++
	return nil
}

// finish writes the rows still waiting and the copies of property values
// on the user rows, which the dropped triggers would have written.
func (l *Loader) finish() error {
	if l.s.pg {
		if err := l.finishPostgres(); err != nil {
			return err
		}
		return l.checkLastUser()
	}
	for _, b := range []rowWriter{l.users, l.members, l.values} {
		if err := b.flush(); err != nil {
			return fmt.Errorf("store: bulk load: %w", err)
		}
	}
	if err := l.checkLastUser(); err != nil {
		return err
	}
	tx, err := l.txn()
	if err != nil {
		return err
	}
	upd := newBulk(l.ctx, tx, `WITH v(id, pv) AS (VALUES`, `) UPDATE users SET property_values = v.pv FROM v WHERE users.id = CAST(v.id AS BIGINT)`, 2, nil)
	defer upd.close()
	err = l.eachCopy(func(user int64, c []byte) error {
		if len(c) == 0 {
			return nil
		}
		// The id as text, cast back by the statement, as when it served
		// PostgreSQL too (which types a VALUES list's columns from its rows).
		if err := upd.add(strconv.FormatInt(user, 10), string(c)); err != nil {
			return fmt.Errorf("store: bulk load: property values: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := upd.flush(); err != nil {
		return fmt.Errorf("store: bulk load: property values: %w", err)
	}
	return nil
}

// checkLastUser checks that the users added have the ids their
// memberships and values were written with.
func (l *Loader) checkLastUser() error {
	tx, err := l.txn()
	if err != nil {
		return err
	}
	var last int64
	if err := tx.QueryRowContext(l.ctx, `SELECT coalesce(max(id), 0) FROM users`).Scan(&last); err != nil {
		return fmt.Errorf("store: bulk load: %w", err)
	}
	if want := l.firstUser + int64(l.added.users) - 1; l.added.users > 0 && last != want {
		return fmt.Errorf("store: bulk load: the last user has id %d, not %d as its memberships and values say", last, want)
	}
	return nil
}

// eachCopy calls fn with each user added, in id order, and their copy of
// their property values in the triggers' order (empty without values).
func (l *Loader) eachCopy(fn func(user int64, c []byte) error) error {
	var scratch []copiedValue
	for i := range l.added.users {
		var c []byte
		if i < len(l.copies) && len(l.copies[i]) > 0 {
			var err error
			if c, scratch, err = l.inCopyOrder(l.firstUser+int64(i), l.copies[i], scratch); err != nil {
				return err
			}
		}
		if err := fn(l.firstUser+int64(i), c); err != nil {
			return err
		}
	}
	return nil
}

// copiedValue is one value of a user's copy of their property values.
type copiedValue struct {
	property, option int64
	text             []byte
}

func compareCopied(a, b copiedValue) int {
	return cmp.Or(cmp.Compare(a.property, b.property), cmp.Compare(a.option, b.option), bytes.Compare(a.text, b.text))
}

// inCopyOrder returns c, a user's values in the order they were added, in
// the order the triggers write them (property, option, text), and checks
// that only multiselect properties have more than one value. vals is
// scratch space, returned for the next call.
func (l *Loader) inCopyOrder(user int64, c []byte, vals []copiedValue) ([]byte, []copiedValue, error) {
	vals = vals[:0]
	sorted := true
	for rest := c; len(rest) > 0; {
		var v copiedValue
		var n int64
		v.property, rest = cutNumber(rest)
		v.option, rest = cutNumber(rest)
		n, rest = cutNumber(rest)
		v.text, rest = rest[:n], rest[n:]
		if len(vals) > 0 && compareCopied(vals[len(vals)-1], v) > 0 {
			sorted = false
		}
		vals = append(vals, v)
	}
	if !sorted {
		slices.SortFunc(vals, compareCopied)
		out := make([]byte, 0, len(c))
		for _, v := range vals {
			out = appendPropertyValue(out, v.property, v.option, string(v.text))
		}
		c = out
	}
	for i := 1; i < len(vals); i++ {
		if p := vals[i].property; p == vals[i-1].property && l.props[p] != "multiselect" {
			return nil, vals, FieldErrors{"value": fmt.Sprintf("User %d has more than one value of property %d, which takes one.", user, p)}
		}
	}
	return c, vals, nil
}

// cutNumber reads a decimal number ended by a comma from the front of b,
// as appendPropertyValue writes them.
func cutNumber(b []byte) (int64, []byte) {
	var n int64
	i := 0
	for ; i < len(b) && b[i] != ','; i++ {
		n = n*10 + int64(b[i]-'0')
	}
	return n, b[min(i+1, len(b)):]
}

// rowWriter writes rows of one table as they are added, many at a time:
// bulk with multi-row INSERTs, copyRows with PostgreSQL's COPY.
type rowWriter interface {
	add(vals ...any) error
	flush() error // writes the rows waiting
	close()
}

// bulk writes rows a hundred at a time with one multi-row statement:
// database/sql's cost per statement (arguments converted, bound, stepped,
// reset) was most of a loaded user's.
type bulk struct {
	ctx        context.Context
	tx         *sql.Tx
	head, tail string // around the rows: "INSERT INTO t (a, b) VALUES", ""
	cols       int
	full       *sql.Stmt // prepared for bulkRows rows
	args       []any
	parent     rowWriter // the rows these refer to, written first
}

const bulkRows = 100

func newBulk(ctx context.Context, tx *sql.Tx, head, tail string, cols int, parent rowWriter) *bulk {
	return &bulk{ctx: ctx, tx: tx, head: head, tail: tail, cols: cols, args: make([]any, 0, cols*bulkRows), parent: parent}
}

func (b *bulk) add(vals ...any) error {
	b.args = append(b.args, vals...)
	if len(b.args) < b.cols*bulkRows {
		return nil
	}
	if b.parent != nil {
		if err := b.parent.flush(); err != nil {
			return err
		}
	}
	if b.full == nil {
		st, err := b.tx.PrepareContext(b.ctx, b.statement(bulkRows))
		if err != nil {
			return err
		}
		b.full = st
	}
	_, err := b.full.ExecContext(b.ctx, b.args...)
	b.args = b.args[:0]
	return err
}

// flush writes the rows left.
func (b *bulk) flush() error {
	if len(b.args) == 0 {
		return nil
	}
	if b.parent != nil {
		if err := b.parent.flush(); err != nil {
			return err
		}
	}
	_, err := b.tx.ExecContext(b.ctx, b.statement(len(b.args)/b.cols), b.args...)
	b.args = b.args[:0]
	return err
}

func (b *bulk) statement(rows int) string {
	row := "(?" + strings.Repeat(", ?", b.cols-1) + ")"
	return b.head + " " + row + strings.Repeat(", "+row, rows-1) + b.tail
}

func (b *bulk) close() {
	if b.full != nil {
		b.full.Close()
	}
}
