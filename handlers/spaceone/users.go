package spaceone

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
)

// userRequest is UserRequest, and what every verb on one user carries.
type userRequest struct {
	UserID   string `json:"user_id"`
	DomainID string `json:"domain_id"`
}

// userFields are the fields of CreateUserRequest and UpdateUserRequest.
// State, CreatedAt and LastAccessedAt are UserInfo's, which clients (and
// SpaceONE's own examples) send back as they got them: accepted, unused.
type userFields struct {
	userRequest
	Password       string          `json:"password"`
	Name           *string         `json:"name"`
	Email          *string         `json:"email"`
	Language       *string         `json:"language"`
	Timezone       *string         `json:"timezone"`
	Tags           json.RawMessage `json:"tags"`
	ResetPassword  bool            `json:"reset_password"`
	State          json.RawMessage `json:"state"`
	CreatedAt      json.RawMessage `json:"created_at"`
	LastAccessedAt json.RawMessage `json:"last_accessed_at"`
}

type createRequest struct {
	userFields
	UserType string `json:"user_type"`
	Backend  string `json:"backend"`
}

// create makes a user: LOCAL users of type USER need an email-formatted
// user_id and a password (or reset_password, which emails them a link to
// set one); API_USERs have no password; EXTERNAL ones need the domain's
// identity provider.
func (h *Handler) create(c echo.Context) error {
	var req createRequest
	cl, err := h.bind(c, &req, &req.DomainID)
	if err != nil {
		return fail(c, err)
	}
	n, err := newUser(req)
	if err != nil {
		return fail(c, err)
	}
	u, err := h.store.CreateUser(c.Request().Context(), cl.id(), n)
	if err != nil {
		return fail(c, err)
	}
	return c.JSON(http.StatusOK, userInfo(u, req.DomainID, nil))
}

func newUser(req createRequest) (store.NewUser, error) {
	userType, err := enum("user_type", req.UserType, "USER", "API_USER")
	if err != nil {
		return store.NewUser{}, err
	}
	back, err := enum("backend", req.Backend, "LOCAL", "EXTERNAL")
	if err != nil {
		return store.NewUser{}, err
	}
	switch {
	case req.UserID == "":
		return store.NewUser{}, required("user_id")
	case userType == "api_user" && back == "external":
		return store.NewUser{}, invalidArgument("ERROR_EXTERNAL_USER_NOT_ALLOWED_API_USER",
			"External user cannot be API_USER. (user_id = %s)", req.UserID)
	case back == "external":
		return store.NewUser{}, errNoAuthPlugin
	case userType == "api_user" && (req.Password != "" || req.ResetPassword):
		return store.NewUser{}, invalid("password", "an API_USER has no password")
	case userType != "api_user" && !emailUserID.MatchString(req.UserID):
		return store.NewUser{}, invalidArgument("ERROR_INCORRECT_USER_ID_FORMAT",
			"Incorrect format of user_id. (user_id = %s, rule = email format)", req.UserID)
	case userType != "api_user" && req.ResetPassword:
		if req.Password != "" {
			return store.NewUser{}, invalid("password", "reset_password sets the password; send one or the other")
		}
		if req.Email == nil || *req.Email == "" {
			return store.NewUser{}, invalidArgument("ERROR_UNABLE_TO_RESET_PASSWORD_WITHOUT_EMAIL",
				"Unable to reset password without email. (user_id = %s)", req.UserID)
		}
	case userType != "api_user":
		if req.Password == "" {
			return store.NewUser{}, required("password")
		}
		if err := checkPassword(req.Password); err != nil {
			return store.NewUser{}, err
		}
	}
	n := store.NewUser{Username: req.UserID, Password: req.Password, UserType: userType, Timezone: "UTC",
		Invite: req.ResetPassword}
	if req.ResetPassword {
		n.RequiredActions = []string{"update_password"}
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&n.DisplayName, req.Name)
	set(&n.Email, req.Email)
	set(&n.Language, req.Language)
	set(&n.Timezone, req.Timezone)
	if req.Tags != nil {
		if n.Tags, err = tags(req.Tags); err != nil {
			return store.NewUser{}, err
		}
	}
	return n, nil
}

