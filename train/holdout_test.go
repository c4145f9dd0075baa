package train

import (
	"math"
	"slices"
	"testing"
)

func TestHoldOut_Stratified(t *testing.T) {
	// 3 classes of 100, 40 and 10 samples, interleaved.
	var idx, labels []int
	for i := range 150 {
		c := 0
		switch {
		case i%15 == 0:
			c = 2
		case i%15 < 5:
			c = 1
		}
		idx, labels = append(idx, i), append(labels, c)
	}
	train, val := holdOut(idx, labels, nil, 0.1, 1, 2)
	perClass := map[int]int{}
	for _, v := range val {
		perClass[labels[v]]++
	}
	total := map[int]int{}
	for _, l := range labels {
		total[l]++
	}
	for c, n := range total {
		if want := int(math.Round(0.1 * float64(n))); perClass[c] != want {
			t.Errorf("class %d: %d of %d in validation, want %d", c, perClass[c], n, want)
		}
	}
	checkPartition(t, idx, train, val)
	t2, v2 := holdOut(idx, labels, nil, 0.1, 1, 2)
	if !slices.Equal(train, t2) || !slices.Equal(val, v2) {
		t.Error("same seed and fold, different split")
	}
	if _, v3 := holdOut(idx, labels, nil, 0.1, 1, 3); slices.Equal(val, v3) {
		t.Error("another fold gave the same validation share")
	}
	if tr, v := holdOut(idx, labels, nil, 0, 1, 2); len(v) != 0 || !slices.Equal(tr, idx) {
		t.Error("frac 0 held samples out")
	}
}

func TestHoldOut_Groups(t *testing.T) {
	// 60 samples of 20 subjects (3 photos each), subjects 0–9 class 0,
	// 10–19 class 1; one photo without a subject.
	var idx, labels []int
	groups := make([]string, 61)
	for i := range 60 {
		s := i % 20
		idx, labels = append(idx, i), append(labels, s/10)
		groups[i] = string(rune('a' + s))
	}
	idx, labels = append(idx, 60), append(labels, 1)
	train, val := holdOut(idx, labels, groups, 0.2, 4, 0)
	checkPartition(t, idx, train, val)
	side := map[string]bool{}
	for _, v := range val {
		side[groups[v]] = true
	}
	for _, tr := range train {
		if groups[tr] != "" && side[groups[tr]] {
			t.Errorf("subject %q is on both sides", groups[tr])
		}
	}
	// 0.2 of 30 samples per class = 6 = two subjects of three photos.
	perClass := map[int]int{}
	for _, v := range val {
		perClass[labels[v]]++
	}
	if perClass[0] != 6 || perClass[1] < 6 || perClass[1] > 7 {
		t.Errorf("validation per class %v, want 6 and 6–7", perClass)
	}
}

func checkPartition(t *testing.T, idx, train, val []int) {
	t.Helper()
	all := slices.Concat(train, val)
	slices.Sort(all)
	if !slices.Equal(all, idx) {
		t.Errorf("train ∪ val is not idx: %d + %d of %d", len(train), len(val), len(idx))
	}
	if !slices.IsSorted(train) || !slices.IsSorted(val) {
		t.Error("order not kept")
	}
}
