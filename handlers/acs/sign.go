// Package acs serves Alibaba Cloud's RPC protocol (the "ACS" of its
// headers): requests to "/" naming an Action and a Version, signed with an
// AccessKey pair by either of the two signature versions its SDKs send,
// answered in its JSON shapes. The APIs spoken over it (eds-user, EIAM)
// register their actions here; this package checks who is calling and
// whether the request is fresh, and nothing about users.
package acs

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// percent encodes s as both signature versions do: RFC 3986 unreserved
// characters stay, everything else is %XX (a space is %20, never +).
func percent(s string) string {
	e := url.QueryEscape(s)
	e = strings.ReplaceAll(e, "+", "%20")
	e = strings.ReplaceAll(e, "*", "%2A")
	return strings.ReplaceAll(e, "%7E", "~")
}

// canonicalQuery is the sorted, percent-encoded key=value list both
// versions sign, without the key skip (V2's own Signature).
func canonicalQuery(v url.Values, skip string) string {
	keys := make([]string, 0, len(v))
	for k := range v {
		if k != skip {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, x := range v[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(percent(k) + "=" + percent(x))
		}
	}
	return b.String()
}

// signV2 is the signature of version 2 (HMAC-SHA1) of a request with
// these parameters (the query and the form body together), base64.
func signV2(method string, params url.Values, secret []byte) []byte {
	toSign := method + "&" + percent("/") + "&" + percent(canonicalQuery(params, "Signature"))
	m := hmac.New(sha1.New, append(slices.Clip(secret), '&'))
	m.Write([]byte(toSign))
	return m.Sum(nil)
}

// SignV2 sets params' Signature of version 2, for a request sent with
// method: Go programs that call Roster without Alibaba's SDK (Roster's
// benchmark) sign with the very code that verifies.
func SignV2(method string, params url.Values, secret string) {
	params.Set("Signature", base64.StdEncoding.EncodeToString(signV2(method, params, []byte(secret))))
}

// v3Auth is the Authorization header of version 3 (ACS3-HMAC-SHA256).
type v3Auth struct {
	accessKeyID   string
	signedHeaders []string
	signature     []byte
}

const v3Scheme = "ACS3-HMAC-SHA256"

// parseV3Auth reads "ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…".
func parseV3Auth(h string) (v3Auth, bool) {
	rest, ok := strings.CutPrefix(h, v3Scheme+" ")
	if !ok {
		return v3Auth{}, false
	}
	var a v3Auth
	var sig string
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			a.accessKeyID = v
		case "SignedHeaders":
			a.signedHeaders = strings.Split(v, ";")
		case "Signature":
			sig = v
		}
	}
	var err error
	if a.signature, err = hex.DecodeString(sig); err != nil || a.accessKeyID == "" || len(a.signedHeaders) == 0 || len(a.signature) == 0 {
		return v3Auth{}, false
	}
	return a, true
}

// v3Required are the headers a version 3 signature must cover: without
// any of them a captured request could be replayed as another action, at
// another time, or with another body.
var v3Required = []string{"host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"}

// signV3 is the signature of version 3 of r, whose body hashes to
// bodyHash (hex), over the headers a names. The path is always "/": the
// protocol has no other.
func signV3(r *http.Request, a v3Auth, bodyHash string, secret []byte) []byte {
	var headers strings.Builder
	for _, h := range a.signedHeaders {
		v := r.Header.Get(h)
		if h == "host" {
			v = r.Host
		}
		headers.WriteString(h + ":" + strings.TrimSpace(v) + "\n")
	}
	canonical := strings.Join([]string{r.Method, "/", canonicalQuery(r.URL.Query(), ""), headers.String(),
		strings.Join(a.signedHeaders, ";"), bodyHash}, "\n")
	sum := sha256.Sum256([]byte(canonical))
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(v3Scheme + "\n" + hex.EncodeToString(sum[:])))
	return m.Sum(nil)
}

// decodeV2Signature reads V2's base64 Signature parameter.
func decodeV2Signature(s string) ([]byte, bool) {
	b, err := base64.StdEncoding.DecodeString(s)
	return b, err == nil && len(b) > 0
}
