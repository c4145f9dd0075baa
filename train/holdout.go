package train

import (
	"math"
	"math/rand/v2"
	"slices"
)

// holdOut splits idx (sample indices) into a training part and a
// validation share frac, both keeping idx's order.
//
// The share is stratified by class: each class gives about frac of its
// samples, so a rare class is not left out of validation by chance. When
// groups is not nil, groups[i] is sample i's group key (Adience: the
// subject), and a group is never split: its samples go to one side
// together, so validation never sees a face the network trained on. A
// sample with an empty key is its own group. A group counts in the
// stratum of its first sample's class, and the groups of a stratum are
// taken in a seeded order while the stratum's validation share is below
// frac of its samples. The choice depends only on (seed, fold) and the
// data.
func holdOut(idx, labels []int, groups []string, frac float64, seed, fold uint64) (train, val []int) {
	if frac <= 0 || len(idx) == 0 {
		return idx, nil
	}
	// Units: the groups, in order of first appearance.
	type unitOf struct {
		members []int // positions in idx
		label   int
	}
	var units []*unitOf
	byKey := map[string]*unitOf{}
	for i, id := range idx {
		key := ""
		if groups != nil {
			key = groups[id]
		}
		if u, ok := byKey[key]; ok && key != "" {
			u.members = append(u.members, i)
			continue
		}
		u := &unitOf{members: []int{i}, label: labels[id]}
		units = append(units, u)
		if key != "" {
			byKey[key] = u
		}
	}
	// Strata by class, in class order.
	strata := map[int][]*unitOf{}
	size := map[int]int{}
	for _, u := range units {
		strata[u.label] = append(strata[u.label], u)
		size[u.label] += len(u.members)
	}
	classes := make([]int, 0, len(strata))
	for c := range strata {
		classes = append(classes, c)
	}
	slices.Sort(classes)
	rng := rand.New(rand.NewPCG(seed, 0x7a1+fold))
	isVal := make([]bool, len(idx))
	for _, c := range classes {
		us := strata[c]
		want := int(math.Round(frac * float64(size[c])))
		got := 0
		for _, p := range rng.Perm(len(us)) {
			if got >= want {
				break
			}
			for _, m := range us[p].members {
				isVal[m] = true
			}
			got += len(us[p].members)
		}
	}
	for i, id := range idx {
		if isVal[i] {
			val = append(val, id)
		} else {
			train = append(train, id)
		}
	}
	return train, val
}
