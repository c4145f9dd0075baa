package main

import (
	"slices"
	"strings"
	"testing"
)

// complete asks the root command for the completions of args (the last
// one being typed), as the shell scripts do, and returns them without
// their descriptions.
func complete(t *testing.T, args ...string) []string {
	t.Helper()
	out, stderr, code := execute(t, append([]string{"__complete"}, args...)...)
	if code != 0 {
		t.Fatalf("__complete %q: exit %d\n%s", args, code, stderr)
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.HasPrefix(l, ":") || l == "" {
			continue
		}
		name, _, _ := strings.Cut(l, "\t")
		got = append(got, name)
	}
	return got
}

func TestCompletion(t *testing.T) {
	db := testDB(t, "abcd1111aaaa0000", "abcd2222bbbb0000")
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"--experiment", ""}, []string{"aadb", "adience", "imagenet", "imageofgroups", "mnist-digits", "mnist-rotation", "smoke"}},
		{[]string{"--experiment", "mn"}, []string{"mnist-digits", "mnist-rotation"}},
		{[]string{"list", "--experiment", "sm"}, []string{"smoke"}},
		{[]string{"runs", "--experiment", "sm"}, []string{"smoke"}},
		{[]string{"launch", "--experiment", "ad"}, []string{"adience"}},
		{[]string{"--profile", ""}, []string{"cpu", "paper", "smoke"}},
		{[]string{"--experiment", "smoke", "--profile", ""}, []string{"smoke"}},
		{[]string{"config", "show", "mnist-rotation", "--profile", "c"}, []string{"cpu"}},
		{[]string{"--loss", "e"}, []string{"emd2", "emd2-sum"}},
		{[]string{"all", "--loss", "ce,xe"}, []string{"ce,xe-emd1", "ce,xe-emd2"}},
		{[]string{"runs", "--loss", "l"}, []string{"l2"}},
		{[]string{"runs", "--status", "s"}, []string{"superseded"}},
		{[]string{"data", "check", "adi"}, []string{"adience"}},
		{[]string{"data", "check", "adience", ""}, nil},
		{[]string{"config", "show", "mnist-"}, []string{"mnist-digits", "mnist-rotation"}},
		{[]string{"--set", "loss.w"}, []string{"loss.warmup_epochs=", "loss.warmup_lr="}},
		{[]string{"list", "--set", "epo"}, []string{"epochs="}},
		{[]string{"show", "--db", db, "abcd1"}, []string{"abcd1111aaaa0000"}},
		{[]string{"show", "--db", db, ""}, []string{"abcd1111aaaa0000", "abcd2222bbbb0000"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			if got := complete(t, tt.args...); !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
