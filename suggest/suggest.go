// Package suggest finds, among the names a registry or a grid knows, the
// one a misspelt name most likely meant, for the "did you mean" of an
// error message: an unknown experiment, loss, profile or dataset, or a
// misspelt key of a grid file.
package suggest

import (
	"fmt"
	"strings"
)

// MaxDistance is the largest edit distance at which a known name is
// suggested.
const MaxDistance = 2

// Distance returns the edit distance between a and b, counted in runes:
// the fewest insertions, deletions, substitutions and swaps of two
// neighbouring runes that turn a into b (the optimal string alignment
// distance).
func Distance(a, b string) int {
	s, t := []rune(a), []rune(b)
	// d[i][j] is the distance between s[:i] and t[:j].
	d := make([][]int, len(s)+1)
	for i := range d {
		d[i] = make([]int, len(t)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(s); i++ {
		for j := 1; j <= len(t); j++ {
			cost := 1
			if s[i-1] == t[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && s[i-1] == t[j-2] && s[i-2] == t[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(s)][len(t)]
}

// Closest returns the known name nearest to name, if one lies within
// MaxDistance edits and is not itself wholly rewritten (its distance is
// below its length, so that "xy" does not suggest "ce"). Ties go to the
// name listed first. A name equal to a known one has nothing to suggest.
func Closest(name string, known []string) (string, bool) {
	best, bestD := "", MaxDistance+1
	for _, k := range known {
		d := Distance(name, k)
		if d == 0 {
			return "", false
		}
		if d < bestD && d < len([]rune(k)) {
			best, bestD = k, d
		}
	}
	return best, best != ""
}

// Hint returns ` (did you mean "x"?)` for the known name x nearest to
// name (see Closest), or "" when none is near.
func Hint(name string, known []string) string {
	if s, ok := Closest(name, known); ok {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}

// Unknown returns the message for an unknown name of a kind of thing:
//
//	unknown experiment "smok" (did you mean "smoke"? known: adience, smoke)
//	unknown experiment "x" (known: adience, smoke)
//
// The known names are listed as given.
func Unknown(what, name string, known []string) string {
	list := strings.Join(known, ", ")
	if s, ok := Closest(name, known); ok {
		return fmt.Sprintf("unknown %s %q (did you mean %q? known: %s)", what, name, s, list)
	}
	return fmt.Sprintf("unknown %s %q (known: %s)", what, name, list)
}
