package losses

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestOrderedDistance(t *testing.T) {
	// Hand-derived.
	if diff := cmp.Diff([][]float64{{0, 1, 2}, {1, 0, 1}, {2, 1, 0}}, OrderedDistance(3, 1)); diff != "" {
		t.Errorf("|i−j| (−want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][]float64{{0, 1, 4}, {1, 0, 1}, {4, 1, 0}}, OrderedDistance(3, 2)); diff != "" {
		t.Errorf("|i−j|² (−want +got):\n%s", diff)
	}
	checkClose(t, "|0−2|^0.5", OrderedDistance(3, 0.5)[0][2], math.Sqrt2, lossTol64)
	wantPanic(t, errEmpty, func() { OrderedDistance(0, 1) })
	wantPanic(t, errBadParam, func() { OrderedDistance(3, 0) })
	wantPanic(t, errBadParam, func() { OrderedDistance(3, math.NaN()) })
	wantPanic(t, errBadParam, func() { OrderedDistance(3, math.Inf(1)) })
}

func TestUnitDiagonal(t *testing.T) {
	D := OrderedDistance(3, 1)
	saved := cloneMatrix(D)
	got := UnitDiagonal(D)
	if !equalMatrix(D, saved) {
		t.Fatal("UnitDiagonal modified its input")
	}
	if diff := cmp.Diff([][]float64{{1, 1, 2}, {1, 1, 1}, {2, 1, 1}}, got); diff != "" {
		t.Errorf("(−want +got):\n%s", diff)
	}
	wantPanic(t, errDistShape, func() { UnitDiagonal([][]float64{{0, 1}}) })
}

func TestValidateDistance(t *testing.T) {
	tests := []struct {
		name    string
		D       [][]float64
		classes int
		ok      bool
	}{
		{"OK", OrderedDistance(3, 1), 3, true},
		{"OK/infer", OrderedDistance(4, 1), 0, true},
		{"OK/negative", [][]float64{{1, -.5}, {-.5, 1}}, 2, true},
		{"ErrRows", OrderedDistance(3, 1), 4, false},
		{"ErrRagged", [][]float64{{0, 1}, {1}}, 2, false},
		{"ErrNaN", [][]float64{{0, math.NaN()}, {1, 0}}, 2, false},
		{"ErrInf", [][]float64{{0, 1}, {math.Inf(-1), 0}}, 2, false},
		{"ErrEmpty", nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := ValidateDistance(tt.D, tt.classes); (err == nil) != tt.ok {
				t.Fatalf("got %v, want ok = %v", err, tt.ok)
			}
		})
	}
}

func TestReadDistanceCSV(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		classes int
		want    [][]float64
		err     string // prefix of the error; "" for none
	}{
		{name: "OK", in: "0,1\n1,0\n", classes: 2, want: [][]float64{{0, 1}, {1, 0}}},
		{name: "OK/infer", in: "0,1,2\n1,0,1\n2,1,0", want: OrderedDistance(3, 1)},
		{name: "OK/comments-blanks-spaces", in: "# learned D\n\n0, 1.5\n\n# row 2\n  1.5 ,0\n", classes: 2,
			want: [][]float64{{0, 1.5}, {1.5, 0}}},
		{name: "OK/crlf", in: "1,-0.25\r\n-0.25,1\r\n", classes: 2, want: [][]float64{{1, -.25}, {-.25, 1}}},
		{name: "OK/bom", in: "\ufeff0,2\n2,0\n", want: [][]float64{{0, 2}, {2, 0}}},
		{name: "OK/exponent", in: "0,1e-3\n1E-3,0\n", want: [][]float64{{0, 1e-3}, {1e-3, 0}}},
		{name: "ErrRagged", in: "0,1\n1,0,2\n", classes: 2, err: "d.csv:2: 3 values, want 2"},
		{name: "ErrNotNumber", in: "0,1\nx,0\n", classes: 2, err: `d.csv:2: value 1: "x" is not a number`},
		{name: "ErrHeader", in: "a,b\n0,1\n1,0\n", err: `d.csv:1: value 1: "a" is not a number`},
		{name: "ErrNaN", in: "0,NaN\n1,0\n", err: `d.csv:1: value 2: "NaN" is not finite`},
		{name: "ErrInf", in: "0,1\n+Inf,0\n", err: `d.csv:2: value 1: "+Inf" is not finite`},
		{name: "ErrRange", in: "0,1e999\n1,0\n", err: `d.csv:1: value 2: "1e999" is out of range`},
		{name: "ErrExtraRow", in: "0,1\n1,0\n\n2,2\n", err: "d.csv:4: extra row"},
		{name: "ErrMissingRow", in: "0,1,2\n1,0,1\n", err: "d.csv:2: 2 rows, want 3"},
		{name: "ErrClasses", in: "0,1\n1,0\n", classes: 3, err: "d.csv:1: 2 values, want 3"},
		{name: "ErrEmpty", in: "", classes: 2, err: "d.csv:1: no rows"},
		{name: "ErrOnlyComments", in: "# nothing\n", err: "d.csv:1: no rows"},
		{name: "ErrQuote", in: "0,1\n1,\"0\n", err: "d.csv:2: "},
		{name: "ErrNegativeClasses", in: "0\n", classes: -1, err: "d.csv: want classes ≥ 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadDistanceCSV(strings.NewReader(tt.in), "d.csv", tt.classes)
			if tt.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
					t.Fatalf("got error %v, want prefix %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(−want +got):\n%s", diff)
			}
		})
	}
}

// FuzzReadDistanceCSV checks that any input either fails with a
// "name:line: " message or yields a valid square matrix that round-trips.
func FuzzReadDistanceCSV(f *testing.F) {
	for _, s := range []string{"0,1\n1,0\n", "# c\n1, -0.5\n-0.5, 1\n", "0,1\n1\n", "\"", "0,NaN\n1,0", "1e999", ""} {
		f.Add(s, 0)
		f.Add(s, 2)
	}
	f.Fuzz(func(t *testing.T, in string, classes int) {
		classes %= 64
		D, err := ReadDistanceCSV(strings.NewReader(in), "fuzz.csv", classes)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.csv:") {
				t.Fatalf("error %q does not start with the name", err)
			}
			return
		}
		if verr := ValidateDistance(D, classes); verr != nil {
			t.Fatalf("accepted an invalid matrix: %v", verr)
		}
		// Round trip through the shortest exact text form.
		var buf bytes.Buffer
		for _, row := range D {
			for j, v := range row {
				if j > 0 {
					buf.WriteByte(',')
				}
				buf.WriteString(formatExact(v))
			}
			buf.WriteByte('\n')
		}
		again, err := ReadDistanceCSV(&buf, "again", len(D))
		if err != nil || !equalMatrix(D, again) {
			t.Fatalf("round trip: %v, %v vs %v", err, again, D)
		}
	})
}
