package account

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"roster/handlers/limit"
	"roster/handlers/request"
	"roster/store"
	"roster/web/templates"
)

func (h *Handler) showLogin(c echo.Context) error {
	a := account(c)
	if h.accounts.GetInt64(c.Request().Context(), acctUser) != 0 {
		return c.Redirect(http.StatusSeeOther, "/account/"+a.Tenant.Alias+"/")
	}
	return request.Render(c, http.StatusOK, templates.AccountLoginPage(a, "", ""))
}

// login signs an end user in, with the console's limits per address
// and username and per address; five wrong passwords in a row lock the
// account for 15 minutes (the store), and a locked account answers exactly
// as a wrong password does.
func (h *Handler) login(c echo.Context) error {
	a := account(c)
	username, password := c.FormValue("username"), c.FormValue("password")
	ctx := c.Request().Context()
	res, err := h.limits.Reserve(ctx, limit.SignIn("account\x00"+a.Tenant.Alias, c.RealIP(), username)...)
	if err != nil {
		return err
	}
	if !res.OK {
		return h.tooMany(c, res.Wait, templates.AccountLoginPage(a, username, limit.RetryMessage(res.Wait)))
	}
	u, err := h.store.AuthenticateUser(ctx, a.Tenant.ID, username, password)
	if errors.Is(err, store.ErrInvalidCredentials) {
		return request.Render(c, http.StatusUnauthorized, templates.AccountLoginPage(a, username, limit.BadSignIn))
	}
	h.limits.Release(ctx, res)
	switch {
	case errors.Is(err, store.ErrAccountUnavailable):
		return request.Render(c, http.StatusForbidden, templates.AccountLoginPage(a, username,
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

func (h *Handler) logout(c echo.Context) error {
	a := account(c)
	if err := h.accounts.Destroy(c.Request().Context()); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/account/"+a.Tenant.Alias+"/login")
}
