package request

import (
	"time"

	"roster/store"
)

// Tenant is a tenant as /whoami and the API show it.
type Tenant struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Alias     string    `json:"alias"`
	CreatedAt time.Time `json:"created_at"`
}

// TenantJSON is t as /whoami and the API show it.
func TenantJSON(t store.Tenant) Tenant {
	return Tenant{ID: t.PublicID(), Name: t.Name, Alias: t.Alias, CreatedAt: t.CreatedAt.UTC()}
}

// Whoami is the answer of /whoami, the API's (a key) and the console's
// (an administrator), which scripts read alike.
type Whoami struct {
	Type    string         `json:"type"` // "api_key" or "admin"
	APIKey  *KeyIdentity   `json:"api_key,omitempty"`
	Admin   *AdminIdentity `json:"admin,omitempty"`
	Tenant  Tenant         `json:"tenant"`
	Role    store.Role     `json:"role"`
	Tenants []Membership   `json:"tenants,omitempty"`
}

// KeyIdentity is the API key of a /whoami.
type KeyIdentity struct {
	ID   string     `json:"id"`
	Name string     `json:"name"`
	Role store.Role `json:"role"`
}

// AdminIdentity is the administrator of a /whoami.
type AdminIdentity struct {
	ID          string     `json:"id"`
	Username    string     `json:"username"`
	DisplayName string     `json:"display_name"`
	Email       string     `json:"email"`
	System      bool       `json:"system"`
	LastLoginAt *time.Time `json:"last_login_at"`
}

// Membership is one of an administrator's tenants in a /whoami.
type Membership struct {
	Tenant Tenant     `json:"tenant"`
	Role   store.Role `json:"role"`
}
