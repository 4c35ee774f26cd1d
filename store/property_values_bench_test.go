package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// BenchmarkDecodeProperties measures what a page of 21 users costs to
// decode: each user holds four of the tenant's twenty properties, two of
// them select options, as the seeded benchmark directory does.
func BenchmarkDecodeProperties(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "roster.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	tn, err := s.CreateTenant(ctx, "Acme", "acme")
	if err != nil {
		b.Fatal(err)
	}
	for i := range 20 {
		p := NewProperty{Key: fmt.Sprintf("p%02d", i), Type: "text"}
		if i%2 == 0 {
			p.Type = "select"
			p.Options = []OptionInput{{Value: "alpha"}, {Value: "beta"}}
		}
		if _, err := s.CreateProperty(ctx, tn.ID, p); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 21 {
		u, err := s.CreateUser(ctx, tn.ID, NewUser{Username: fmt.Sprintf("user%02d", i)})
		if err != nil {
			b.Fatal(err)
		}
		k := i % 8 * 2 // even: a select property, then text, select, text
		vals := map[string][]string{
			fmt.Sprintf("p%02d", k): {"alpha"}, fmt.Sprintf("p%02d", k+1): {"some text"},
			fmt.Sprintf("p%02d", k+2): {"beta"}, fmt.Sprintf("p%02d", k+3): {"more text"},
		}
		if err := s.SetUserProperties(ctx, tn.ID, u.ID, vals); err != nil {
			b.Fatal(err)
		}
	}
	page, err := s.ListUsers(ctx, tn.ID, UserFilter{Page: Page{Size: 21}})
	if err != nil || len(page.Items) != 21 {
		b.Fatalf("ListUsers = %d users, %v", len(page.Items), err)
	}
	us := make([]User, len(page.Items))
	b.ReportAllocs()
	for b.Loop() {
		copy(us, page.Items)
		for i := range us {
			us[i].Properties = nil
		}
		if err := s.decodeProperties(ctx, tn.ID, us); err != nil {
			b.Fatal(err)
		}
	}
	if len(us[0].Properties) != 4 {
		b.Fatalf("decoded %d properties of %s, want 4", len(us[0].Properties), us[0].Username)
	}
}
