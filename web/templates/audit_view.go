package templates

import (
	"encoding/json"
	"slices"
	"strings"

	"roster/store"
)

// AuditForm holds the audit log's filter values as typed.
type AuditForm struct {
	Scope      string // "system" for the events of no tenant
	Actor      string
	Action     string
	TargetType string
	TargetID   string
	Since      string // yyyy-mm-dd
	Until      string // yyyy-mm-dd
}

// filtered reports whether any filter narrows the log.
func (f AuditForm) filtered() bool {
	return f.Actor != "" || f.Action != "" || f.TargetType != "" || f.TargetID != "" || f.Since != "" || f.Until != ""
}

// AuditProps is the audit log page.
type AuditProps struct {
	Form     AuditForm
	Errors   store.FieldErrors
	List     store.List[store.AuditEvent]
	Names    store.AuditNames // current names of the ids the page mentions
	NextURL  string
	FirstURL string // empty on the first page
}

// system reports whether the page shows the events of no tenant, whose
// ids are not resolved (they name no tenant's objects).
func (p AuditProps) system() bool { return p.Form.Scope == "system" }

// AuditTargetTypes are the kinds of object the target filter offers.
var AuditTargetTypes = []Option{
	{"user", "User"}, {"org_unit", "Org unit"}, {"group", "Group"}, {"property", "Property"},
	{"resource_group", "Resource group"}, {"admin", "Administrator"}, {"api_key", "API key"},
	{"tenant", "Tenant"}, {"message", "Message"},
}

// auditActions are the actions the filter suggests; any other can be typed.
var auditActions = []string{
	"admin.sign_in", "admin.sign_in_failed", "user.sign_in", "user.sign_in_failed",
	"user.create", "user.update", "user.update_profile", "user.move", "user.delete", "user.lock", "user.unlock",
	"user.enable", "user.disable", "user.set_property", "user.clear_property", "user.set_password",
	"user.reset_password", "user.forgot_password", "user.invite", "user.verify_email",
	"org_unit.create", "org_unit.update", "org_unit.move", "org_unit.delete",
	"group.create", "group.update", "group.delete", "group.add_member", "group.remove_member",
	"property.create", "property.update", "property.delete",
	"resource_group.create", "resource_group.update", "resource_group.delete",
	"resource_group.add_resources", "resource_group.remove_resources", "resource_group.assign", "resource_group.unassign",
	"admin.create", "admin.add", "admin.role_change", "admin.remove", "admin.lock", "admin.unlock", "admin.password_set",
	"apikey.create", "apikey.revoke", "tenant.create", "tenant.update", "tenant.password_policy", "tenant.bulk_load",
	"message.resend",
}

func targetTypeOptions() []Option {
	return append([]Option{{"", "Any"}}, AuditTargetTypes...)
}

// scopeOptions are the logs a system administrator can read.
func scopeOptions() []Option {
	return []Option{{"", "This tenant"}, {"system", "Sign-ins outside any tenant"}}
}

// auditRef is an id an event mentions, with what the page can say about it.
type auditRef struct {
	ID      string
	Name    string // current name, else the one recorded
	URL     string // empty when the console has no page for it
	Removed bool   // known to the event but gone from the tenant now
}

// refURL is where the console shows an object, by its id's kind.
func refURL(prefix, id string) string {
	switch prefix {
	case store.PrefixUser:
		return "/users/" + id
	case store.PrefixOrgUnit:
		return "/org-units?unit=" + id
	case store.PrefixGroup:
		return "/groups/" + id
	case store.PrefixProperty:
		return "/properties/" + id
	case store.PrefixResourceGroup:
		return "/resource-groups/" + id
	case store.PrefixAdmin:
		return "/settings/administrators"
	case store.PrefixTenant:
		return "/settings/tenant"
	}
	return ""
}

