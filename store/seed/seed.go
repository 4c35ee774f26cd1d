// Package seed generates directories of made-up users for benchmarks,
// demos and tests: names, statuses, sources, creation dates, an org tree,
// groups and custom properties with values, all drawn from a seeded random
// source, so the same seed gives the same data. It writes through
// store.BulkLoad and holds no SQL; the server never imports it.
package seed

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"roster/store"
)

// Options describes a generated data set.
type Options struct {
	Users      int
	OrgUnits   int    // units added under the root, depth up to 8
	Groups     int    // groups of 1 to 50,000 members (log-uniform)
	Properties int    // custom properties of every type, each held by 2-40 % of users
	Seed       uint64 // same seed, same data
	// Progress, when set, is called as users are added; done equals Users
	// when they all are, and the indexes are about to be built.
	Progress func(done int)
}

var (
	firstNames = []string{"ada", "alan", "grace", "linus", "margaret", "ken", "dennis", "barbara", "edsger", "donald",
		"frances", "john", "radia", "tim", "vint", "whitfield", "shafi", "leslie", "niklaus", "hedy", "katherine",
		"dorothy", "annie", "sophie", "mary", "yukihiro", "guido", "rob", "bjarne", "anders", "james", "lynn"}
	lastNames = []string{"lovelace", "turing", "hopper", "torvalds", "hamilton", "thompson", "ritchie", "liskov",
		"dijkstra", "knuth", "allen", "mccarthy", "perlman", "berners-lee", "cerf", "diffie", "goldwasser",
		"lamport", "wirth", "lamarr", "johnson", "vaughan", "easley", "wilson", "keller", "matsumoto", "rossum",
		"pike", "stroustrup", "hejlsberg", "gosling", "conway"}
	domains = []string{"example.com", "example.org", "corp.example", "mail.example", "staff.example.net"}
)

// progressEvery is how often Users reports progress, in users.
const progressEvery = 50000

// Users adds generated users to tenant: unique usernames, a few percent
// disabled, pending or locked, a mix of sources, creation dates spread over
// the two years up to now, in the order of their ids (like real sign-ups).
func Users(ctx context.Context, s *store.Store, tenant int64, o Options) error {
	// Usernames are numbered after the tenant's users, so they stay unique.
	existing, err := s.ListUsers(ctx, tenant, store.UserFilter{Page: store.Page{Size: 1}})
	if err != nil {
		return err
	}
	base := existing.Total
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	return s.BulkLoad(ctx, tenant, func(l *store.Loader) error {
		end := l.Now()
		start := end.AddDate(-2, 0, 0)
		span := end.Sub(start).Milliseconds()
		units, err := orgUnits(l, o.OrgUnits, rng)
		if err != nil {
			return err
		}
		ids := make([]int64, o.Users) // the new users, for their memberships and values
		for i := range o.Users {
			k := base + i
			first, last := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
			username, displayName := names(first, last, k)
			u := store.BulkUser{Username: username, DisplayName: displayName,
				Status: store.StatusEnabled, SourceType: "built_in", Language: "en"}
			switch r := rng.IntN(100); {
			case r < 2:
				u.Status = store.StatusDisabled
			case r < 5:
				u.Status = store.StatusPending
			}
			switch r := rng.IntN(10); {
			case r < 2:
				u.SourceType = "ldap"
			case r < 3:
				u.SourceType = "csv"
			}
			u.CreatedAt = time.UnixMilli(start.UnixMilli() + span*int64(k)/int64(base+o.Users))
			if rng.IntN(100) == 0 {
				locked := u.CreatedAt // its own variable: taking u's address would put every u on the heap
				u.LockedAt = &locked
			}
			if len(units) > 1 {
				u.OrgUnitID = units[rng.IntN(len(units))]
			}
			u.Email = username + "@" + domains[rng.IntN(len(domains))]
			if ids[i], err = l.AddUser(u); err != nil {
				return fmt.Errorf("seed: user %d: %w", k, err)
			}
			if o.Progress != nil && (i+1)%progressEvery == 0 {
				o.Progress(i + 1)
			}
		}
		if o.Progress != nil && o.Users%progressEvery != 0 {
			o.Progress(o.Users)
		}
		if err := groups(l, ids, o.Groups, rng); err != nil {
			return err
		}
		return properties(l, ids, o.Properties, rng)
	})
}

// Identity is a generated user's username, display name and email.
type Identity struct {
	Username, DisplayName, Email string
}

// Identities returns a generator of users named as Users names them, from
// the same lists with the same odds (not the same users: Users draws
// statuses and sources in between), for directories filled otherwise
// than by Users, such as through the API. Its k is the user's number,
// which makes the username unique.
func Identities(seed uint64) func(k int) Identity {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	return func(k int) Identity {
		first, last := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
		username, displayName := names(first, last, k)
		return Identity{Username: username, DisplayName: displayName, Email: username + "@" + domains[rng.IntN(len(domains))]}
	}
}

