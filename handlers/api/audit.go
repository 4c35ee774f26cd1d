package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
)

type apiActor struct {
	Type string `json:"type"`
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
}

type apiAuditEvent struct {
	ID            string        `json:"id"`
	Actor         apiActor      `json:"actor"`
	Action        string        `json:"action"`
	TargetType    string        `json:"target_type"`
	TargetID      string        `json:"target_id"`
	TargetName    string        `json:"target_name"` // as it was when the event was written
	Changes       store.Changes `json:"changes"`
	RequestID     string        `json:"request_id"`
	ClientAddress string        `json:"client_address"`
	UserAgent     string        `json:"user_agent"`
	CreatedAt     time.Time     `json:"created_at"`
}

func toAPIAuditEvent(e store.AuditEvent) apiAuditEvent {
	return apiAuditEvent{ID: store.PublicID(store.PrefixEvent, e.ID), Actor: apiActor(e.Actor), Action: e.Action,
		TargetType: e.TargetType, TargetID: e.TargetID, TargetName: e.TargetName, Changes: e.Changes, RequestID: e.RequestID,
		ClientAddress: e.Client.Address, UserAgent: e.Client.UserAgent, CreatedAt: e.CreatedAt.UTC()}
}

// listAuditEvents lists the key's tenant's audit events, newest first.
func (h *Handler) listAuditEvents(c echo.Context) error {
	f, fe := request.AuditFilter(c.QueryParams())
	if len(fe) > 0 {
		return request.BadParam(fe)
	}
	l, err := h.store.ListAuditEvents(c.Request().Context(), request.KeyOf(c).TenantID, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIList(l, toAPIAuditEvent))
}
