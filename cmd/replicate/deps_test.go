package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportRules keeps the packages' dependencies pointing one way: only
// the command imports cobra, only the store speaks SQL, and the numerical
// packages know nothing of the store or the report.
func TestImportRules(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "github.com/replicate-emd/replicate/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/replicate-emd/replicate/"
	imports := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		imports[strings.TrimPrefix(f[0], mod)] = f[1:]
	}
	if len(imports) < 10 {
		t.Fatalf("go list found only %d packages", len(imports))
	}
	rules := []struct {
		forbidden string
		allowed   func(pkg string) bool
	}{
		{"github.com/spf13/cobra", func(p string) bool { return p == "cmd/replicate" }},
		{"database/sql", func(p string) bool { return p == "results" }},
		{"github.com/mattn/go-sqlite3", func(p string) bool { return p == "results" }},
		{mod + "results", func(p string) bool {
			return p != "losses" && p != "metrics" && p != "models" && p != "datasets" && p != "train"
		}},
		{mod + "report", func(p string) bool { return p == "cmd/replicate" }},
		{mod + "cmd/replicate", func(string) bool { return false }},
	}
	for pkg, deps := range imports {
		for _, d := range deps {
			for _, r := range rules {
				if d == r.forbidden && !r.allowed(pkg) {
					t.Errorf("%s imports %s", pkg, d)
				}
			}
		}
	}
}
