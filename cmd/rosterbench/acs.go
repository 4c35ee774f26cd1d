package main

import (
	"bufio"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sync/atomic"
	"time"

	"roster/handlers/acs"
)

// acsClient signs requests of Alibaba Cloud's RPC protocol (version 2,
// in the query, as pop-core sends them) with an AccessKey pair.
type acsClient struct {
	base, id, secret string
	nonce            atomic.Int64
}

// newACSClient creates a viewer AccessKey pair in db, sealed under the
// server key in keyFile, for the server at base.
func newACSClient(bin, db, keyFile, base string) (*acsClient, error) {
	out, err := cli(bin, "accesskey", "create", "--db", db, "--secret-key-file", keyFile, "--role", "viewer", "--name", "bench")
	if err != nil {
		return nil, err
	}
	id := regexp.MustCompile(`AccessKeyId:\s+(\S+)`).FindStringSubmatch(out)
	secret := regexp.MustCompile(`AccessKeySecret:\s+(\S+)`).FindStringSubmatch(out)
	if id == nil || secret == nil {
		return nil, fmt.Errorf("no AccessKey pair in %q", out)
	}
	return &acsClient{base: base, id: id[1], secret: secret[1]}, nil
}

// get is a signed GET of action, with a nonce of its own: each may be
// sent once.
func (a *acsClient) get(action, version string, params url.Values) *http.Request {
	p := url.Values{}
	for k, v := range params {
		p[k] = v
	}
	p.Set("Action", action)
	p.Set("Version", version)
	p.Set("Format", "JSON")
	p.Set("AccessKeyId", a.id)
	p.Set("SignatureMethod", "HMAC-SHA1")
	p.Set("SignatureVersion", "1.0")
	p.Set("SignatureNonce", fmt.Sprintf("bench-%d-%d", os.Getpid(), a.nonce.Add(1)))
	p.Set("Timestamp", time.Now().UTC().Format("2006-01-02T15:04:05Z"))
	acs.SignV2(http.MethodGet, p, a.secret)
	r, _ := http.NewRequest(http.MethodGet, a.base+"/?"+p.Encode(), nil)
	return r
}

// presignedPerSecond is how many signed requests a scenario's file holds
// for each second it runs: more than the server can answer, so wrk never
// sends one twice (a nonce replayed is refused, and counted as an error).
const presignedPerSecond = 20000

// presignedScript is a wrk script that sends the request paths of the
// file in its first argument, each once: wrk's threads take alternate
// lines.
const presignedScript = `
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
function init(args)
  paths = {}
  local i = 0
  local step = tonumber(args[2])
  for line in io.lines(args[1]) do
    if i % step == id then paths[#paths + 1] = line end
    i = i + 1
  end
  next_path = 0
end
function request()
  next_path = next_path % #paths + 1
  return wrk.format(nil, paths[next_path])
end
`

// presign writes n requests of req, each signed anew, for wrk's
// presignedScript to send; it returns the script's arguments.
func presign(dir string, req func() *http.Request, n, threads int) ([]string, error) {
	script := filepath.Join(dir, "presigned.lua")
	if err := os.WriteFile(script, []byte(presignedScript), 0o600); err != nil {
		return nil, err
	}
	paths := filepath.Join(dir, "presigned.txt")
	f, err := os.Create(paths)
	if err != nil {
		return nil, err
	}
	w := bufio.NewWriter(f)
	for range n {
		fmt.Fprintln(w, req().URL.RequestURI())
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return []string{script, paths, fmt.Sprint(threads)}, nil
}
