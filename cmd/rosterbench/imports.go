package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"time"
)

// importRows is how many rows the import scenario's file has: 100,000
// into the million-user directory, a tenth of a smaller one.
func importRows(users int) int { return min(100_000, max(users/10, 100)) }

// importFile is a CSV of n new users with an external id, an email, a
// display name, an org unit (ten, created by the import) and a tag: what
// an HR system's export looks like.
func importFile(n int) []byte {
	var b bytes.Buffer
	b.WriteString("username,external_id,email,display_name,org_unit,tag:team\n")
	for i := range n {
		fmt.Fprintf(&b, "import-%d-%d,HR-%d,import%d@bench.example,Imported User %d,Imported/Department %d,team-%d\n",
			os.Getpid(), i, i, i, i, i%10, i%7)
	}
	return b.Bytes()
}

// measureImport posts a file of rows users to /api/v1/imports and waits
// for its job to end: the result's rate is rows a second, from the
// upload to the job's end.
func measureImport(base, key string, rows int) (result, error) {
	file := importFile(rows)
	start := time.Now()
	r, _ := http.NewRequest("POST", base+"/api/v1/imports?source=bench&create_org_units=true", bytes.NewReader(file))
	r.Header.Set("Authorization", "Bearer "+key)
	r.Header.Set("Content-Type", "text/csv")
	var imp struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		Error  string `json:"error"`
		Counts struct {
			Created int `json:"created"`
			Failed  int `json:"failed"`
		} `json:"counts"`
	}
	if err := fetchJSON(r, http.StatusAccepted, &imp); err != nil {
		return result{}, fmt.Errorf("POST /api/v1/imports: %w", err)
	}
	for imp.Status == "queued" || imp.Status == "running" {
		time.Sleep(100 * time.Millisecond)
		r, _ := http.NewRequest("GET", base+"/api/v1/imports/"+imp.ID, nil)
		r.Header.Set("Authorization", "Bearer "+key)
		if err := getJSON(r, &imp); err != nil {
			return result{}, err
		}
	}
	el := time.Since(start)
	res := result{requests: rows, rps: float64(rows) / el.Seconds(), p50: el, p99: el,
		note: fmt.Sprintf("%d rows in %s", rows, el.Round(time.Millisecond))}
	if imp.Status != "done" || imp.Counts.Created != rows {
		res.errors = rows - imp.Counts.Created
		return res, fmt.Errorf("import %s ended %s (%s): %d of %d created", imp.ID, imp.Status, imp.Error, imp.Counts.Created, rows)
	}
	return res, nil
}
