package suggest

import "testing"

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"epochs", "epochs", 0},
		{"epocs", "epochs", 1},   // one deletion
		{"epohcs", "epochs", 1},  // one swap of neighbours
		{"lossez", "losses", 1},  // one substitution
		{"emd", "emd2", 1},       // one insertion
		{"smok", "smoke", 1},     // one insertion
		{"kitten", "sitting", 3}, // the textbook case
		{"ü", "u", 1},            // runes, not bytes
		{"", "abc", 3},
	}
	for _, tt := range tests {
		if got := Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := Distance(tt.b, tt.a); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d (symmetry)", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestClosest(t *testing.T) {
	keys := []string{"epochs", "batch_size", "learning_rates", "loss", "model", "momentum"}
	tests := []struct {
		name, want string
		ok         bool
	}{
		{"epocs", "epochs", true},
		{"lerning_rates", "learning_rates", true},
		{"los", "loss", true},
		{"epochs", "", false}, // known: nothing to suggest
		{"xyzzy", "", false},  // too far from everything
		{"ep", "", false},     // 4 edits from epochs
		{"momentun", "momentum", true},
	}
	for _, tt := range tests {
		got, ok := Closest(tt.name, keys)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Closest(%q) = %q, %v; want %q, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
	// A short name is not suggested for a wholly different one.
	if got, ok := Closest("xy", []string{"ce", "l2"}); ok {
		t.Errorf("Closest(xy) = %q, want none", got)
	}
	// Ties go to the first listed.
	if got, _ := Closest("ab", []string{"abc", "abd"}); got != "abc" {
		t.Errorf("tie: %q, want abc", got)
	}
}

func TestUnknown(t *testing.T) {
	known := []string{"adience", "smoke"}
	if got, want := Unknown("experiment", "smok", known), `unknown experiment "smok" (did you mean "smoke"? known: adience, smoke)`; got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	if got, want := Unknown("experiment", "zzz", known), `unknown experiment "zzz" (known: adience, smoke)`; got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	if got, want := Hint("epocs", []string{"epochs"}), ` (did you mean "epochs"?)`; got != want {
		t.Errorf("Hint: %q, want %q", got, want)
	}
}
