package acs

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"roster/handlers/request"
	"roster/store"
)

// Path is where the RPC requests sent to "/" are routed inside Roster
// (see Route); the signatures still cover "/".
const Path = "/.acs"

// Window is how far a request's timestamp may be from the server's clock,
// either way; a nonce is remembered for as long.
const Window = 15 * time.Minute

// Action is one operation of an API spoken over the protocol.
type Action struct {
	// Write marks an action that changes something: viewer pairs are
	// refused it.
	Write bool
	// ReadOnly marks an action that changes nothing at all: it runs while
	// the request's nonce is written, and answers once the nonce is known
	// to be fresh (a replay is refused all the same), so the nonce's write
	// does not add its latency to a signed read's.
	ReadOnly bool
	Serve    func(c *Call) (Reply, error)
}

// Call is a request whose signature checked out: its parameters (query
// and form body together) and the pair that signed it.
type Call struct {
	echo.Context
	Params url.Values
	Key    store.AccessKey

	nonce    string    // the request's SignatureNonce
	signedAt time.Time // the request's timestamp
}

// Reply is an action's answer: a pointer to a struct embedding Common,
// encoded as JSON.
type Reply interface{ setRequestID(string) }

// Common is what every answer carries; actions' replies embed it.
type Common struct {
	RequestId string `json:"RequestId"` //nolint:revive // the protocol's spelling
}

func (a *Common) setRequestID(id string) { a.RequestId = id }

// Handler serves the actions of every API registered with it.
type Handler struct {
	store *store.Store
	apis  map[string]map[string]Action // Version -> Action name -> Action
}

// New returns a Handler with no API yet.
func New(st *store.Store) *Handler {
	return &Handler{store: st, apis: map[string]map[string]Action{}}
}

// Register adds an action of the API of version.
func (h *Handler) Register(version, name string, a Action) {
	if h.apis[version] == nil {
		h.apis[version] = map[string]Action{}
	}
	h.apis[version][name] = a
}

// Route sends the protocol's requests, which all go to "/", to Path: a
// POST to "/", or a request naming an Action in its query or headers. A
// plain GET of "/" stays the console's.
func Route(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.URL.Path == "/" && (r.Method == http.MethodPost || r.URL.Query().Has("Action") || r.Header.Get("x-acs-action") != "") {
			r.URL.Path, r.URL.RawPath = Path, ""
		}
		return next(c)
	}
}

// Serve is the route of Path.
func (h *Handler) Serve(c echo.Context) error {
	call, ver, name, err := h.verify(c)
	if err != nil {
		return fail(c, err)
	}
	api, ok := h.apis[ver]
	if !ok {
		return fail(c, &Error{http.StatusBadRequest, "InvalidVersion", "Specified parameter Version is not valid: " + ver})
	}
	a, ok := api[name]
	if !ok {
		return fail(c, &Error{http.StatusNotFound, "InvalidAction.NotFound", "Specified api is not found, please check your url and method: " + name})
	}
	if a.Write && !call.Key.Role.CanWrite() {
		return fail(c, &Error{http.StatusForbidden, "Forbidden", "This AccessKey is read-only (role viewer): " + name + " changes the directory."})
	}
	if err := h.store.AccessKeyUsed(c.Request().Context(), call.Key); err != nil {
		return err
	}
	fresh, signed := make(chan error, 1), c.Request().Context()
	go func() { fresh <- h.once(signed, call) }()
	if !a.ReadOnly {
		if err := <-fresh; err != nil {
			return fail(c, err)
		}
	}
	ctx := store.WithActor(c.Request().Context(), store.Actor{Type: store.ActorAPIKey, ID: call.Key.AccessKeyID, Name: call.Key.Name})
	c.SetRequest(c.Request().WithContext(ctx))
	reply, err := a.Serve(call)
	if a.ReadOnly {
		if nerr := <-fresh; nerr != nil {
			return fail(c, nerr)
		}
	}
	if err != nil {
		return fail(c, err)
	}
	reply.setRequestID(request.ID(c))
	return c.JSON(http.StatusOK, reply)
}

// verify checks the request's signature, its time and its nonce's length, and
// returns it as a Call with the API version and action it names (taken
// only from what was signed).
func (h *Handler) verify(c echo.Context) (*Call, string, string, error) {
	r := c.Request()
	body, err := readForm(r)
	if err != nil {
		return nil, "", "", err
	}
	params, err := mergeParams(r.URL.Query(), body)
	if err != nil {
		return nil, "", "", err
	}
	if p := params.Get("Format"); p != "" && !strings.EqualFold(p, "json") {
		return nil, "", "", invalid("Format", "only JSON answers are served, not "+p)
	}
	if auth := r.Header.Get("Authorization"); strings.HasPrefix(auth, v3Scheme) {
		return h.verifyV3(c, auth, params, body)
	}
	return h.verifyV2(c, params)
}

// form is a request's form body: its parsed values and raw bytes (a
// version 3 signature covers the bytes).
type form struct {
	values url.Values
	raw    []byte
}

func readForm(r *http.Request) (form, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return form{values: url.Values{}}, nil
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return form{}, err // the body limits answer it
	}
	f := form{values: url.Values{}, raw: raw}
	if len(raw) == 0 {
		return f, nil
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		return form{}, &Error{http.StatusBadRequest, "InvalidParameter", "The body must be application/x-www-form-urlencoded."}
	}
	if f.values, err = url.ParseQuery(string(raw)); err != nil {
		return form{}, invalid("body", "not a valid form: "+err.Error())
	}
	return f, nil
}

