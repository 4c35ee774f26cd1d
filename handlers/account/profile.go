package account

import (
	"errors"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
	"roster/web/templates"
)

func profileProps(u store.User) templates.ProfileProps {
	return templates.ProfileProps{DisplayName: u.DisplayName, Language: u.Language, Timezone: u.Timezone, Required: u.RequiredActions}
}

func (h *Handler) showProfile(c echo.Context) error {
	return h.renderProfile(c, http.StatusOK, profileProps(*account(c).User))
}

// renderProfile shows the profile page. An unconfirmed address gets the
// code form only while a code is waiting: asking for one that was never
// sent left people searching their inbox.
func (h *Handler) renderProfile(c echo.Context, code int, p templates.ProfileProps) error {
	a := account(c)
	if a.User.Email != "" && !a.User.EmailVerified {
		var err error
		if p.CodeWaiting, err = h.store.VerificationCodeWaiting(c.Request().Context(), a.Tenant.ID, a.User.ID); err != nil {
			return err
		}
	}
	return request.Render(c, code, templates.AccountProfilePage(a, p))
}

func (h *Handler) saveProfile(c echo.Context) error {
	a := account(c)
	p := templates.ProfileProps{DisplayName: c.FormValue("display_name"), Language: c.FormValue("language"),
		Timezone: c.FormValue("timezone"), Required: a.User.RequiredActions}
	_, err := h.store.UpdateOwnProfile(c.Request().Context(), a.Tenant.ID, a.User.ID, p.DisplayName, p.Language, p.Timezone)
	if errors.As(err, &p.Errors) {
		return h.renderProfile(c, http.StatusUnprocessableEntity, p)
	}
	if err != nil {
		return err
	}
	h.flash(c, "Profile saved.")
	return c.Redirect(http.StatusSeeOther, "/account/"+a.Tenant.Alias+"/")
}

// verifyCode confirms the address with the emailed code.
func (h *Handler) verifyCode(c echo.Context) error {
	a := account(c)
	code := c.FormValue("code")
	_, err := h.store.ConfirmEmailCode(c.Request().Context(), a.Tenant.ID, a.User.ID, code)
	p := profileProps(*a.User)
	if errors.As(err, &p.Errors) {
		p.Code = code
		return h.renderProfile(c, http.StatusUnprocessableEntity, p)
	}
	if err != nil {
		return err
	}
	h.flash(c, "Your email address is confirmed.")
	return c.Redirect(http.StatusSeeOther, "/account/"+a.Tenant.Alias+"/")
}

func (h *Handler) sendVerification(c echo.Context) error {
	a := account(c)
	if err := h.store.SendVerification(c.Request().Context(), a.Tenant.ID, a.User.ID); err != nil {
		return err
	}
	if h.cfg.SMTPConfigured {
		h.flash(c, "We sent a new link and code to "+a.User.Email+".")
	} else {
		h.flash(c, "Your request is recorded, but this directory has no mail server yet: the email to "+
			a.User.Email+" goes out once your administrator sets one up.")
	}
	return c.Redirect(http.StatusSeeOther, "/account/"+a.Tenant.Alias+"/")
}

// showPassword changes the password; while "update_password" is
// pending it is the only page, and the current password is not asked again.
func (h *Handler) showPassword(c echo.Context) error {
	return h.renderPassword(c, http.StatusOK, nil)
}

func (h *Handler) renderPassword(c echo.Context, code int, errs store.FieldErrors) error {
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
	return request.Render(c, code, templates.AccountPasswordPage(a, p))
}

func (h *Handler) changePassword(c echo.Context) error {
	a := account(c)
	pw := c.FormValue("password")
	if pw != c.FormValue("confirm") {
		return h.renderPassword(c, http.StatusUnprocessableEntity, store.FieldErrors{"confirm": "The two passwords differ."})
	}
	forced := slices.Contains(a.User.RequiredActions, "update_password")
	ctx := c.Request().Context()
	u, err := h.store.ChangePassword(ctx, a.Tenant.ID, a.User.ID, c.FormValue("current_password"), pw, forced)
	var fe store.FieldErrors
	if errors.As(err, &fe) {
		return h.renderPassword(c, http.StatusUnprocessableEntity, fe)
	}
	if err != nil {
		return err
	}
	// This session goes on under the new password; every other one ends.
	if err := h.accounts.RenewToken(ctx); err != nil {
		return err
	}
	h.accounts.Put(ctx, acctPWC, u.PasswordChangedAt.UnixMilli())
	h.flash(c, "Your password is changed.")
	return c.Redirect(http.StatusSeeOther, "/account/"+a.Tenant.Alias+"/")
}
