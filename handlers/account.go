package handlers

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"roster/store"
	"roster/web/templates"
)

// End-user session keys. pwc is the user's password_changed_at when the
// session began: a newer password ends the session.
const (
	acctUser  = "user_id"
	acctPWC   = "pwc"
	acctFlash = "flash"
	acctKey   = "account"
)

// account is what the end-user middleware found: the tenant of the URL
// and, on signed-in pages, the user.
func account(c echo.Context) templates.Account {
	a, _ := c.Get(acctKey).(templates.Account)
	return a
}

// loadAccountTenant resolves /account/:alias/… to its tenant.
func (h *Handler) loadAccountTenant(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		t, err := h.store.GetTenantByAlias(c.Request().Context(), c.Param("alias"))
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		a := templates.Account{Tenant: t, Flash: h.accounts.PopString(ctx, acctFlash)}
		c.Set(acctKey, a)
		return next(c)
	}
}

// requireEndUser admits signed-in end users of the URL's tenant whose
// account can still sign in and whose password has not changed since; it
// sends everyone else to sign in. Pending required actions come first:
// until done, only the pages completing them are served.
func (h *Handler) requireEndUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		a := account(c)
		login := "/account/" + a.Tenant.Alias + "/login"
		id := h.accounts.GetInt64(ctx, acctUser)
		if id == 0 {
			return c.Redirect(http.StatusSeeOther, login)
		}
		u, err := h.store.GetUser(ctx, a.Tenant.ID, id)
		pwc := int64(0)
		if err == nil && u.PasswordChangedAt != nil {
			pwc = u.PasswordChangedAt.UnixMilli()
		}
		if errors.Is(err, store.ErrNotFound) || (err == nil && (u.Status != store.StatusEnabled || u.Locked(time.Now()) ||
			pwc != h.accounts.GetInt64(ctx, acctPWC))) {
			if err := h.accounts.Destroy(ctx); err != nil {
				return err
			}
			return c.Redirect(http.StatusSeeOther, login)
		}
		if err != nil {
			return err
		}
		a.User = &u
		c.Set(acctKey, a)
		c.SetRequest(c.Request().WithContext(store.WithActor(ctx, store.Actor{Type: store.ActorUser, ID: u.PublicID(), Name: u.Username})))
		if slices.Contains(u.RequiredActions, "update_password") && !strings.HasSuffix(c.Path(), "/password") &&
			!strings.HasSuffix(c.Path(), "/logout") {
			return c.Redirect(http.StatusSeeOther, "/account/"+a.Tenant.Alias+"/password")
		}
		return next(c)
	}
}

func (h *Handler) accountFlash(c echo.Context, msg string) {
	h.accounts.Put(c.Request().Context(), acctFlash, msg)
}

func (h *Handler) showAccountLogin(c echo.Context) error {
	a := account(c)
	if h.accounts.GetInt64(c.Request().Context(), acctUser) != 0 {
		return c.Redirect(http.StatusSeeOther, "/account/"+a.Tenant.Alias+"/")
	}
	return render(c, http.StatusOK, templates.AccountLoginPage(a, "", ""))
}

// accountLogin signs an end user in, with the console's limits per address
// and username and per address; five wrong passwords in a row lock the
// account for 15 minutes (the store), and a locked account answers exactly
// as a wrong password does.
func (h *Handler) accountLogin(c echo.Context) error {
	a := account(c)
	username, password := c.FormValue("username"), c.FormValue("password")
	release, wait, ok := h.limits.reserve(signInQuotas("account\x00"+a.Tenant.Alias, c.RealIP(), username)...)
	if !ok {
		return h.tooMany(c, wait, templates.AccountLoginPage(a, username, retryMessage(wait)))
	}
	ctx := c.Request().Context()
	u, err := h.store.AuthenticateUser(ctx, a.Tenant.ID, username, password)
	if errors.Is(err, store.ErrInvalidCredentials) {
		return render(c, http.StatusUnauthorized, templates.AccountLoginPage(a, username, badSignIn))
	}
	release()
	switch {
	case errors.Is(err, store.ErrAccountUnavailable):
		return render(c, http.StatusForbidden, templates.AccountLoginPage(a, username,
			"This account is unavailable. If you think this is a mistake, ask your administrator."))
	case err != nil:
		return err
	}
	if err := h.accounts.RenewToken(ctx); err != nil {
		return err
	}
	h.accounts.Put(ctx, acctUser, u.ID)
	var pwc int64
	if u.PasswordChangedAt != nil {
		pwc = u.PasswordChangedAt.UnixMilli()
	}
	h.accounts.Put(ctx, acctPWC, pwc)
	return c.Redirect(http.StatusSeeOther, "/account/"+a.Tenant.Alias+"/")
}