// resolve names id by the page's names; recorded is the name the event
// kept, for objects removed since.
func (p AuditProps) resolve(id, recorded string) auditRef {
	if strings.HasPrefix(id, "key_") { // API keys are named by their events
		return auditRef{ID: id, Name: recorded, URL: "/settings/api-keys"}
	}
	prefix := store.IDPrefix(id)
	if prefix == "" || p.system() {
		return auditRef{ID: id, Name: recorded}
	}
	if name, ok := p.Names[id]; ok {
		return auditRef{ID: id, Name: name, URL: refURL(prefix, id)}
	}
	if prefix == store.PrefixMessage || prefix == store.PrefixOption {
		return auditRef{ID: id, Name: recorded}
	}
	return auditRef{ID: id, Name: recorded, Removed: true}
}

func (p AuditProps) actorRef(a store.Actor) auditRef {
	if a.ID == "" {
		return auditRef{Name: a.Name}
	}
	return p.resolve(a.ID, a.Name)
}

func (p AuditProps) targetRef(e store.AuditEvent) auditRef {
	return p.resolve(e.TargetID, e.TargetName)
}

// auditField is one line of an event's changes: a field, and its value
// before and after (nil when it had none).
type auditField struct {
	Label         string
	Before, After any
	Set           bool // a value given where there was none
}

// changeFields orders an event's changes by field name and labels them
// for people: "org_unit_id" reads "org unit".
func changeFields(c store.Changes) []auditField {
	fields := make([]string, 0, len(c))
	for f := range c {
		fields = append(fields, f)
	}
	slices.Sort(fields)
	out := make([]auditField, 0, len(fields))
	for _, f := range fields {
		ch := c[f]
		label := strings.ReplaceAll(strings.TrimSuffix(strings.TrimSuffix(f, "_ids"), "_id"), "_", " ")
		out = append(out, auditField{Label: label, Before: ch.Before, After: ch.After, Set: ch.Before == nil})
	}
	return out
}

// idsIn returns the ids v holds (one id, or a list of them) and true, or
// false when v is some other value.
func idsIn(v any) ([]string, bool) {
	switch v := v.(type) {
	case string:
		if store.IDPrefix(v) != "" || strings.HasPrefix(v, "key_") {
			return []string{v}, true
		}
	case []any:
		var out []string
		for _, item := range v {
			s, ok := item.(string)
			if !ok || store.IDPrefix(s) == "" {
				return nil, false
			}
			out = append(out, s)
		}
		return out, len(out) > 0
	}
	return nil, false
}

// plainValue renders a value that is no id: "(none)", "yes", a JSON
// rendering of anything structured.
func plainValue(field string, v any) string {
	switch v := v.(type) {
	case nil:
		return "(none)"
	case bool:
		if v {
			return "yes"
		}
		return "no"
	case string:
		if v == "" {
			return "(empty)"
		}
		if field == "reason" {
			return strings.ReplaceAll(v, "_", " ")
		}
		return v
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// actionParts splits an action after each dot, where a narrow column may
// wrap it: "user.sign_in" is "user." and "sign_in".
func actionParts(action string) []string { return strings.SplitAfter(action, ".") }

// actionFailed marks the events of refused sign-ins.
func actionFailed(action string) bool { return strings.HasSuffix(action, "_failed") }

// changeLines renders each changed field as one line, in field order:
// "alias: acme → acme-corp", "name = Acme" for a value set on creation and
// "name: Acme → (none)" for one removed.
func changeLines(c store.Changes) []string {
	out := make([]string, 0, len(c))
	for _, f := range changeFields(c) {
		if f.Set {
			out = append(out, f.Label+" = "+plainValue(f.Label, f.After))
		} else {
			out = append(out, f.Label+": "+plainValue(f.Label, f.Before)+" → "+plainValue(f.Label, f.After))
		}
	}
	return out
}

func countText(n int, capped bool) string {
	if capped {
		return thousands(n) + "+"
	}
	return thousands(n)
}
