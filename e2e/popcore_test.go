package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/playwright-community/playwright-go"
)

// popCoreVersion is the version of @alicloud/pop-core e2e/popcore pins.
const popCoreVersion = "1.8.0"

const popCoreHint = "run `make e2e-setup` (installs Debian's Node.js and @alicloud/pop-core " + popCoreVersion +
	" from e2e/popcore into .cache/popcore) and use `make test`"

// popCore is Alibaba Cloud's npm client, run by Node.js, signing with one
// AccessKey pair against one Roster.
type popCore struct {
	node, modules, endpoint, id, secret string
}

// newPopCore finds Node.js and pop-core (POPCORE_PATH, else .cache/popcore):
// under make test a missing one fails the test, saying how to install it;
// elsewhere it skips, like the rest of e2e.
func newPopCore(t *testing.T, a *app, id, secret string) popCore {
	t.Helper()
	unavailable := func(why string) {
		t.Helper()
		if required {
			t.Fatalf("%s: %s", why, popCoreHint)
		}
		t.Skipf("pop-core e2e skipped outside make test (ROSTER_E2E_REQUIRED unset, where this fails instead): %s (%s)", why, popCoreHint)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		unavailable("node (Node.js) is not on the PATH")
	}
	dir := os.Getenv("POPCORE_PATH")
	if dir == "" {
		dir = filepath.Join("..", ".cache", "popcore")
	}
	dir, _ = filepath.Abs(dir)
	var pkg struct{ Version string }
	b, err := os.ReadFile(filepath.Join(dir, "node_modules", "@alicloud", "pop-core", "package.json"))
	if err != nil || json.Unmarshal(b, &pkg) != nil {
		unavailable("@alicloud/pop-core is not installed in " + dir)
	}
	if pkg.Version != popCoreVersion {
		unavailable(fmt.Sprintf("@alicloud/pop-core in %s is %s, not %s", dir, pkg.Version, popCoreVersion))
	}
	return popCore{node: node, modules: filepath.Join(dir, "node_modules"), endpoint: a.URL, id: id, secret: secret}
}

// popCoreError is what pop-core raised: the answer's Code and Message.
type popCoreError struct{ Code, Message string }

// call runs action of the API version with params, POSTed as pop-core's
// users do, and returns the answer's body, or what pop-core raised.
func (p popCore) call(t *testing.T, version, action string, params map[string]any) (map[string]any, *popCoreError) {
	t.Helper()
	if params == nil {
		params = map[string]any{} // pop-core takes an object, never null
	}
	in, _ := json.Marshal(map[string]any{"action": action, "params": params, "config": map[string]string{
		"accessKeyId": p.id, "accessKeySecret": p.secret, "endpoint": p.endpoint, "apiVersion": version}})
	cmd := exec.Command(p.node, filepath.Join("popcore", "call.js"))
	cmd.Env = append(os.Environ(), "NODE_PATH="+p.modules)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pop-core %s: %v\n%s", action, err, stderr.String())
	}
	var res struct {
		Error *popCoreError `json:"error"`
	}
	var body map[string]any
	if json.Unmarshal(out, &res) != nil || json.Unmarshal(out, &body) != nil {
		t.Fatalf("pop-core %s printed %q", action, out)
	}
	if res.Error != nil {
		return nil, res.Error
	}
	return body, nil
}

