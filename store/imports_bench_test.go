package store_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"roster/store"
	"roster/store/userfile"
)

// BenchmarkImportChunk measures one chunk of an import (ImportChunk rows)
// into the benchmark directory: new users with an external id, an email,
// a display name, an org unit (ten, created by the first chunk) and a
// tag, as an HR system's export holds them and rosterbench imports them.
func BenchmarkImportChunk(b *testing.B) {
	s, t := benchStoreCopy(b)
	ctx := store.WithActor(context.Background(), store.Actor{Type: store.ActorAdmin, ID: "adm_1", Name: "bench"})
	o := store.ImportOptions{Source: "bench", CreateOrgUnits: true}
	imp, err := s.CreateImport(ctx, t.ID, o, store.ImportFile{Name: "bench.csv", Format: userfile.FormatCSV, Rows: 1,
		Body: strings.NewReader("username\n")})
	if err != nil {
		b.Fatal(err)
	}
	size := s.ImportChunk()
	chunk := func(n int) []store.ImportRecord {
		var f strings.Builder
		f.WriteString("username,external_id,email,display_name,org_unit,tag:team\n")
		for i := range size {
			k := n*size + i
			fmt.Fprintf(&f, "import-%d-%d,HR-%d-%d,import%d@bench.example,Imported User %d,Imported/Department %d,team-%d\n",
				os.Getpid(), k, os.Getpid(), k, k, k, k%10, k%7)
		}
		recs := readRecords(b, f.String())
		for i := range recs {
			recs[i].Row += n * size
			recs[i].Record.Row = recs[i].Row
		}
		return recs
	}
	// The process's CPU time is reported beside the wall time: on a busy
	// machine the wall time says more about the other processes.
	n, cpu := 0, time.Duration(0)
	for b.Loop() {
		b.StopTimer()
		recs := chunk(n)
		b.StartTimer()
		before := cpuTime(b)
		c, err := s.ApplyImportRows(ctx, imp, 0, recs, false)
		if err != nil || c.Created != len(recs) {
			b.Fatalf("ApplyImportRows = %+v, %v; want %d created", c, err, len(recs))
		}
		cpu += cpuTime(b) - before
		n++
	}
	b.ReportMetric(float64(size*n)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(cpu.Milliseconds())/float64(n), "cpu-ms/op")
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
