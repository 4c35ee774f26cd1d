package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
)

type apiBatchResult struct {
	Succeeded []apiBatchOK   `json:"succeeded"`
	Failed    []apiBatchFail `json:"failed"`
}

type apiBatchOK struct {
	Index int    `json:"index"`
	ID    string `json:"id"`
	Key   string `json:"key"`
}

type apiBatchFail struct {
	Index   int    `json:"index"`
	Key     string `json:"key"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func toAPIBatch(r store.BatchResult) apiBatchResult {
	out := apiBatchResult{Succeeded: []apiBatchOK{}, Failed: []apiBatchFail{}}
	for _, s := range r.Succeeded {
		out.Succeeded = append(out.Succeeded, apiBatchOK(s))
	}
	for _, f := range r.Failed {
		out.Failed = append(out.Failed, apiBatchFail(f))
	}
	return out
}

type batchCreateRequest struct {
	Users []apiUserInput `json:"users"`
}

// batchCreateUsers creates up to 500 users; each item succeeds or fails
// on its own.
func (h *Handler) batchCreateUsers(c echo.Context) error {
	var req batchCreateRequest
	if err := request.BindJSON(c, &req); err != nil {
		return err
	}
	if req.Users == nil {
		return store.FieldErrors{"users": "users is required: an array of user objects."}
	}
	if len(req.Users) > store.MaxBatch {
		return store.FieldErrors{"users": "A batch takes at most 500 users."}
	}
	// Only well-formed items go to the store; their indexes are mapped back.
	var good []store.NewUser
	var index []int
	var refused []store.BatchFailure
	for i, in := range req.Users {
		n, fe := in.newUser()
		if len(fe) > 0 {
			field, msg := fe.First()
			refused = append(refused, store.BatchFailure{Index: i, Key: n.Username, Code: "invalid", Field: field, Message: msg})
			continue
		}
		good = append(good, n)
		index = append(index, i)
	}
	res, err := h.store.CreateUsers(c.Request().Context(), request.KeyOf(c).TenantID, good)
	if err != nil {
		return err
	}
	for i := range res.Succeeded {
		res.Succeeded[i].Index = index[res.Succeeded[i].Index]
	}
	for i := range res.Failed {
		res.Failed[i].Index = index[res.Failed[i].Index]
	}
	res.Failed = mergeFailures(refused, res.Failed)
	return c.JSON(http.StatusOK, toAPIBatch(res))
}

// mergeFailures merges two index-ordered failure lists.
func mergeFailures(a, b []store.BatchFailure) []store.BatchFailure {
	out := make([]store.BatchFailure, 0, len(a)+len(b))
	for len(a) > 0 || len(b) > 0 {
		if len(b) == 0 || (len(a) > 0 && a[0].Index < b[0].Index) {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return out
}

type userActionRequest struct {
	UserIDs []string `json:"user_ids"`
	Until   *string  `json:"until"`
	// AutoLockAt goes with unlock: when the users are locked again.
	AutoLockAt *string `json:"auto_lock_at"`
}

// userAction applies lock, unlock, enable, disable or delete to up to 500
// users; unknown ids are failed items.
func (h *Handler) userAction(kind string) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req userActionRequest
		if err := request.BindJSON(c, &req); err != nil {
			return err
		}
		if req.UserIDs == nil {
			return store.FieldErrors{"user_ids": "user_ids is required: an array of user ids."}
		}
		act := store.UserAction{Kind: kind}
		if req.Until != nil {
			if kind != store.ActionLock {
				return store.FieldErrors{"until": "until goes only with /users/lock."}
			}
			t, msg := request.LockUntil(*req.Until, time.Now())
			if msg == "" && t == nil {
				msg = "Leave until out for a lock with no end."
			}
			if msg != "" {
				return store.FieldErrors{"until": msg}
			}
			act.Until = t
		}
		if req.AutoLockAt != nil {
			if kind != store.ActionUnlock {
				return store.FieldErrors{"auto_lock_at": "auto_lock_at goes only with /users/unlock; for one user, PATCH it."}
			}
			t, ok := request.Time(*req.AutoLockAt, false)
			if !ok || t == nil {
				return store.FieldErrors{"auto_lock_at": "Give a time like 2030-12-31T18:00:00Z or a date like 2030-12-31, in the future."}
			}
			act.LockAt = t
		}
		res, err := h.store.ApplyUserAction(c.Request().Context(), request.KeyOf(c).TenantID, act, req.UserIDs)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toAPIBatch(res))
	}
}

type requiredActionsRequest struct {
	Actions *[]string `json:"actions"`
}

func (h *Handler) setRequiredActions(c echo.Context) error {
	id, err := request.IDParam(c, store.PrefixUser)
	if err != nil {
		return err
	}
	var req requiredActionsRequest
	if err := request.BindJSON(c, &req); err != nil {
		return err
	}
	if req.Actions == nil {
		return store.FieldErrors{"actions": "actions is required: an array such as [\"update_password\"]."}
	}
	u, err := h.store.SetRequiredActions(c.Request().Context(), request.KeyOf(c).TenantID, id, *req.Actions)
	if err != nil {
		var fe store.FieldErrors
		if request.AsFieldErrors(err, &fe) && fe["required_actions"] != "" {
			return store.FieldErrors{"actions": fe["required_actions"]}
		}
		return err
	}
	return h.userJSON(c, http.StatusOK, u)
}

type apiStats struct {
	GroupBy string        `json:"group_by"`
	Items   []apiStatItem `json:"items"`
}

type apiStatItem struct {
	Key   string `json:"key"`
	Count int    `json:"count"`
}

func (h *Handler) userStats(c echo.Context) error {
	// Counts are tenant-wide: a filter would look honoured and not be.
	for k := range c.QueryParams() {
		if k != "group_by" {
			return &request.ParamError{Field: k, Msg: "Unknown parameter " + k + "; statistics take only group_by."}
		}
	}
	by := c.QueryParam("group_by")
	items, err := h.store.UserStats(c.Request().Context(), request.KeyOf(c).TenantID, by)
	if err != nil {
		var fe store.FieldErrors
		if request.AsFieldErrors(err, &fe) {
			return request.BadParam(fe)
		}
		return err
	}
	out := apiStats{GroupBy: by, Items: make([]apiStatItem, len(items))}
	for i, it := range items {
		out.Items[i] = apiStatItem(it)
	}
	return c.JSON(http.StatusOK, out)
}