// A script using Alibaba Cloud's npm client, @alicloud/pop-core, with a
// pair made on the API keys page, runs a user's whole life through
// eds-user against the real binary: create, describe, lock, filter,
// remove. It also trades an authorization code made on the page for its
// administrator, and lists users through EIAM.
func TestPopCoreDrivesEdsUser(t *testing.T) {
	t.Parallel()
	a := startRoster(t)
	page := newPage(t)
	signIn(t, page, a, "admin", a.OwnerPassword)
	id, secret := createPairOnPage(t, page, a, "node script")
	pc := newPopCore(t, a, id, secret)
	eds := func(action string, params map[string]any) map[string]any {
		t.Helper()
		got, perr := pc.call(t, "2021-03-08", action, params)
		if perr != nil {
			t.Fatalf("pop-core %s(%v) = %s: %s", action, params, perr.Code, perr.Message)
		}
		return got
	}
	users := func(got map[string]any) []map[string]any {
		t.Helper()
		var out []map[string]any
		for _, u := range got["Users"].([]any) {
			out = append(out, u.(map[string]any))
		}
		return out
	}

	got := eds("CreateUsers", map[string]any{"Users": []map[string]any{
		{"EndUserId": "grace_h", "Email": "grace@example.com", "RealNickName": "Grace Hopper", "Password": "Correct-horse-9"},
		{"EndUserId": "alan_t", "Email": "alan@example.com", "Password": "Correct-horse-9"},
	}})
	if got["AllSucceed"] != true {
		t.Fatalf("CreateUsers = %v", got)
	}
	if us := users(eds("DescribeUsers", map[string]any{"EndUserIds": []string{"grace_h"}})); len(us) != 1 ||
		us[0]["Email"] != "grace@example.com" || us[0]["RealNickName"] != "Grace Hopper" || fmt.Sprint(us[0]["Status"]) != "0" {
		t.Fatalf("DescribeUsers(grace_h) = %v", us)
	}
	if r := eds("LockUsers", map[string]any{"Users": []string{"grace_h"}})["LockUsersResult"].(map[string]any); fmt.Sprint(r["LockedUsers"]) != "[grace_h]" {
		t.Fatalf("LockUsers(grace_h) = %v", r)
	}
	if us := users(eds("DescribeUsers", map[string]any{"Filter": "grace*"})); len(us) != 1 || fmt.Sprint(us[0]["Status"]) != "9" {
		t.Fatalf("DescribeUsers(Filter grace*) = %v, want grace_h, locked (9)", us)
	}
	if us := users(eds("DescribeUsers", map[string]any{"Filter": "example.com", "Status": 0})); len(us) != 1 || us[0]["EndUserId"] != "alan_t" {
		t.Fatalf("DescribeUsers(Filter example.com, Status 0) = %v, want alan_t", us)
	}
	if r := eds("RemoveUsers", map[string]any{"Users": []string{"grace_h"}})["RemoveUsersResult"].(map[string]any); fmt.Sprint(r["RemovedUsers"]) != "[grace_h]" {
		t.Fatalf("RemoveUsers(grace_h) = %v", r)
	}
	if us := users(eds("DescribeUsers", nil)); len(us) != 1 || us[0]["EndUserId"] != "alan_t" {
		t.Fatalf("DescribeUsers after removing grace_h = %v, want alan_t only", us)
	}
	if _, perr := pc.call(t, "2021-03-08", "RemoveUsers", map[string]any{}); perr == nil || perr.Code != "MissingParameter" {
		t.Fatalf("RemoveUsers without Users = %v, want pop-core to raise MissingParameter", perr)
	}

	visit(t, page, a, "/settings/api-keys")
	click(t, role(page, "button", "Create authorization code"))
	code, err := page.GetByLabel("Authorization code", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}).InputValue()
	if err != nil || code == "" {
		t.Fatalf("authorization code on the page = %q, %v", code, err)
	}
	if got := eds("GetManagerInfoByAuthCode", map[string]any{"AuthCode": code}); got["UserName"] != "admin" {
		t.Fatalf("GetManagerInfoByAuthCode = %v, want the administrator admin", got)
	}
	if _, perr := pc.call(t, "2021-03-08", "GetManagerInfoByAuthCode", map[string]any{"AuthCode": code}); perr == nil || perr.Code != "InvalidParameter" {
		t.Fatalf("the same code again = %v, want InvalidParameter", perr)
	}

	got, perr := pc.call(t, "2021-12-01", "ListUsers", map[string]any{"InstanceId": "default", "UsernameStartsWith": "alan"})
	if perr != nil {
		t.Fatalf("EIAM ListUsers = %s: %s", perr.Code, perr.Message)
	}
	if us := users(got); len(us) != 1 || us[0]["Username"] != "alan_t" || fmt.Sprint(got["TotalCount"]) != "1" {
		t.Fatalf("EIAM ListUsers(alan…) = %v", got)
	}
}
