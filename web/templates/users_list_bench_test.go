package templates

import (
	"io"
	"strconv"
	"testing"
	"time"

	"roster/store"
)

// BenchmarkUsersPage renders the users page as the console's list sends it
// (a page of 20 users in the default columns, more users beyond it), to
// measure the page's rendering apart from its reads.
func BenchmarkUsersPage(b *testing.B) {
	p := benchUsersProps()
	ctx := WithShell(b.Context(), Shell{Role: store.RoleOwner, CSRF: "token"})
	b.ReportAllocs()
	for b.Loop() {
		if err := UsersPage(p).Render(ctx, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// benchUsersProps is a users page of 20 users in the default columns, one
// in five locked, out of 200,000.
func benchUsersProps() UsersProps {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	var props []store.Property
	for i := range 20 {
		props = append(props, store.Property{Key: "p" + strconv.Itoa(i), DisplayName: "Property " + strconv.Itoa(i), Type: "string"})
	}
	p := UsersProps{Form: UserFilterForm{Properties: props}, Results: UserResultsProps{Now: now, ColumnChoices: UserColumns(props),
		SortURLs:   map[string]string{"username": "/users?sort=-username", "display_name": "/users?sort=display_name", "created": "/users?sort=created_at"},
		ExportURLs: map[string]string{"csv": "/users/export?format=csv", "jsonl": "/users/export?format=jsonl"}, NextURL: "/users?next_token=abc"}}
	for _, k := range DefaultUserColumns {
		for _, c := range p.Results.ColumnChoices {
			if c.Key == k {
				p.Results.Columns = append(p.Results.Columns, c)
			}
		}
	}
	p.Results.List.Total = 200000
	for i := range 20 {
		u := store.User{ID: int64(1000 + i), Username: "user" + strconv.Itoa(i), DisplayName: "User <" + strconv.Itoa(i) + ">",
			Email: "user" + strconv.Itoa(i) + "@example.com", Status: "enabled", SourceType: "ldap", CreatedAt: now.Add(-time.Duration(i) * time.Hour)}
		if i%5 == 0 {
			u.LockedAt = &now
		}
		p.Results.List.Items = append(p.Results.List.Items, u)
	}
	return p
}
