package store

import (
	"crypto/rand"
	"encoding/base32"
	"strconv"
	"strings"
)

// Prefixes of public ids, one per kind of object.
const (
	PrefixTenant = "t"
	PrefixAdmin  = "adm"
	PrefixEvent  = "ev"
)

// PublicID formats a row id for URLs and the API: a kind prefix and the id in
// base 36, such as "t_1" or "adm_2s". Ids are not secrets; isolation comes
// from every query filtering by tenant.
func PublicID(prefix string, id int64) string {
	return prefix + "_" + strconv.FormatInt(id, 36)
}

// ParseID reverses PublicID; ok is false for anything it did not make.
func ParseID(prefix, s string) (id int64, ok bool) {
	v, found := strings.CutPrefix(s, prefix+"_")
	if !found || v == "" || len(v) > 13 {
		return 0, false
	}
	id, err := strconv.ParseInt(v, 36, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 36) != v {
		return 0, false
	}
	return id, true
}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// randomString returns n random bytes as lower-case base32 text.
func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return strings.ToLower(b32.EncodeToString(b))
}
