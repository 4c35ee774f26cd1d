package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
)

// apiUser is the API's user object. It never carries a password hash.
type apiUser struct {
	ID                string            `json:"id"`
	Username          string            `json:"username"`
	DisplayName       string            `json:"display_name"`
	Description       string            `json:"description"`
	Email             string            `json:"email"`
	EmailVerified     bool              `json:"email_verified"`
	PhoneRegion       string            `json:"phone_region"`
	PhoneNumber       string            `json:"phone_number"`
	PhoneVerified     bool              `json:"phone_verified"`
	Status            string            `json:"status"`
	Locked            bool              `json:"locked"`
	LockUntil         *time.Time        `json:"lock_until"`
	LockReason        *string           `json:"lock_reason"`
	AutoLockAt        *time.Time        `json:"auto_lock_at"`
	OwnerType         string            `json:"owner_type"`
	AccountExpiresAt  *time.Time        `json:"account_expires_at"`
	PasswordExpiresAt *time.Time        `json:"password_expires_at"`
	PasswordSet       bool              `json:"password_set"`
	RequiredActions   []string          `json:"required_actions"`
	UserType          string            `json:"user_type"`
	SourceType        string            `json:"source_type"`
	SourceID          string            `json:"source_id"`
	ExternalID        *string           `json:"external_id"`
	Language          string            `json:"language"`
	Timezone          string            `json:"timezone"`
	Tags              map[string]string `json:"tags"`
	OrgUnitID         string            `json:"org_unit_id"`
	Groups            []apiRef          `json:"groups,omitempty"` // on GET of one user
	Properties        map[string]any    `json:"properties"`
	JoinedAt          *time.Time        `json:"joined_at,omitempty"` // in a group's member list
	RegisteredAt      *time.Time        `json:"registered_at"`
	CreatedAt         time.Time         `json:"created_at"`
	UpdatedAt         time.Time         `json:"updated_at"`
	LastLoginAt       *time.Time        `json:"last_login_at"`
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.UTC()
	return &v
}

func toAPIUser(u store.User) apiUser {
	out := apiUser{ID: u.PublicID(), Username: u.Username, DisplayName: u.DisplayName, Description: u.Description,
		Email: u.Email, EmailVerified: u.EmailVerified, PhoneRegion: u.PhoneRegion, PhoneNumber: u.PhoneNumber,
		PhoneVerified: u.PhoneVerified, Status: u.Status,
		AccountExpiresAt: utc(u.AccountExpiresAt), PasswordExpiresAt: utc(u.PasswordExpiresAt),
		PasswordSet: u.PasswordSet, RequiredActions: u.RequiredActions, UserType: u.UserType,
		SourceType: u.SourceType, SourceID: u.SourceID, Language: u.Language, Timezone: u.Timezone,
		Tags: u.Tags, OrgUnitID: store.PublicID(store.PrefixOrgUnit, u.OrgUnitID), RegisteredAt: utc(u.RegisteredAt),
		CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC(), LastLoginAt: utc(u.LastLoginAt),
		Properties: make(map[string]any, len(u.Properties))}
	for k, v := range u.Properties {
		out.Properties[k] = v.JSON()
	}
	out.setLock(&u, time.Now())
	if u.ExternalID != "" {
		out.ExternalID = &u.ExternalID
	}
	out.AutoLockAt, out.OwnerType = utc(u.LockAt), u.OwnerType
	return out
}

// setLock sets whether u is locked at now, and the lock's details.
func (a *apiUser) setLock(u *store.User, now time.Time) {
	a.Locked = u.Locked(now)
	a.LockUntil, a.LockReason = nil, nil
	// A lock that has ended says nothing any more.
	if a.Locked {
		a.LockUntil, a.LockReason = utc(u.LockUntil), &u.LockReason
	}
}