func retryMessage(wait time.Duration) string {
	return fmt.Sprintf("Too many attempts. Try again in %d seconds.", int(math.Ceil(wait.Seconds())))
}

func (h *Handler) tooMany(c echo.Context, wait time.Duration, page templ.Component) error {
	c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	return render(c, http.StatusTooManyRequests, page)
}

func (h *Handler) accountLogout(c echo.Context) error {
	a := account(c)
	if err := h.accounts.Destroy(c.Request().Context()); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/account/"+a.Tenant.Alias+"/login")
}

func (h *Handler) showAccountForgot(c echo.Context) error {
	return render(c, http.StatusOK, templates.AccountForgotPage(account(c), false, ""))
}

// accountForgot sends a reset link if an account matches, and answers the
// same either way. Five requests in 15 minutes from one address, and three
// for one username or address (each new link ends the previous one), are
// enough.
func (h *Handler) accountForgot(c echo.Context) error {
	a := account(c)
	login := c.FormValue("login")
	_, wait, ok := h.limits.reserve(
		quota{"forgot\x00" + c.RealIP(), forgotPerAddress},
		quota{"forgot\x00" + a.Tenant.Alias + "\x00" + strings.ToLower(strings.TrimSpace(login)), forgotPerLogin})
	if !ok {
		return h.tooMany(c, wait, templates.AccountForgotPage(a, false, retryMessage(wait)))
	}
	if err := h.store.RequestPasswordReset(c.Request().Context(), a.Tenant.ID, login); err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.AccountForgotPage(a, true, ""))
}

// linkFailed shows why a link cannot be used, with the way on.
func (h *Handler) linkFailed(c echo.Context, err error) error {
	var te store.TokenError
	if !errors.As(err, &te) {
		return err
	}
	a := account(c)
	return render(c, http.StatusGone, templates.AccountMessagePage(a, "This link cannot be used", te.Reason,
		"Ask for a new link", "/account/"+a.Tenant.Alias+"/forgot"))
}

func (h *Handler) passwordProps(c echo.Context, action, token, username string, askCurrent bool, errs store.FieldErrors) (templates.PasswordProps, error) {
	p, err := h.store.GetPasswordPolicy(c.Request().Context(), account(c).Tenant.ID)
	if err != nil {
		return templates.PasswordProps{}, err
	}
	return templates.PasswordProps{Action: action, Token: token, AskCurrent: askCurrent, Rules: p.Rules(), Errors: errs,
		Heading: "Choose a new password", Button: "Set password", ForUsername: username}, nil
}

// showAccountReset is the page a reset or invitation link opens.
func (h *Handler) showAccountReset(c echo.Context) error {
	a := account(c)
	token := c.QueryParam("token")
	u, err := h.store.CheckResetToken(c.Request().Context(), a.Tenant.ID, token)
	if err != nil {
		return h.linkFailed(c, err)
	}
	p, err := h.passwordProps(c, "/account/"+a.Tenant.Alias+"/reset", token, u.Username, false, nil)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.AccountPasswordPage(a, p))
}

func (h *Handler) accountReset(c echo.Context) error {
	a := account(c)
	token, pw := c.FormValue("token"), c.FormValue("password")
	ctx := c.Request().Context()
	u, err := h.store.CheckResetToken(ctx, a.Tenant.ID, token)
	if err != nil {
		return h.linkFailed(c, err)
	}
	errs := store.FieldErrors{}
	if pw != c.FormValue("confirm") {
		errs["confirm"] = "The two passwords differ."
	} else if _, err := h.store.ResetPassword(ctx, a.Tenant.ID, token, pw); err != nil {
		var fe store.FieldErrors
		if !errors.As(err, &fe) {
			return h.linkFailed(c, err)
		}
		errs = fe
	}
	if len(errs) > 0 {
		p, err := h.passwordProps(c, "/account/"+a.Tenant.Alias+"/reset", token, u.Username, false, errs)
		if err != nil {
			return err
		}
		return render(c, http.StatusUnprocessableEntity, templates.AccountPasswordPage(a, p))
	}
	return render(c, http.StatusOK, templates.AccountMessagePage(a, "Password set",
		"Your new password is set; every other session of your account has ended.", "Sign in", "/account/"+a.Tenant.Alias+"/login"))
}

