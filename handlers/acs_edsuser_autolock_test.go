package handlers_test

import (
	"fmt"
	"testing"
	"time"

	"roster/store"
)

// AutoLockTime, eds-user's scheduled lock, through Alibaba's client: set by
// CreateUsers and UnlockUsers ("yyyy-MM-dd HH:mm:ss", UTC), shown by
// DescribeUsers, and taking effect at that time: Status 9 and the Status
// filter, with no job run.
func TestEdsUserAutoLockTime(t *testing.T) {
	a := newACSApp(t)
	ctx := t.Context()
	c := a.client(t, a.admin.AccessKeyID, a.adminSecret, "")
	// The signature's window is 15 minutes of the server's clock, so the
	// lock is due within it.
	now := time.Now().UTC().Truncate(time.Second)
	at := now.Add(5 * time.Minute)
	got, err := call(c, "CreateUsers", nil, map[string]any{"AutoLockTime": at.Format("2006-01-02 15:04:05"),
		"Users": []map[string]any{{"EndUserId": "ada", "Email": "ada@example.com", "Password": "Correct-horse-9"}}})
	if err != nil || got["AllSucceed"] != true {
		t.Fatalf("CreateUsers with AutoLockTime = %v, %v", got, err)
	}
	describe := func(query map[string]any) map[string]any {
		t.Helper()
		got, err := call(c, "DescribeUsers", query, nil)
		if err != nil {
			t.Fatal(err)
		}
		users := got["Users"].([]any)
		if len(users) != 1 {
			return nil
		}
		return users[0].(map[string]any)
	}
	ada := describe(map[string]any{"EndUserIds": []string{"ada"}})
	if ada["AutoLockTime"] != at.Format("2006-01-02 15:04:05") || fmt.Sprint(ada["Status"]) != "0" {
		t.Fatalf("ada before her lock time = %v", ada)
	}
	for _, v := range []string{"tomorrow", now.Add(-time.Hour).Format("2006-01-02 15:04:05")} {
		_, err := call(c, "CreateUsers", nil, map[string]any{"AutoLockTime": v, "Users": []map[string]any{{"EndUserId": "bob", "Email": "b@example.com"}}})
		wantCode(t, "CreateUsers AutoLockTime "+v, err, 400, "InvalidParameter")
		_, err = call(c, "UnlockUsers", nil, map[string]any{"AutoLockTime": v, "Users": []string{"ada"}})
		wantCode(t, "UnlockUsers AutoLockTime "+v, err, 400, "InvalidParameter")
	}

	a.st.SetClock(func() time.Time { return now.Add(6 * time.Minute) })
	if ada := describe(map[string]any{"Status": 9}); ada == nil || ada["EndUserId"] != "ada" {
		t.Fatalf("Status 9 once due = %v, want ada", ada)
	}
	// Unlocking clears the schedule, or sets a new one.
	if _, err := call(c, "UnlockUsers", nil, map[string]any{"Users": []string{"ada"}}); err != nil {
		t.Fatal(err)
	}
	if ada := describe(map[string]any{"EndUserIds": []string{"ada"}}); fmt.Sprint(ada["Status"]) != "0" || ada["AutoLockTime"] != nil {
		t.Fatalf("ada unlocked = %v, want Status 0, no AutoLockTime", ada)
	}
	again := now.Add(8 * time.Minute)
	got, err = call(c, "UnlockUsers", nil, map[string]any{"AutoLockTime": again.Format("2006-01-02 15:04:05"), "Users": []string{"ada"}})
	if err != nil || len(got["UnlockUsersResult"].(map[string]any)["UnlockedUsers"].([]any)) != 1 {
		t.Fatalf("UnlockUsers with AutoLockTime = %v, %v", got, err)
	}
	u, err := a.st.ListUsers(ctx, a.acme.ID, store.UserFilter{Usernames: []string{"ada"}})
	if err != nil || len(u.Items) != 1 || u.Items[0].LockAt == nil || !u.Items[0].LockAt.Equal(again) {
		t.Fatalf("ada's lock time after UnlockUsers = %+v, %v; want %v", u.Items, err, again)
	}
	a.st.SetClock(func() time.Time { return now.Add(9 * time.Minute) })
	if ada := describe(map[string]any{"EndUserIds": []string{"ada"}}); fmt.Sprint(ada["Status"]) != "9" {
		t.Fatalf("ada past her new lock time = %v, want Status 9", ada)
	}
}
