package userfile

import (
	"bytes"
	"encoding/csv"
	"math/rand/v2"
	"testing"
)

// A cell comes out exactly as encoding/csv writes it, so an export's file
// stays the same byte for byte: quoted when it must be, quotes doubled,
// everything else as it is.
func TestCSVCellsAreWrittenAsEncodingCSVWritesThem(t *testing.T) {
	cells := []string{"", "plain", `\.`, `\.x`, " lead", "trail ", "\tTab", "\u3000ideographic space", "\u00a0nbsp",
		"é", `q"uote`, `""`, "cr\rx", "lf\nx", "crlf\r\n", "a,b", "a;b", `back\slash`, "\xff", "\xe3\x80"}
	// And random cells of the characters that matter.
	const alphabet = " \t\r\n\",;\\|/.aé\u3000"
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		var b []rune
		for range rnd.IntN(6) {
			b = append(b, []rune(alphabet)[rnd.IntN(len([]rune(alphabet)))])
		}
		cells = append(cells, string(b))
	}
	for _, c := range cells {
		var want bytes.Buffer
		w := csv.NewWriter(&want)
		if err := w.Write([]string{c, c}); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		if got := appendCSVRecord(nil, []string{c, c}); string(got) != want.String() {
			t.Errorf("cell %q written %q, want %q", c, got, want.String())
		}
		if got := appendCell(nil, []byte(c)); string(got)+","+string(got)+"\n" != want.String() {
			t.Errorf("cell %q (bytes) written %q, want %q", c, got, want.String())
		}
	}
}