// apiUserInput is a user in a request. Pointers tell a PATCH which fields
// were given; the two dates are raw so that null can clear them.
type apiUserInput struct {
	Username          *string            `json:"username"`
	DisplayName       *string            `json:"display_name"`
	Description       *string            `json:"description"`
	Email             *string            `json:"email"`
	EmailVerified     *bool              `json:"email_verified"`
	PhoneRegion       *string            `json:"phone_region"`
	PhoneNumber       *string            `json:"phone_number"`
	PhoneVerified     *bool              `json:"phone_verified"`
	Password          *string            `json:"password"`
	Status            *string            `json:"status"`
	AccountExpiresAt  json.RawMessage    `json:"account_expires_at"`
	PasswordExpiresAt json.RawMessage    `json:"password_expires_at"`
	AutoLockAt        json.RawMessage    `json:"auto_lock_at"`
	OwnerType         *string            `json:"owner_type"` // user or manager
	RequiredActions   *[]string          `json:"required_actions"`
	UserType          *string            `json:"user_type"`
	SourceType        *string            `json:"source_type"`
	SourceID          *string            `json:"source_id"`
	ExternalID        *string            `json:"external_id"`
	Language          *string            `json:"language"`
	Timezone          *string            `json:"timezone"`
	Tags              *map[string]string `json:"tags"`
	OrgUnitID         *string            `json:"org_unit_id"`
	SendInvitation    *bool              `json:"send_invitation"` // create only: email a link to choose a password
	// Create only: groups to join and property values (by key, as GET
	// shows them), written with the user in one transaction.
	GroupIDs   *[]string                  `json:"group_ids"`
	Properties map[string]json.RawMessage `json:"properties"`
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// rawTime reads a time given as RFC 3339 or a date; JSON null is a nil
// *time.Time (clear), an absent field a nil **time.Time (leave as is).
func rawTime(raw json.RawMessage, field string, fe store.FieldErrors) **time.Time {
	if raw == nil {
		return nil
	}
	var t *time.Time
	if string(raw) != "null" {
		var s string
		var ok bool
		if json.Unmarshal(raw, &s) == nil {
			t, ok = request.Time(s, false)
		}
		if !ok || t == nil {
			fe[field] = "Give a time like 2030-01-31T00:00:00Z, a date like 2030-01-31, or null."
		}
	}
	return &t
}

// newUser turns a request's user into the store's input.
func (in apiUserInput) newUser() (store.NewUser, store.FieldErrors) {
	fe := store.FieldErrors{}
	n := store.NewUser{Username: str(in.Username), DisplayName: str(in.DisplayName), Description: str(in.Description),
		Email: str(in.Email), PhoneRegion: str(in.PhoneRegion), PhoneNumber: str(in.PhoneNumber), Password: str(in.Password),
		Status: str(in.Status), UserType: str(in.UserType), SourceType: str(in.SourceType), SourceID: str(in.SourceID),
		ExternalID: str(in.ExternalID), Language: str(in.Language), Timezone: str(in.Timezone), OrgUnitID: unitRef(in.OrgUnitID, "org_unit_id", fe)}
	if in.Username == nil {
		fe["username"] = "username is required."
	}
	if in.EmailVerified != nil {
		n.EmailVerified = *in.EmailVerified
	}
	if in.RequiredActions != nil {
		n.RequiredActions = *in.RequiredActions
	}
	if in.Tags != nil {
		n.Tags = *in.Tags
	}
	n.Invite = in.SendInvitation != nil && *in.SendInvitation
	n.OwnerType = str(in.OwnerType)
	if t := rawTime(in.AccountExpiresAt, "account_expires_at", fe); t != nil {
		n.AccountExpiresAt = *t
	}
	if t := rawTime(in.PasswordExpiresAt, "password_expires_at", fe); t != nil {
		n.PasswordExpiresAt = *t
	}
	if t := rawTime(in.AutoLockAt, "auto_lock_at", fe); t != nil {
		n.LockAt = *t
	}
	if in.GroupIDs != nil {
		for _, g := range *in.GroupIDs {
			id, ok := store.ParseID(store.PrefixGroup, g)
			if !ok {
				fe["group_ids"] = "Give group ids like g_1."
			}
			n.Groups = append(n.Groups, id)
		}
	}
	if in.Properties != nil {
		n.Properties = map[string][]string{}
		for key, raw := range in.Properties {
			vals, ok := propertyJSON(raw)
			if !ok {
				fe[store.PropertyField(key)] = "Give a string, number or boolean, a list of them for multiselect, or null."
			}
			n.Properties[key] = vals
		}
	}
	return n, fe
}

// propertyJSON reads one property value of a request: a scalar, a list of
// them, or null for none.
func propertyJSON(raw json.RawMessage) ([]string, bool) {
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		v, ok := jsonValue(raw)
		return []string{v}, ok
	}
	var out []string
	for _, r := range list {
		v, ok := jsonValue(r)
		if !ok {
			return nil, false
		}
		out = append(out, v)
	}
	return out, true
}

