package e2e

import (
	"net/url"
	"testing"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	util "github.com/alibabacloud-go/tea-utils/v2/service"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/playwright-community/playwright-go"
)

// An owner creates an AccessKey pair on the API keys page; Alibaba
// Cloud's own client signs eds-user calls with it against the real
// binary; once the pair is revoked on the page, the client is refused.
func TestAccessKeyPairDrivesEdsUserClient(t *testing.T) {
	t.Parallel()
	a := startRoster(t)
	page := newPage(t)
	signIn(t, page, a, "admin", a.OwnerPassword)
	id, secret := createPairOnPage(t, page, a, "eds sync")

	u, _ := url.Parse(a.URL)
	client, err := openapi.NewClient(&openapi.Config{AccessKeyId: tea.String(id), AccessKeySecret: tea.String(secret),
		Endpoint: tea.String(u.Host), Protocol: tea.String("HTTP")})
	if err != nil {
		t.Fatal(err)
	}
	edsUser := func(action string, body map[string]any) (map[string]any, error) {
		params := &openapi.Params{Action: tea.String(action), Version: tea.String("2021-03-08"), Protocol: tea.String("HTTPS"),
			Pathname: tea.String("/"), Method: tea.String("POST"), AuthType: tea.String("AK"), Style: tea.String("RPC"),
			ReqBodyType: tea.String("formData"), BodyType: tea.String("json")}
		res, err := client.CallApi(params, &openapi.OpenApiRequest{Body: openapiutil.ParseToMap(body)}, &util.RuntimeOptions{})
		if err != nil {
			return nil, err
		}
		b, _ := res["body"].(map[string]any)
		return b, nil
	}
	got, err := edsUser("CreateUsers", map[string]any{"Users": []map[string]any{{"EndUserId": "ada_l", "Email": "ada@example.com", "Password": "Correct-horse-9"}}})
	if err != nil || got["AllSucceed"] != true {
		t.Fatalf("CreateUsers = %v, %v", got, err)
	}
	got, err = edsUser("DescribeUsers", map[string]any{"EndUserIds": []string{"ada_l"}})
	if users, _ := got["Users"].([]any); err != nil || len(users) != 1 || users[0].(map[string]any)["Email"] != "ada@example.com" {
		t.Fatalf("DescribeUsers(ada_l) = %v, %v", got, err)
	}
	visit(t, page, a, "/users")
	mustSee(t, role(page, "link", "ada_l"), "the user eds-user created, in the console")

	visit(t, page, a, "/settings/api-keys")
	if n, _ := page.GetByRole("cell", playwright.PageGetByRoleOptions{Name: "never", Exact: playwright.Bool(true)}).Count(); n != 0 {
		t.Errorf("the pair shows as never used after two calls")
	}
	page.OnDialog(func(d playwright.Dialog) { _ = d.Accept() })
	click(t, role(page, "button", "Revoke pair eds sync"))
	mustSee(t, page.GetByText("AccessKey pair revoked."), "the revocation")
	if _, err := edsUser("DescribeUsers", nil); err == nil {
		t.Fatal("the revoked pair still works")
	} else if se, ok := err.(*tea.SDKError); !ok || tea.StringValue(se.Code) != "InvalidAccessKeyId.NotFound" {
		t.Fatalf("the revoked pair = %v, want InvalidAccessKeyId.NotFound", err)
	}
}

// createPairOnPage creates an admin AccessKey pair named name on the API
// keys page and returns its id and secret, read from the page.
func createPairOnPage(t *testing.T, page playwright.Page, a *app, name string) (string, string) {
	t.Helper()
	visit(t, page, a, "/settings/api-keys")
	fill(t, page.GetByLabel("Pair name"), name)
	if _, err := page.GetByLabel("Pair role").SelectOption(playwright.SelectOptionValues{Values: &[]string{"admin"}}); err != nil {
		t.Fatal(err)
	}
	click(t, role(page, "button", "Create AccessKey pair"))
	id, err := page.GetByLabel("AccessKeyId of " + name).InputValue()
	if err != nil || id == "" {
		t.Fatalf("AccessKeyId on the page = %q, %v", id, err)
	}
	secret, err := page.GetByLabel("AccessKeySecret of " + name).InputValue()
	if err != nil || secret == "" {
		t.Fatalf("AccessKeySecret on the page = %q, %v", secret, err)
	}
	return id, secret
}
