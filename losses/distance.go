package losses

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// OrderedDistance returns the ground distance of C ordered, unit-spaced
// classes raised to a power:
//
//	D[i][j] = |i − j|^power
//
// power = 1 is the ground distance of the closed-form EMD² and of the ℓ1 EMD;
// power = 2 is the squared cost. The diagonal is 0 (a true distance); pass the
// result through UnitDiagonal to use it as cost-matrix loss weights.
// OrderedDistance panics if classes < 1 or power is not a finite value > 0.
func OrderedDistance(classes int, power float64) [][]float64 {
	if classes < 1 {
		panic(errEmpty)
	}
	if !(power > 0) || math.IsInf(power, 0) {
		panic(errBadParam)
	}
	D := newMatrix(classes)
	for i := range D {
		for j := range D[i] {
			d := math.Abs(float64(i - j))
			if power != 1 {
				d = math.Pow(d, power)
			}
			D[i][j] = d
		}
	}
	return D
}

// UnitDiagonal returns a copy of D with its diagonal set to 1, the paper's
// convention for the weights of the cost-matrix EMD² (step 8 of its learned
// matrix, and D[y][y] = 1 in its released code): the true class's squared
// error (1 − p_y)² then always has weight 1. D is not modified. UnitDiagonal
// panics if D is not square.
func UnitDiagonal(D [][]float64) [][]float64 {
	checkSquare(D, len(D))
	out := newMatrix(len(D))
	for i := range D {
		copy(out[i], D[i])
		out[i][i] = 1
	}
	return out
}

// ValidateDistance returns an error unless D is a classes×classes matrix of
// finite numbers. No sign, symmetry or diagonal condition is imposed: a
// ground distance (zero diagonal) and the paper's loss weights (diagonal 1,
// negative entries for near classes) are both accepted. If classes is 0, any
// square size ≥ 1 is accepted.
func ValidateDistance(D [][]float64, classes int) error {
	if classes == 0 {
		classes = len(D)
	}
	if classes < 1 || len(D) != classes {
		return fmt.Errorf("losses: distance matrix has %d rows, want %d", len(D), classes)
	}
	for i, row := range D {
		if len(row) != classes {
			return fmt.Errorf("losses: distance matrix row %d has %d values, want %d", i, len(row), classes)
		}
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("losses: distance matrix entry [%d][%d] is %v", i, j, v)
			}
		}
	}
	return nil
}

// ReadDistanceCSV reads a user-given C×C ground-distance matrix from r. name
// is used in messages only (usually the file name); every error reads
// "name:line: …" with the 1-based line of the input.
//
// The format: one matrix row per line, values separated by commas (spaces
// after a comma are ignored), no header; blank lines and lines starting with
// '#' are skipped; a leading UTF-8 byte-order mark is ignored. Each value
// must parse as a finite float. The matrix must be
// square; if classes > 0 it must be classes×classes, if classes == 0 its size
// is taken from the first row.
//
// The diagonal is kept as written (it is not forced to 0 or 1): EMD uses the
// matrix as a transport cost as is, and the cost-matrix loss expects the
// caller to apply UnitDiagonal (the registry's ce+emd2-given loss does, in
// Spec.PrepareDistance). No sign or symmetry condition is imposed.
func ReadDistanceCSV(r io.Reader, name string, classes int) ([][]float64, error) {
	if classes < 0 {
		return nil, fmt.Errorf("%s: want classes ≥ 0, got %d", name, classes)
	}
	br := bufio.NewReader(r)
	if bom, err := br.Peek(3); err == nil && string(bom) == "\ufeff" {
		br.Discard(3) // a UTF-8 byte-order mark, as spreadsheets write
	}
	cr := csv.NewReader(br)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	var D [][]float64
	lastLine := 1
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("%s:%d: %v", name, pe.Line, pe.Err)
			}
			return nil, fmt.Errorf("%s:%d: %w", name, lastLine, err)
		}
		line, _ := cr.FieldPos(0)
		lastLine = line
		if classes == 0 {
			classes = len(rec)
		}
		if len(D) == classes {
			return nil, fmt.Errorf("%s:%d: extra row: the matrix must be %d×%d", name, line, classes, classes)
		}
		row, err := parseDistanceRow(rec, classes)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		D = append(D, row)
	}
	if len(D) == 0 {
		return nil, fmt.Errorf("%s:%d: no rows", name, lastLine)
	}
	if len(D) != classes {
		return nil, fmt.Errorf("%s:%d: %d rows, want %d (a square %d×%d matrix)", name, lastLine, len(D), classes, classes, classes)
	}
	return D, nil
}

func parseDistanceRow(rec []string, classes int) ([]float64, error) {
	if len(rec) != classes {
		return nil, fmt.Errorf("%d values, want %d", len(rec), classes)
	}
	row := make([]float64, classes)
	for j, s := range rec {
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if errors.Is(err, strconv.ErrRange) {
			return nil, fmt.Errorf("value %d: %q is out of range", j+1, s)
		}
		if err != nil {
			return nil, fmt.Errorf("value %d: %q is not a number", j+1, s)
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("value %d: %q is not finite", j+1, s)
		}
		row[j] = v
	}
	return row, nil
}

// newMatrix returns an n×n zero matrix backed by one allocation.
func newMatrix(n int) [][]float64 {
	back := make([]float64, n*n)
	D := make([][]float64, n)
	for i := range D {
		D[i] = back[i*n : (i+1)*n : (i+1)*n]
	}
	return D
}