// update changes name, email, language, timezone and tags, sets a new
// password (which ends UPDATE_PASSWORD), and with reset_password emails
// a reset link.
func (h *Handler) update(c echo.Context) error {
	var req userFields
	cl, u, err := h.bindUser(c, &req, &req.userRequest)
	if err != nil {
		return fail(c, err)
	}
	ctx := c.Request().Context()
	upd := store.UserUpdate{DisplayName: req.Name, Email: req.Email, Language: req.Language, Timezone: req.Timezone}
	if req.Tags != nil {
		t, err := tags(req.Tags)
		if err != nil {
			return fail(c, err)
		}
		upd.Tags = &t
	}
	if req.Password != "" {
		if backend(u) == "EXTERNAL" || u.UserType == "api_user" {
			return fail(c, invalid("password", "only LOCAL users of type USER have a password"))
		}
		if err := checkPassword(req.Password); err != nil {
			return fail(c, err)
		}
	}
	if u, err = h.store.UpdateUser(ctx, cl.id(), u.ID, upd); err != nil {
		return fail(c, err)
	}
	if req.Password != "" {
		if u, err = h.store.ChangePassword(ctx, cl.id(), u.ID, "", req.Password, true); err != nil {
			return fail(c, err)
		}
	}
	if req.ResetPassword {
		if err := h.sendReset(cl, u, true); err != nil {
			return fail(c, err)
		}
		if u, err = h.store.GetUser(ctx, cl.id(), u.ID); err != nil {
			return fail(c, err)
		}
	}
	return c.JSON(http.StatusOK, userInfo(u, req.DomainID, nil))
}

// sendReset emails u a link to set a new password, where SpaceONE would:
// never to EXTERNAL users, nor to an address missing or unverified.
// requireChange also adds UPDATE_PASSWORD.
func (h *Handler) sendReset(c *call, u store.User, requireChange bool) error {
	switch {
	case backend(u) == "EXTERNAL":
		return invalidArgument("ERROR_UNABLE_TO_RESET_PASSWORD_IN_EXTERNAL_AUTH",
			"Unable to reset password in external authentication. (user_id = %s)", u.Username)
	case u.Email == "":
		return invalidArgument("ERROR_UNABLE_TO_RESET_PASSWORD_WITHOUT_EMAIL",
			"Unable to reset password without email. (user_id = %s)", u.Username)
	case !u.EmailVerified:
		return invalidArgument("ERROR_UNABLE_TO_RESET_PASSWORD_WITH_NOT_VERIFIED_EMAIL",
			"Unable to reset password with not verified email. (user_id = %s, email = %s)", u.Username, u.Email)
	}
	res, err := h.store.SendPasswordResets(c.Request().Context(), c.id(), []string{u.PublicID()}, requireChange)
	if err != nil {
		return err
	}
	if len(res.Failed) > 0 {
		return invalid(nameOf(res.Failed[0].Field), res.Failed[0].Message)
	}
	return nil
}

// resetPassword emails the user a link to set a new password.
func (h *Handler) resetPassword(c echo.Context) error {
	var req userRequest
	cl, u, err := h.bindUser(c, &req, &req)
	if err == nil {
		err = h.sendReset(cl, u, false)
	}
	if err != nil {
		return fail(c, err)
	}
	return c.JSON(http.StatusOK, struct{}{})
}

// delete removes the user with everything that is theirs.
func (h *Handler) delete(c echo.Context) error {
	var req userRequest
	cl, u, err := h.bindUser(c, &req, &req)
	if err == nil {
		err = h.apply(cl, u, store.ActionDelete)
	}
	if err != nil {
		return fail(c, err)
	}
	return c.JSON(http.StatusOK, struct{}{})
}

func (h *Handler) apply(c *call, u store.User, kind string) error {
	res, err := h.store.ApplyUserAction(c.Request().Context(), c.id(), store.UserAction{Kind: kind}, []string{u.PublicID()})
	if err != nil {
		return err
	}
	if len(res.Failed) > 0 {
		return notFound("user_id", u.Username)
	}
	return nil
}

// setState enables or disables the user; doing it twice changes nothing.
func (h *Handler) setState(kind string) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req userRequest
		cl, u, err := h.bindUser(c, &req, &req)
		if err != nil {
			return fail(c, err)
		}
		if want := map[string]string{store.ActionEnable: store.StatusEnabled, store.ActionDisable: store.StatusDisabled}[kind]; u.Status != want {
			if err := h.apply(cl, u, kind); err != nil {
				return fail(c, err)
			}
			if u, err = h.store.GetUser(c.Request().Context(), cl.id(), u.ID); err != nil {
				return fail(c, err)
			}
		}
		return c.JSON(http.StatusOK, userInfo(u, req.DomainID, nil))
	}
}

type getRequest struct {
	userRequest
	Only []string `json:"only"`
}

