package console

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
	"roster/web/templates"
)

// showEmailSettings lists the tenant's outbox, newest first.
func (h *Handler) showEmailSettings(c echo.Context) error {
	q := c.QueryParams()
	page, fe := request.Page(q)
	if len(fe) > 0 {
		return request.BadParam(fe)
	}
	p := templates.EmailSettingsProps{Configured: h.cfg.SMTPConfigured, Status: q.Get("status")}
	l, err := h.store.ListMessages(c.Request().Context(), shell(c).Tenant.ID, p.Status, page)
	if err != nil {
		return request.ListError(err)
	}
	if !shell(c).Role.CanWrite() {
		// Viewers are never sent a message's text, not even in a hidden
		// element: an undelivered reset or invitation link is a way in.
		for i := range l.Items {
			l.Items[i].Email.Text, l.Items[i].Email.HTML = "", ""
		}
	}
	p.List = l
	if l.Next != "" {
		p.NextURL = "/settings/email" + request.WithParam(q, "next_token", l.Next)
	}
	return request.Render(c, http.StatusOK, templates.EmailSettingsPage(p))
}

func (h *Handler) resendMessage(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixMessage)
	if err != nil {
		return err
	}
	err = h.store.ResendMessage(c.Request().Context(), shell(c).Tenant.ID, id)
	var fe store.FieldErrors
	if errors.As(err, &fe) {
		_, msg := fe.First()
		h.flash(c, msg)
	} else if err != nil {
		return err
	} else {
		h.flash(c, "The message is queued again.")
	}
	return c.Redirect(http.StatusSeeOther, "/settings/email")
}

func policyForm(p store.PasswordPolicy) templates.PolicyForm {
	return templates.PolicyForm{MinLength: strconv.Itoa(p.MinLength), Classes: strconv.Itoa(p.Classes),
		History: strconv.Itoa(p.History), ExpiryDays: strconv.Itoa(p.ExpiryDays)}
}

func (h *Handler) showPasswordPolicy(c echo.Context) error {
	p, err := h.store.GetPasswordPolicy(c.Request().Context(), shell(c).Tenant.ID)
	if err != nil {
		return err
	}
	return request.Render(c, http.StatusOK, templates.PasswordPolicyPage(policyForm(p), nil))
}

func (h *Handler) updatePasswordPolicy(c echo.Context) error {
	f := templates.PolicyForm{MinLength: c.FormValue("min_length"), Classes: c.FormValue("classes"),
		History: c.FormValue("history"), ExpiryDays: c.FormValue("expiry_days")}
	var p store.PasswordPolicy
	fe := store.FieldErrors{}
	for _, v := range []struct {
		name, val string
		dst       *int
	}{{"min_length", f.MinLength, &p.MinLength}, {"classes", f.Classes, &p.Classes},
		{"history", f.History, &p.History}, {"expiry_days", f.ExpiryDays, &p.ExpiryDays}} {
		n, err := strconv.Atoi(v.val)
		if err != nil {
			fe[v.name] = "Enter a whole number."
		}
		*v.dst = n
	}
	if len(fe) == 0 {
		err := h.store.SetPasswordPolicy(c.Request().Context(), shell(c).Tenant.ID, p)
		if !errors.As(err, &fe) && err != nil {
			return err
		}
	}
	if len(fe) > 0 {
		return request.Render(c, http.StatusUnprocessableEntity, templates.PasswordPolicyPage(f, fe))
	}
	h.flash(c, "Password policy saved.")
	return c.Redirect(http.StatusSeeOther, "/settings/password-policy")
}