// update turns a PATCH body into the store's update.
func (in apiUserInput) update() (store.UserUpdate, store.FieldErrors) {
	fe := store.FieldErrors{}
	if in.Password != nil {
		fe["password"] = "Passwords are not set by PATCH; set one with PUT /users/{id}/password or send a reset link with POST /users/reset-password."
	}
	if in.Status != nil {
		fe["status"] = "Status is changed with POST /users/enable or /users/disable."
	}
	if in.SendInvitation != nil {
		fe["send_invitation"] = "Invitations go with creation; for an existing user send a reset with POST /users/reset-password."
	}
	if in.GroupIDs != nil {
		fe["group_ids"] = "Groups are given with creation; later, use POST /groups/{id}/members/add."
	}
	if in.Properties != nil {
		fe["properties"] = "Properties are given with creation; later, use PUT /users/{id}/properties/{key}."
	}
	upd := store.UserUpdate{Username: in.Username, DisplayName: in.DisplayName, Description: in.Description,
		Email: in.Email, EmailVerified: in.EmailVerified, PhoneRegion: in.PhoneRegion, PhoneNumber: in.PhoneNumber,
		PhoneVerified: in.PhoneVerified, RequiredActions: in.RequiredActions, UserType: in.UserType,
		SourceType: in.SourceType, SourceID: in.SourceID, ExternalID: in.ExternalID, Language: in.Language,
		Timezone: in.Timezone, Tags: in.Tags, OwnerType: in.OwnerType,
		AccountExpiresAt:  rawTime(in.AccountExpiresAt, "account_expires_at", fe),
		PasswordExpiresAt: rawTime(in.PasswordExpiresAt, "password_expires_at", fe),
		LockAt:            rawTime(in.AutoLockAt, "auto_lock_at", fe)}
	if in.OrgUnitID != nil {
		id := unitRef(in.OrgUnitID, "org_unit_id", fe)
		upd.OrgUnitID = &id
	}
	return upd, fe
}

func (h *Handler) listUsers(c echo.Context) error {
	q := c.QueryParams()
	for k := range q {
		if !request.UserFilterParams[k] {
			return &request.ParamError{Field: k, Msg: "Unknown parameter " + k + "."}
		}
	}
	f, fe := request.UserFilter(q)
	if len(fe) > 0 {
		return request.BadParam(fe)
	}
	done := request.Timed(c)
	l, err := store.ListUsersCached(c.Request().Context(), h.store, h.users, request.KeyOf(c).TenantID, f, newListedUser)
	done()
	if err != nil {
		var fe store.FieldErrors
		if request.AsFieldErrors(err, &fe) {
			return request.BadParam(fe)
		}
		return err
	}
	return sendUsers(c, http.StatusOK, func(b []byte) []byte { return appendListedUsers(b, &l, nil) })
}

// userParam reads the {id} of a users route; an id that is not a user id is
// simply not found.
func userParam(c echo.Context) (int64, error) {
	id, ok := store.ParseID(store.PrefixUser, c.Param("id"))
	if !ok {
		return 0, store.ErrNotFound
	}
	return id, nil
}

func (h *Handler) getUser(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixUser)
	if err != nil {
		return err
	}
	u, err := h.store.GetUser(c.Request().Context(), request.KeyOf(c).TenantID, id)
	if err != nil {
		return err
	}
	out := toAPIUser(u)
	gs, err := h.store.UserGroups(c.Request().Context(), u.TenantID, u.ID)
	if err != nil {
		return err
	}
	out.Groups = []apiRef{}
	for _, g := range gs {
		out.Groups = append(out.Groups, apiRef{ID: g.PublicID(), Name: g.Name})
	}
	return sendUser(c, http.StatusOK, &out)
}

func (h *Handler) createUser(c echo.Context) error {
	var in apiUserInput
	if err := request.BindJSON(c, &in); err != nil {
		return err
	}
	n, fe := in.newUser()
	if len(fe) > 0 {
		return fe
	}
	u, err := h.store.CreateUser(c.Request().Context(), request.KeyOf(c).TenantID, n)
	if err != nil {
		return err
	}
	return h.userJSON(c, http.StatusCreated, u)
}

func (h *Handler) updateUser(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixUser)
	if err != nil {
		return err
	}
	var in apiUserInput
	if err := request.BindJSON(c, &in); err != nil {
		return err
	}
	upd, fe := in.update()
	if len(fe) > 0 {
		return fe
	}
	u, err := h.store.UpdateUser(c.Request().Context(), request.KeyOf(c).TenantID, id, upd)
	if err != nil {
		return err
	}
	return h.userJSON(c, http.StatusOK, u)
}

// deleteUser removes one user: 204, or 404 for an unknown id.
func (h *Handler) deleteUser(c echo.Context) error {
	res, err := h.store.ApplyUserAction(c.Request().Context(), request.KeyOf(c).TenantID,
		store.UserAction{Kind: store.ActionDelete}, []string{c.Param("id")})
	if err != nil {
		return err
	}
	if len(res.Failed) > 0 {
		return store.ErrNotFound
	}
	return c.NoContent(http.StatusNoContent)
}

// apiRef names another object in a response.
type apiRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// userJSON answers with one user object, its property values included.
func (h *Handler) userJSON(c echo.Context, code int, u store.User) error {
	out := toAPIUser(u)
	return sendUser(c, code, &out)
}
