package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "f.txt")
	for _, text := range []string{"first", "second"} {
		if err := Write(path, 0o644, func(w io.Writer) error { _, err := io.WriteString(w, text); return err }); err != nil {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(path); err != nil || string(b) != text {
			t.Errorf("read %q, %v; want %q", b, err, text)
		}
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v (%v), want 0644", fi.Mode(), err)
	}
	boom := errors.New("boom")
	if err := Write(path, 0o644, func(w io.Writer) error { io.WriteString(w, "half"); return boom }); !errors.Is(err, boom) {
		t.Errorf("got %v, want the fill's error", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "second" {
		t.Errorf("a failing fill changed the file to %q", b)
	}
	if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 1 {
		t.Errorf("files left beside it: %v", ents)
	}
}

func TestIsTemp(t *testing.T) {
	for name, want := range map[string]bool{
		"run.ckpt.tmp1": true, "run.ckpt.tmp4294967295": true,
		"run.ckpt.tmp": false, "run.ckpt.tmpx": false, "run.ckpt.tmp1.bak": false,
		"xrun.ckpt.tmp1": false, "run.ckpt": false, "other.tmp1": false,
	} {
		if got := IsTemp(name, "run.ckpt"); got != want {
			t.Errorf("IsTemp(%q) = %v, want %v", name, got, want)
		}
	}
}
