package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
)

type resetRequest struct {
	UserIDs               []string `json:"user_ids"`
	RequirePasswordChange *bool    `json:"require_password_change"`
}

// resetPasswords emails reset links to up to 500 users (ResetUserPassword);
// users without an email are failed items.
func (h *Handler) resetPasswords(c echo.Context) error {
	var req resetRequest
	if err := request.BindJSON(c, &req); err != nil {
		return err
	}
	if req.UserIDs == nil {
		return store.FieldErrors{"user_ids": "user_ids is required: an array of user ids."}
	}
	res, err := h.store.SendPasswordResets(c.Request().Context(), request.KeyOf(c).TenantID, req.UserIDs,
		req.RequirePasswordChange != nil && *req.RequirePasswordChange)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIBatch(res))
}

type passwordRequest struct {
	Password              *string `json:"password"`
	RequirePasswordChange *bool   `json:"require_password_change"`
}

// setPassword sets a user's password (ChangeUserPassword); the user's
// sessions end and, with "require_password_change", they choose their own
// at next sign-in. It answers the user, who never shows the password.
func (h *Handler) setPassword(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixUser)
	if err != nil {
		return err
	}
	var req passwordRequest
	if err := request.BindJSON(c, &req); err != nil {
		return err
	}
	if req.Password == nil {
		return store.FieldErrors{"password": "password is required."}
	}
	u, err := h.store.SetUserPassword(c.Request().Context(), request.KeyOf(c).TenantID, id, *req.Password,
		req.RequirePasswordChange != nil && *req.RequirePasswordChange)
	if err != nil {
		return err
	}
	return h.userJSON(c, http.StatusOK, u)
}

// verifyEmail queues a verification email (link and code): 202.
func (h *Handler) verifyEmail(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixUser)
	if err != nil {
		return err
	}
	// It takes no fields: a body, if sent, must be an empty object, so a
	// field a script expects to matter ("email", "force") is refused, not
	// silently ignored.
	if c.Request().ContentLength != 0 {
		var none struct{}
		if err := request.BindJSON(c, &none); err != nil {
			return err
		}
	}
	if err := h.store.SendVerification(c.Request().Context(), request.KeyOf(c).TenantID, id); err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, map[string]string{"status": "queued"})
}

type apiMessage struct {
	ID        string     `json:"id"`
	Kind      string     `json:"kind"`
	UserID    *string    `json:"user_id"`
	To        string     `json:"to"`
	Subject   string     `json:"subject"`
	Status    string     `json:"status"`
	Attempts  int        `json:"attempts"`
	LastError string     `json:"last_error"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at"`
}

// toAPIMessage shows a message's delivery, never its body: bodies of
// queued messages carry live links.
func toAPIMessage(m store.Message) apiMessage {
	out := apiMessage{ID: m.PublicID(), Kind: m.Email.Kind, To: m.Email.To, Subject: m.Email.Subject, Status: m.Status,
		Attempts: m.Attempts, LastError: m.LastError, CreatedAt: m.CreatedAt.UTC(), SentAt: utc(m.SentAt)}
	if m.UserID != 0 {
		id := store.PublicID(store.PrefixUser, m.UserID)
		out.UserID = &id
	}
	return out
}

// listMessages lists the outbox, newest first (status filter).
func (h *Handler) listMessages(c echo.Context) error {
	if err := onlyParams(c, "status"); err != nil {
		return err
	}
	p, fe := request.Page(c.QueryParams())
	if len(fe) > 0 {
		return request.BadParam(fe)
	}
	l, err := h.store.ListMessages(c.Request().Context(), request.KeyOf(c).TenantID, c.QueryParam("status"), p)
	if err != nil {
		return request.ListError(err)
	}
	return c.JSON(http.StatusOK, toAPIList(l, toAPIMessage))
}