// mergeParams is the query and the form body as one set of parameters. A
// parameter given twice is refused: which one was meant, and signed,
// would be a guess.
func mergeParams(query url.Values, body form) (url.Values, error) {
	out := url.Values{}
	for _, v := range []url.Values{query, body.values} {
		for k, xs := range v {
			if len(xs) > 1 || out.Has(k) {
				return nil, invalid(k, "given more than once")
			}
			out[k] = xs
		}
	}
	return out, nil
}

func (h *Handler) verifyV2(c echo.Context, params url.Values) (*Call, string, string, error) {
	for _, k := range []string{"AccessKeyId", "Signature", "SignatureMethod", "SignatureVersion", "SignatureNonce", "Timestamp", "Action", "Version"} {
		if params.Get(k) == "" {
			return nil, "", "", missing(k)
		}
	}
	if m := params.Get("SignatureMethod"); m != "HMAC-SHA1" {
		return nil, "", "", invalid("SignatureMethod", "must be HMAC-SHA1, not "+m)
	}
	if v := params.Get("SignatureVersion"); v != "1.0" {
		return nil, "", "", invalid("SignatureVersion", "must be 1.0, not "+v)
	}
	if params.Has("SecurityToken") {
		return nil, "", "", invalid("SecurityToken", "STS tokens are not supported; sign with an AccessKey pair")
	}
	at, err := h.fresh(params.Get("Timestamp"))
	if err != nil {
		return nil, "", "", err
	}
	key, secret, err := h.key(c, params.Get("AccessKeyId"))
	if err != nil {
		return nil, "", "", err
	}
	sig, ok := decodeV2Signature(params.Get("Signature"))
	if !ok || !hmac.Equal(sig, signV2(c.Request().Method, params, secret)) {
		return nil, "", "", errSignature
	}
	nonce := params.Get("SignatureNonce")
	if len(nonce) > maxNonce {
		return nil, "", "", invalid("SignatureNonce", "longer than 128 characters")
	}
	return &Call{Context: c, Params: params, Key: key, nonce: nonce, signedAt: at}, params.Get("Version"), params.Get("Action"), nil
}

func (h *Handler) verifyV3(c echo.Context, header string, params url.Values, body form) (*Call, string, string, error) {
	r := c.Request()
	a, ok := parseV3Auth(header)
	if !ok {
		return nil, "", "", &Error{http.StatusBadRequest, "IncompleteSignature", "The Authorization header is not Credential=…,SignedHeaders=…,Signature=… (hex)."}
	}
	for _, need := range v3Required {
		if !slices.Contains(a.signedHeaders, need) {
			return nil, "", "", &Error{http.StatusBadRequest, "IncompleteSignature", "SignedHeaders must include " + need + "."}
		}
	}
	for _, k := range []string{"x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"} {
		if r.Header.Get(k) == "" {
			return nil, "", "", missing(k)
		}
	}
	sum := sha256.Sum256(body.raw)
	bodyHash := hex.EncodeToString(sum[:])
	if r.Header.Get("x-acs-content-sha256") != bodyHash {
		return nil, "", "", errSignature
	}
	at, err := h.fresh(r.Header.Get("x-acs-date"))
	if err != nil {
		return nil, "", "", err
	}
	key, secret, err := h.key(c, a.accessKeyID)
	if err != nil {
		return nil, "", "", err
	}
	if !hmac.Equal(a.signature, signV3(r, a, bodyHash, secret)) {
		return nil, "", "", errSignature
	}
	nonce := r.Header.Get("x-acs-signature-nonce")
	if len(nonce) > maxNonce {
		return nil, "", "", invalid("SignatureNonce", "longer than 128 characters")
	}
	return &Call{Context: c, Params: params, Key: key, nonce: nonce, signedAt: at}, r.Header.Get("x-acs-version"), r.Header.Get("x-acs-action"), nil
}

// fresh parses a request's timestamp and checks that it is within Window
// of now.
func (h *Handler) fresh(ts string) (time.Time, error) {
	at, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		return time.Time{}, &Error{http.StatusBadRequest, "InvalidTimeStamp.Format", "Specified time stamp is not valid (want UTC, 2006-01-02T15:04:05Z): " + ts}
	}
	if d := h.store.Now().Sub(at); d > Window || d < -Window {
		return time.Time{}, &Error{http.StatusBadRequest, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired: it must be within 15 minutes of the server's time."}
	}
	return at, nil
}

// key returns the active pair id names and its secret.
func (h *Handler) key(c echo.Context, id string) (store.AccessKey, []byte, error) {
	k, secret, err := h.store.AccessKeySecret(c.Request().Context(), id)
	switch {
	case errors.Is(err, store.ErrInvalidCredentials):
		return store.AccessKey{}, nil, &Error{http.StatusNotFound, "InvalidAccessKeyId.NotFound", "Specified access key is not found or revoked."}
	case errors.Is(err, store.ErrNoServerKey):
		return store.AccessKey{}, nil, &Error{http.StatusServiceUnavailable, "ServiceUnavailable", "AccessKeys are off: Roster was started without a server key (--secret-key-file)."}
	}
	return k, secret, err
}

// maxNonce is the longest SignatureNonce taken, in bytes.
const maxNonce = 128

// once remembers the nonce of call, refusing one its pair used before.
func (h *Handler) once(ctx context.Context, call *Call) error {
	err := h.store.RememberNonce(ctx, call.Key.ID, call.nonce, call.signedAt.Add(Window))
	if errors.Is(err, store.ErrNonceUsed) {
		return &Error{http.StatusBadRequest, "SignatureNonceUsed", "Specified signature nonce was used already: a replayed request is refused."}
	}
	return err
}
