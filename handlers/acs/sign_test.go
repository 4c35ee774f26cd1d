package acs

import (
	"net/url"
	"testing"
)

// Both signature versions percent-encode as RFC 3986 does, whatever
// encoding the client sent (a space arrives as + from some, %20 from
// others): unreserved characters stay, everything else is %XX in upper
// case, UTF-8 byte by byte.
func TestCanonicalQueryEncodesAsTheSignersDo(t *testing.T) {
	v, err := url.ParseQuery("Filter=a%2Am+~x%2By&Note=%C3%BC&Empty=&A.1=b!'()")
	if err != nil {
		t.Fatal(err)
	}
	want := "A.1=b%21%27%28%29&Empty=&Filter=a%2Am%20~x%2By&Note=%C3%BC"
	if got := canonicalQuery(v, ""); got != want {
		t.Errorf("canonicalQuery = %q,\nwant            %q", got, want)
	}
	v.Set("Signature", "x")
	if got := canonicalQuery(v, "Signature"); got != want {
		t.Errorf("canonicalQuery without Signature = %q, want %q", got, want)
	}
}

func TestParseV3Authorization(t *testing.T) {
	a, ok := parseV3Auth("ACS3-HMAC-SHA256 Credential=RAKX,SignedHeaders=host;x-acs-date,Signature=0a1b")
	if !ok || a.accessKeyID != "RAKX" || len(a.signedHeaders) != 2 || a.signedHeaders[1] != "x-acs-date" || len(a.signature) != 2 {
		t.Fatalf("parseV3Auth = %+v, %v", a, ok)
	}
	for _, bad := range []string{
		"ACS3-HMAC-SHA256 Credential=RAKX,SignedHeaders=host",              // no signature
		"ACS3-HMAC-SHA256 Credential=RAKX,SignedHeaders=host,Signature=zz", // not hex
		"Bearer rst_key",
	} {
		if _, ok := parseV3Auth(bad); ok {
			t.Errorf("parseV3Auth(%q) accepted", bad)
		}
	}
}