// accountVerifyLink confirms an address from the emailed link.
func (h *Handler) accountVerifyLink(c echo.Context) error {
	a := account(c)
	if _, err := h.store.ConfirmEmail(c.Request().Context(), a.Tenant.ID, c.QueryParam("token")); err != nil {
		var te store.TokenError
		if errors.As(err, &te) {
			return render(c, http.StatusGone, templates.AccountMessagePage(a, "This link cannot be used", te.Reason,
				"Sign in to ask for a new one", "/account/"+a.Tenant.Alias+"/login"))
		}
		return err
	}
	return render(c, http.StatusOK, templates.AccountMessagePage(a, "Email address confirmed",
		"Thank you: your email address is confirmed.", "Go to your account", "/account/"+a.Tenant.Alias+"/"))
}

func profileProps(u store.User) templates.ProfileProps {
	return templates.ProfileProps{DisplayName: u.DisplayName, Language: u.Language, Timezone: u.Timezone, Required: u.RequiredActions}
}

func (h *Handler) showAccountProfile(c echo.Context) error {
	a := account(c)
	return render(c, http.StatusOK, templates.AccountProfilePage(a, profileProps(*a.User)))
}

func (h *Handler) accountProfile(c echo.Context) error {
	a := account(c)
	p := templates.ProfileProps{DisplayName: c.FormValue("display_name"), Language: c.FormValue("language"),
		Timezone: c.FormValue("timezone"), Required: a.User.RequiredActions}
	_, err := h.store.UpdateOwnProfile(c.Request().Context(), a.Tenant.ID, a.User.ID, p.DisplayName, p.Language, p.Timezone)
	if errors.As(err, &p.Errors) {
		return render(c, http.StatusUnprocessableEntity, templates.AccountProfilePage(a, p))
	}
	if err != nil {
		return err
	}
	h.accountFlash(c, "Profile saved.")
	return c.Redirect(http.StatusSeeOther, "/account/"+a.Tenant.Alias+"/")
}

// accountVerifyCode confirms the address with the emailed code.
func (h *Handler) accountVerifyCode(c echo.Context) error {
	a := account(c)
	code := c.FormValue("code")
	_, err := h.store.ConfirmEmailCode(c.Request().Context(), a.Tenant.ID, a.User.ID, code)
	p := profileProps(*a.User)
	if errors.As(err, &p.Errors) {
		p.Code = code
		return render(c, http.StatusUnprocessableEntity, templates.AccountProfilePage(a, p))
	}
	if err != nil {
		return err
	}
	h.accountFlash(c, "Your email address is confirmed.")
	return c.Redirect(http.StatusSeeOther, "/account/"+a.Tenant.Alias+"/")
}

func (h *Handler) accountSendVerification(c echo.Context) error {
	a := account(c)
	if err := h.store.SendVerification(c.Request().Context(), a.Tenant.ID, a.User.ID); err != nil {
		return err
	}
	h.accountFlash(c, "We sent a new link and code to "+a.User.Email+".")
	return c.Redirect(http.StatusSeeOther, "/account/"+a.Tenant.Alias+"/")
}

// showAccountPassword changes the password; while "update_password" is
// pending it is the only page, and the current password is not asked again.
func (h *Handler) showAccountPassword(c echo.Context) error {
	return h.renderAccountPassword(c, http.StatusOK, nil)
}

func (h *Handler) renderAccountPassword(c echo.Context, code int, errs store.FieldErrors) error {
	a := account(c)
	forced := slices.Contains(a.User.RequiredActions, "update_password")
	p, err := h.passwordProps(c, "/account/"+a.Tenant.Alias+"/password", "", a.User.Username, !forced, errs)
	if err != nil {
		return err
	}
	if forced {
		p.Heading = "Choose a new password to continue"
	} else {
		p.Heading = "Change your password"
	}
	return render(c, code, templates.AccountPasswordPage(a, p))
}

func (h *Handler) accountPassword(c echo.Context) error {
	a := account(c)
	pw := c.FormValue("password")
	if pw != c.FormValue("confirm") {
		return h.renderAccountPassword(c, http.StatusUnprocessableEntity, store.FieldErrors{"confirm": "The two passwords differ."})
	}
	forced := slices.Contains(a.User.RequiredActions, "update_password")
	ctx := c.Request().Context()
	u, err := h.store.ChangePassword(ctx, a.Tenant.ID, a.User.ID, c.FormValue("current_password"), pw, forced)
	var fe store.FieldErrors
	if errors.As(err, &fe) {
		return h.renderAccountPassword(c, http.StatusUnprocessableEntity, fe)
	}
	if err != nil {
		return err
	}
	// This session goes on under the new password; every other one ends.
	if err := h.accounts.RenewToken(ctx); err != nil {
		return err
	}
	h.accounts.Put(ctx, acctPWC, u.PasswordChangedAt.UnixMilli())
	h.accountFlash(c, "Your password is changed.")
	return c.Redirect(http.StatusSeeOther, "/account/"+a.Tenant.Alias+"/")
}
