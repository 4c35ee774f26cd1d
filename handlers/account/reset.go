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

func (h *Handler) showForgot(c echo.Context) error {
	return request.Render(c, http.StatusOK, templates.AccountForgotPage(account(c), false, ""))
}

// forgot sends a reset link if an account matches, and answers the
// same either way. Five requests in 15 minutes from one address, and three
// for one username or address (each new link ends the previous one), are
// enough.
func (h *Handler) forgot(c echo.Context) error {
	a := account(c)
	login := c.FormValue("login")
	res, err := h.limits.Reserve(c.Request().Context(), limit.Forgot(a.Tenant.Alias, c.RealIP(), login)...)
	if err != nil {
		return err
	}
	if !res.OK {
		return h.tooMany(c, res.Wait, templates.AccountForgotPage(a, false, limit.RetryMessage(res.Wait)))
	}
	if err := h.store.RequestPasswordReset(c.Request().Context(), a.Tenant.ID, login); err != nil {
		return err
	}
	return request.Render(c, http.StatusOK, templates.AccountForgotPage(a, true, ""))
}

// linkFailed shows why a link cannot be used, with the way on.
func (h *Handler) linkFailed(c echo.Context, err error) error {
	var te store.TokenError
	if !errors.As(err, &te) {
		return err
	}
	a := account(c)
	return request.Render(c, http.StatusGone, templates.AccountMessagePage(a, "This link cannot be used", te.Reason,
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

// showReset is the page a reset or invitation link opens.
func (h *Handler) showReset(c echo.Context) error {
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
	return request.Render(c, http.StatusOK, templates.AccountPasswordPage(a, p))
}

func (h *Handler) reset(c echo.Context) error {
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
		return request.Render(c, http.StatusUnprocessableEntity, templates.AccountPasswordPage(a, p))
	}
	return request.Render(c, http.StatusOK, templates.AccountMessagePage(a, "Password set",
		"Your new password is set; every other session of your account has ended.", "Sign in", "/account/"+a.Tenant.Alias+"/login"))
}

// verifyLink confirms an address from the emailed link.
func (h *Handler) verifyLink(c echo.Context) error {
	a := account(c)
	if _, err := h.store.ConfirmEmail(c.Request().Context(), a.Tenant.ID, c.QueryParam("token")); err != nil {
		var te store.TokenError
		if errors.As(err, &te) {
			return request.Render(c, http.StatusGone, templates.AccountMessagePage(a, "This link cannot be used", te.Reason,
				"Sign in to ask for a new one", "/account/"+a.Tenant.Alias+"/login"))
		}
		return err
	}
	return request.Render(c, http.StatusOK, templates.AccountMessagePage(a, "Email address confirmed",
		"Thank you: your email address is confirmed.", "Go to your account", "/account/"+a.Tenant.Alias+"/"))
}