// get reads one user; only picks the fields returned.
func (h *Handler) get(c echo.Context) error {
	var req getRequest
	_, u, err := h.bindUser(c, &req, &req.userRequest)
	if err != nil {
		return fail(c, err)
	}
	return c.JSON(http.StatusOK, userInfo(u, req.DomainID, req.Only))
}

type verifyRequest struct {
	userRequest
	Email *string `json:"email"`
	Force bool    `json:"force"`
}

// verifyEmail, with force, marks the address verified at once; otherwise
// it marks it unverified (setting the new one, if given) and emails a
// 6-digit code for confirm-email.
func (h *Handler) verifyEmail(c echo.Context) error {
	var req verifyRequest
	cl, u, err := h.bindUser(c, &req, &req.userRequest)
	if err != nil {
		return fail(c, err)
	}
	ctx := c.Request().Context()
	verified := req.Force
	if _, err := h.store.UpdateUser(ctx, cl.id(), u.ID, store.UserUpdate{Email: req.Email, EmailVerified: &verified}); err != nil {
		return fail(c, err)
	}
	if !req.Force {
		if err := h.store.SendVerification(ctx, cl.id(), u.ID); err != nil {
			return fail(c, err)
		}
	}
	return c.JSON(http.StatusOK, struct{}{})
}

type confirmRequest struct {
	userRequest
	VerifyCode string `json:"verify_code"`
}

// confirmEmail checks the code verify-email sent; a match verifies the
// address.
func (h *Handler) confirmEmail(c echo.Context) error {
	var req confirmRequest
	cl, u, err := h.bindUser(c, &req, &req.userRequest)
	if err != nil {
		return fail(c, err)
	}
	if req.VerifyCode == "" {
		return fail(c, required("verify_code"))
	}
	u, err = h.store.ConfirmEmailCode(c.Request().Context(), cl.id(), u.ID, req.VerifyCode)
	var fe store.FieldErrors
	if err != nil && request.AsFieldErrors(err, &fe) {
		_, why := fe.First()
		return fail(c, invalidArgument("ERROR_INVALID_VERIFY_CODE", "Invalid verify code. (verify_code = %s): %s", req.VerifyCode, why))
	}
	if err != nil {
		return fail(c, err)
	}
	return c.JSON(http.StatusOK, userInfo(u, req.DomainID, nil))
}

type requiredActionsRequest struct {
	userRequest
	Actions []string `json:"actions"`
}

// setRequiredActions adds actions to the user's (there is no removal:
// a new password ends UPDATE_PASSWORD).
func (h *Handler) setRequiredActions(c echo.Context) error {
	var req requiredActionsRequest
	cl, u, err := h.bindUser(c, &req, &req.userRequest)
	if err != nil {
		return fail(c, err)
	}
	actions := slices.Clone(u.RequiredActions)
	for _, a := range req.Actions {
		name := strings.ToLower(a)
		if !slices.Contains(store.RequiredActions, name) {
			return fail(c, invalid("actions", a+" is not a required action; use UPDATE_PASSWORD, UPDATE_PROFILE or VERIFY_EMAIL"))
		}
		if name == "update_password" && (backend(u) == "EXTERNAL" || u.UserType == "api_user") {
			return fail(c, invalidArgument("ERROR_NOT_ALLOWED_ACTIONS", "Not allowed actions. (action = %s)", a))
		}
		if !slices.Contains(actions, name) {
			actions = append(actions, name)
		}
	}
	if u, err = h.store.SetRequiredActions(c.Request().Context(), cl.id(), u.ID, actions); err != nil {
		return fail(c, err)
	}
	return c.JSON(http.StatusOK, userInfo(u, req.DomainID, nil))
}

// sync would refresh a user from the domain's identity provider; Roster
// has none, so it answers as SpaceONE does for a domain without one.
func (h *Handler) sync(c echo.Context) error {
	var req userRequest
	if _, _, err := h.bindUser(c, &req, &req); err != nil {
		return fail(c, err)
	}
	return fail(c, errNoAuthPlugin)
}

type findRequest struct {
	Search struct {
		UserID  string `json:"user_id"`
		Keyword string `json:"keyword"`
	} `json:"search"`
	DomainID string `json:"domain_id"`
}

// find searches the domain's identity provider, not the directory: there
// is none, so it answers as SpaceONE does for a domain without one.
func (h *Handler) find(c echo.Context) error {
	var req findRequest
	if _, err := h.bind(c, &req, &req.DomainID); err != nil {
		return fail(c, err)
	}
	return fail(c, errNoAuthPlugin)
}
