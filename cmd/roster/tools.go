package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"roster/store"
)

// tool runs one of the administrative commands against the database file.
// Their changes are audited as made by the system, named after the command.
func tool(ctx context.Context, name string, args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	db := dbFlag(fs, getenv)
	keyFile := keyFileFlag(fs, getenv)
	var runTool func(*store.Store) error
	switch name {
	case "tenant create":
		tname := fs.String("name", "", "tenant name (required)")
		alias := fs.String("alias", "", "tenant alias, [a-z0-9-]{3,32} (required)")
		runTool = func(st *store.Store) error {
			t, err := st.CreateTenant(ctx, *tname, *alias)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "created tenant %s (alias %s, id %s)\n", t.Name, t.Alias, t.PublicID())
			return nil
		}
	case "tenant list":
		runTool = func(st *store.Store) error {
			ts, err := st.ListTenants(ctx)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tALIAS\tNAME\tCREATED")
			for _, t := range ts {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", t.PublicID(), t.Alias, t.Name, t.CreatedAt.Format("2006-01-02"))
			}
			return w.Flush()
		}
	case "admin create":
		var n store.NewAdmin
		fs.StringVar(&n.Username, "username", "", "username (required)")
		fs.StringVar(&n.Email, "email", "", "email address")
		fs.StringVar(&n.DisplayName, "display-name", "", "display name")
		fs.StringVar(&n.Password, "password", "", "password; generated and printed once when empty")
		fs.BoolVar(&n.IsSystem, "system", false, "may create tenants")
		tenant := fs.String("tenant", "default", "alias of the tenant to join")
		role := fs.String("role", "admin", "role in the tenant: owner, admin or viewer")
		runTool = func(st *store.Store) error {
			r, ok := store.ParseRole(*role)
			if !ok {
				return fmt.Errorf("--role must be owner, admin or viewer")
			}
			t, err := tenantByAlias(ctx, st, *tenant)
			if err != nil {
				return err
			}
			generated := n.Password == ""
			if generated {
				n.Password = store.GeneratePassword()
			}
			a, err := st.CreateAdmin(ctx, t.ID, n, r)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "created administrator %s (%s of %s)\n", a.Username, r, t.Alias)
			if generated {
				fmt.Fprintf(out, "password: %s\n(shown once; only its hash is stored)\n", n.Password)
			}
			return nil
		}
	case "admin password":
		username := fs.String("username", "", "username (required)")
		pw := fs.String("password", "", "new password; generated and printed once when empty")
		runTool = func(st *store.Store) error {
			p := *pw
			if p == "" {
				p = store.GeneratePassword()
			}
			if err := st.SetAdminPassword(ctx, *username, p); err != nil {
				return err
			}
			if *pw == "" {
				fmt.Fprintf(out, "password: %s\n(shown once; only its hash is stored)\n", p)
			} else {
				fmt.Fprintln(out, "password changed")
			}
			fmt.Fprintln(out, "their console sessions have ended and any sign-in lock is lifted")
			return nil
		}
	case "apikey create":
		tenant := fs.String("tenant", "default", "alias of the key's tenant")
		role := fs.String("role", "", "admin or viewer (required)")
		kname := fs.String("name", "", "what the key is for (required)")
		runTool = func(st *store.Store) error {
			t, err := tenantByAlias(ctx, st, *tenant)
			if err != nil {
				return err
			}
			k, token, err := st.CreateAPIKey(ctx, t.ID, store.NewAPIKey{Name: *kname, Role: store.Role(*role)})
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "created API key %s (%s, %s of %s)\n%s\n(shown once; only its hash is stored)\n",
				k.PublicID, k.Name, k.Role, t.Alias, token)
			return nil
		}
	case "accesskey create":
		tenant := fs.String("tenant", "default", "alias of the pair's tenant")
		role := fs.String("role", "", "admin or viewer (required)")
		kname := fs.String("name", "", "what the pair is for (required)")
		runTool = func(st *store.Store) error {
			t, err := tenantByAlias(ctx, st, *tenant)
			if err != nil {
				return err
			}
			k, secret, err := st.CreateAccessKey(ctx, t.ID, store.NewAccessKey{Name: *kname, Role: store.Role(*role)})
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "created AccessKey pair (%s, %s of %s)\nAccessKeyId:     %s\nAccessKeySecret: %s\n"+
				"(the secret is shown once; Roster keeps it sealed under the server key)\n", k.Name, k.Role, t.Alias, k.AccessKeyID, secret)
			return nil
		}
	case "accesskey list":
		tenant := fs.String("tenant", "default", "alias of the tenant")
		runTool = func(st *store.Store) error {
			t, err := tenantByAlias(ctx, st, *tenant)
			if err != nil {
				return err
			}
			ks, err := st.ListAccessKeys(ctx, t.ID)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ACCESSKEYID\tNAME\tROLE\tCREATED\tLAST USED\tSTATE")
			for _, k := range ks {
				used, state := "never", "active"
				if k.LastUsedAt != nil {
					used = k.LastUsedAt.Format("2006-01-02 15:04")
				}
				if k.RevokedAt != nil {
					state = "revoked " + k.RevokedAt.Format("2006-01-02")
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", k.AccessKeyID, k.Name, k.Role, k.CreatedAt.Format("2006-01-02"), used, state)
			}
			return w.Flush()
		}
	case "accesskey revoke":
		tenant := fs.String("tenant", "default", "alias of the pair's tenant")
		id := fs.String("id", "", "the AccessKeyId to revoke (required)")
		runTool = func(st *store.Store) error {
			t, err := tenantByAlias(ctx, st, *tenant)
			if err != nil {
				return err
			}
			if err := st.RevokeAccessKey(ctx, t.ID, *id); errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("tenant %s has no active AccessKey %q (see roster accesskey list)", t.Alias, *id)
			} else if err != nil {
				return err
			}
			fmt.Fprintf(out, "revoked AccessKey %s: every Roster process refuses it within a second\n", *id)
			return nil
		}
	default:
		return fmt.Errorf("unknown command %q; see roster help", name)
	}
	fs.SetOutput(os.Stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := openSealed(ctx, *db, *keyFile)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx = store.WithActor(ctx, store.Actor{Type: store.ActorSystem, Name: "roster " + name})
	return runTool(st)
}

func tenantByAlias(ctx context.Context, st *store.Store, alias string) (store.Tenant, error) {
	t, err := st.GetTenantByAlias(ctx, alias)
	if errors.Is(err, store.ErrNotFound) {
		return t, fmt.Errorf("no tenant has the alias %q (see roster tenant list)", alias)
	}
	return t, err
}