// names are the username and display name of the k-th user, first last.
func names(first, last string, k int) (username, displayName string) {
	return first + "." + last + strconv.Itoa(k), capitalize(first) + " " + capitalize(last)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-32) + s[1:]
}

// orgUnits adds n units under the root: each under a random earlier unit
// less than 8 levels deep, so early units gather large subtrees. It returns
// every unit id, the root first (as 0).
func orgUnits(l *store.Loader, n int, rng *rand.Rand) ([]int64, error) {
	ids := []int64{0}
	depths := []int{1} // per unit: itself and its ancestors
	for i := range n {
		// Eight divisions under the root, then each unit under a random
		// earlier one (squared draw: earlier units are likelier parents, so
		// subtrees range from one unit to thousands) less than 8 deep.
		p := 0
		for i >= 8 {
			r := rng.Float64()
			p = 1 + int(r*r*float64(len(ids)-1))
			if depths[p] < 8 {
				break
			}
		}
		name := fmt.Sprintf("%s %d", capitalize(lastNames[rng.IntN(len(lastNames))]), i)
		id, err := l.AddOrgUnit(store.NewOrgUnit{ParentID: ids[p], Name: name})
		if err != nil {
			return nil, fmt.Errorf("seed: org unit: %w", err)
		}
		ids, depths = append(ids, id), append(depths, depths[p]+1)
	}
	return ids, nil
}

// groups adds n groups with log-uniform sizes from 1 to 50,000 (capped at
// the users added), members drawn from users.
func groups(l *store.Loader, users []int64, n int, rng *rand.Rand) error {
	if len(users) == 0 {
		return nil
	}
	for i := range n {
		id, err := l.AddGroup(fmt.Sprintf("group %04d", i), "")
		if err != nil {
			return fmt.Errorf("seed: group: %w", err)
		}
		size := min(int(math.Pow(50000, rng.Float64())), len(users))
		for _, u := range sample(rng, len(users), size) {
			if err := l.AddMember(id, users[u]); err != nil {
				return fmt.Errorf("seed: group member: %w", err)
			}
		}
	}
	return nil
}

// sample returns k distinct numbers below n, in increasing order.
func sample(rng *rand.Rand, n, k int) []int {
	seen := make(map[int]bool, k)
	out := make([]int, 0, k)
	for len(out) < k {
		if x := rng.IntN(n); !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return out
}

// properties adds n properties cycling through the types; select types
// get 5-50 values chosen with a skew (the first values are the common ones).
func properties(l *store.Loader, users []int64, n int, rng *rand.Rand) error {
	if len(users) == 0 {
		return nil
	}
	types := []string{"select", "text", "number", "select", "boolean", "multiselect", "date", "select"}
	for i := range n {
		np := store.NewProperty{Key: fmt.Sprintf("%s_%d", types[i%len(types)], i), DisplayName: fmt.Sprintf("Property %d", i),
			Type: types[i%len(types)]}
		if np.Type == "select" || np.Type == "multiselect" {
			for j := range 5 + rng.IntN(46) {
				np.Options = append(np.Options, store.OptionInput{Value: fmt.Sprintf("v%d", j), DisplayName: fmt.Sprintf("Value %d", j)})
			}
		}
		p, err := l.AddProperty(np)
		if err != nil {
			return fmt.Errorf("seed: property: %w", err)
		}
		share := 0.02 + 0.38*rng.Float64()
		type value struct {
			option int64
			text   string
			user   int
		}
		var vals []value
		for _, u := range sample(rng, len(users), int(share*float64(len(users)))) {
			switch p.Type {
			case "select", "multiselect":
				r := rng.Float64()
				first := p.Options[int(r*r*r*float64(len(p.Options)))].ID
				vals = append(vals, value{first, "", u})
				if p.Type == "multiselect" && rng.IntN(3) == 0 {
					if extra := p.Options[rng.IntN(len(p.Options))].ID; extra != first {
						vals = append(vals, value{extra, "", u})
					}
				}
			case "text":
				vals = append(vals, value{0, lastNames[int(math.Pow(rng.Float64(), 2)*float64(len(lastNames)))], u})
			case "number":
				vals = append(vals, value{0, strconv.Itoa(rng.IntN(100)), u})
			case "boolean":
				vals = append(vals, value{0, strconv.FormatBool(rng.IntN(4) == 0), u})
			case "date":
				vals = append(vals, value{0, l.Now().AddDate(0, 0, -rng.IntN(3650)).UTC().Format(time.DateOnly), u})
			}
		}
		// In the table's order, which loads fastest.
		slices.SortFunc(vals, func(a, b value) int {
			return cmp.Or(cmp.Compare(a.option, b.option), strings.Compare(a.text, b.text), cmp.Compare(a.user, b.user))
		})
		for _, v := range vals {
			if err := l.AddValue(users[v.user], p.ID, v.option, v.text); err != nil {
				return fmt.Errorf("seed: property value: %w", err)
			}
		}
	}
	return nil
}
