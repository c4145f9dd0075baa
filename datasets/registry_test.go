package datasets

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestRegistry_Names(t *testing.T) {
	want := []string{"synthetic", "mnist-rotation", "mnist-digits", "fashion-mnist", "adience", "imageofgroups", "aadb", "imagenet", "features"}
	if got := Names(); !slices.Equal(got, want) {
		t.Errorf("Names() = %v, want %v", got, want)
	}
	for _, e := range Entries() {
		if e.Summary == "" || e.task == nil || e.shape == nil || e.present == nil || e.load == nil || e.check == nil {
			t.Errorf("%s: incomplete entry", e.Name)
		}
		if got, err := Lookup(e.Name); err != nil || got != e {
			t.Errorf("Lookup(%q) = %v, %v", e.Name, got, err)
		}
	}
	if e, err := Lookup("mnist"); err != nil || e.Name != MNISTDigitsName {
		t.Errorf("Lookup(mnist) = %v, %v; want the alias of mnist-digits", e, err)
	}
	if _, err := Lookup("mnist-x"); !errors.Is(err, ErrUnknownDataset) || !strings.Contains(err.Error(), "features") {
		t.Errorf("Lookup(mnist-x) = %v, want ErrUnknownDataset listing the names", err)
	}
}

// TestRegistry_TaskAndShape loads every dataset this machine has without
// a download (generated data, the embedded MNIST files, a features file)
// and checks that the registry's task and shape are those of the data.
func TestRegistry_TaskAndShape(t *testing.T) {
	csv := filepath.Join(t.TempDir(), "f.csv")
	if err := os.WriteFile(csv, []byte("id,label,fold,score,a,b\nx,0,0,0.1,1,2\ny,1,1,0.7,3,4\nz,2,0,0.9,5,6\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		req  Request
		task Task
	}{
		{Request{Spec: Spec{Name: "synthetic", Classes: 5, Dim: 3}, Folds: 2, Seed: 1}, TaskOrdinal},
		{Request{Spec: Spec{Name: "mnist-rotation", Limit: 50}, Folds: 2, Seed: 1}, TaskScored},
		{Request{Spec: Spec{Name: "mnist-digits", Limit: 50}, Folds: 2, Seed: 1}, TaskOrderless},
		{Request{Spec: Spec{Name: "features", Path: "f.csv", Ordered: true}, Folds: 2, Dir: filepath.Dir(csv)}, TaskScored},
		{Request{Spec: Spec{Name: "features", Path: csv}, Folds: 2}, TaskOrderless},
	}
	for _, tt := range tests {
		t.Run(tt.req.Spec.Name, func(t *testing.T) {
			e, err := Lookup(tt.req.Spec.Name)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.Present(tt.req); err != nil {
				t.Skipf("not on this machine: %v", err)
			}
			d, _, err := e.Load(t.Context(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			task, err := e.Task(tt.req)
			if err != nil || task != tt.task || TaskOf(d.Info()) != task || e.Ordered(tt.req.Spec) != task.Ordered() {
				t.Errorf("task %q (%v), data's %q, ordered %v; want %q", task, err, TaskOf(d.Info()), e.Ordered(tt.req.Spec), tt.task)
			}
			sh := e.Shape(tt.req.Spec)
			n := 1
			for _, s := range d.Shape() {
				n *= s
			}
			if e.File {
				if sh.Sample != 0 || sh.Classes != 0 || sh.Generated != nil {
					t.Errorf("a file's shape is known before it is read: %+v", sh)
				}
				return
			}
			if sh.Sample != n || (len(d.Shape()) == 3) != (sh.Side > 0) || sh.Classes != d.Info().Classes {
				t.Errorf("registry shape %+v, data: shape %v, %d classes", sh, d.Shape(), d.Info().Classes)
			}
		})
	}
}

func TestEntry_Validate(t *testing.T) {
	features, _ := Lookup(featuresName)
	adience, _ := Lookup(adienceName)
	tests := []struct {
		e     *Entry
		spec  Spec
		field string // "" for OK
	}{
		{features, Spec{Name: "features", Path: "x.csv", Ordered: true}, ""},
		{features, Spec{Name: "features"}, "path"},
		{adience, Spec{Name: "adience", Lenient: true}, ""},
		{adience, Spec{Name: "adience", Path: "x"}, "path"},
		{adience, Spec{Name: "adience", Ordered: true}, "ordered"},
	}
	for _, tt := range tests {
		field, msg, ok := tt.e.Validate(tt.spec)
		if ok != (tt.field == "") || field != tt.field || (!ok && msg == "") {
			t.Errorf("%s %+v: field %q (%s), ok %v; want %q", tt.e.Name, tt.spec, field, msg, ok, tt.field)
		}
	}
}

func TestRequest_Path(t *testing.T) {
	abs := filepath.Join(string(filepath.Separator), "data", "f.csv")
	for _, tt := range []struct{ path, dir, want string }{
		{"f.csv", "grids", filepath.Join("grids", "f.csv")},
		{"f.csv", "", "f.csv"},
		{abs, "grids", abs},
		{"", "grids", ""},
	} {
		if got := (Request{Spec: Spec{Path: tt.path}, Dir: tt.dir}).Path(); got != tt.want {
			t.Errorf("path %q in %q: %q, want %q", tt.path, tt.dir, got, tt.want)
		}
	}
}
