//go:build unix

package datasets

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mkfifo creates a named pipe at dir/rel, creating folders.
func mkfifo(t *testing.T, dir, rel string) string {
	t.Helper()
	p := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Skipf("cannot make a named pipe here: %v", err)
	}
	return p
}

// unblockFIFO returns a function that frees a reader blocked opening the
// named pipe at path: it opens the pipe for writing (possible once a reader
// waits) and closes it at once, so that the reader sees end of file.
func unblockFIFO(path string) func() {
	return func() {
		for range 200 {
			f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
			if err == nil {
				f.Close()
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// TestOpen_NamedPipe puts a named pipe where each reader expects an image,
// a metadata file, an IDX file or a features CSV: every reader must refuse
// it at once, naming the file, instead of blocking in open.
func TestOpen_NamedPipe(t *testing.T) {
	tests := []struct {
		name string
		// setup returns the pipe and the call that must refuse it.
		setup func(t *testing.T, dir string) (fifo string, call func() error)
		want  string // in the message, with "not a regular file (named pipe)"
	}{
		{"Image", func(t *testing.T, dir string) (string, func() error) {
			p := mkfifo(t, dir, "aligned/u/landmark_aligned_face.1.x.jpg")
			pl := newTestPipeline(t, PipelineOptions{Crop: 8, Resize: 8})
			return p, func() error { _, err := pl.Load(t.Context(), p, Box{}, 0, View{}, nil); return err }
		}, "aligned/u/landmark_aligned_face.1.x.jpg"},
		{"ImageHashContent", func(t *testing.T, dir string) (string, func() error) {
			p := mkfifo(t, dir, "x.jpg")
			c, err := NewCache(filepath.Join(dir, "cache"), CacheOptions{HashContent: true})
			if err != nil {
				t.Fatal(err)
			}
			pl := newTestPipeline(t, PipelineOptions{Crop: 8, Resize: 8, Cache: c})
			return p, func() error { _, err := pl.Load(t.Context(), p, Box{}, 0, View{}, nil); return err }
		}, "x.jpg"},
		{"CheckImage", func(t *testing.T, dir string) (string, func() error) {
			dir = writeAdienceFixture(t, false)
			p := mkfifo(t, dir, "faces/user0/coarse_tilt_aligned_face.5.img5.jpg")
			return p, func() error {
				rep, err := Check(t.Context(), "adience", dir, CheckOptions{Workers: 2})
				if rep == nil {
					return err
				}
				for _, pr := range rep.Images.Examples {
					if strings.HasSuffix(pr.Path, "img5.jpg") {
						return errors.New(pr.Error)
					}
				}
				return nil
			}
		}, "not a regular file"},
		{"AdienceFold", func(t *testing.T, dir string) (string, func() error) {
			dir = writeAdienceFixture(t, false)
			os.Remove(filepath.Join(dir, "fold_3_data.txt"))
			p := mkfifo(t, dir, "fold_3_data.txt")
			return p, func() error { _, err := Adience(t.Context(), dir, AdienceOptions{}); return err }
		}, "adience: fold_3_data.txt: "},
		{"PersonData", func(t *testing.T, dir string) (string, func() error) {
			dir = writeIoGFixture(t, 3)
			os.Remove(filepath.Join(dir, "Group8a", "PersonData.txt"))
			p := mkfifo(t, dir, "Group8a/PersonData.txt")
			o := ImagesOfGroupsOptions{Folders: []string{"Fam2a", "Group8a"}, TrainPerClass: 1, TestPerClass: 1}
			return p, func() error { _, err := ImagesOfGroups(t.Context(), dir, o); return err }
		}, "imageofgroups: " + filepath.Join("Group8a", "PersonData.txt") + ": "},
		{"AADBScores", func(t *testing.T, dir string) (string, func() error) {
			dir = writeAADBFixture(t, "imgListTestNewRegression_score.txt")
			os.Remove(filepath.Join(dir, "imgListFiles_label", "imgListValidationRegression_score.txt"))
			p := mkfifo(t, dir, "imgListFiles_label/imgListValidationRegression_score.txt")
			return p, func() error { _, err := AADB(t.Context(), dir, AADBOptions{}); return err }
		}, "aadb: " + filepath.Join("imgListFiles_label", "imgListValidationRegression_score.txt") + ": "},
		{"ImageNetMapping", func(t *testing.T, dir string) (string, func() error) {
			dir = writeImageNetFixture(t, "", "folders")
			p := mkfifo(t, dir, "LOC_synset_mapping.txt")
			return p, func() error { _, err := ImageNet(t.Context(), dir, ImageNetOptions{}); return err }
		}, "imagenet: LOC_synset_mapping.txt: "},
		{"ImageNetSolution", func(t *testing.T, dir string) (string, func() error) {
			dir = writeImageNetFixture(t, "", "folders")
			p := mkfifo(t, dir, "LOC_val_solution.csv")
			return p, func() error { _, err := ImageNet(t.Context(), dir, ImageNetOptions{}); return err }
		}, "imagenet: LOC_val_solution.csv: "},
		{"Features", func(t *testing.T, dir string) (string, func() error) {
			p := mkfifo(t, dir, "f.csv")
			return p, func() error { _, err := LoadFeatures(t.Context(), p, FeaturesOptions{}); return err }
		}, "features: "},
		{"IDX", func(t *testing.T, dir string) (string, func() error) {
			p := mkfifo(t, dir, "train-labels-idx1-ubyte")
			return p, func() error { _, err := ReadIDXFile(p); return err }
		}, "idx: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fifo, call := tt.setup(t, t.TempDir())
			var err error
			guarded(t, unblockFIFO(fifo), func() { err = call() })
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.Contains(msg, "not a regular file (named pipe)") || !strings.Contains(msg, tt.want) {
				t.Errorf("err = %q, want it to contain %q and \"not a regular file (named pipe)\"", msg, tt.want)
			}
			if tt.name != "CheckImage" && !errors.Is(err, ErrNotRegular) {
				t.Errorf("err = %v, want ErrNotRegular", err)
			}
		})
	}
}

// TestCache_NamedPipeEntry puts a named pipe where a cache entry goes: the
// entry is a miss (not a hang) and is rewritten.
func TestCache_NamedPipeEntry(t *testing.T) {
	dir := t.TempDir()
	path := writePNG(t, dir, "a.png", gradientImage(20, 20, 3))
	c, err := NewCache(filepath.Join(dir, "cache"), CacheOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := newTestPipeline(t, PipelineOptions{Crop: 8, Resize: 10, Cache: c})
	key, _, err := c.key(path, p.settings(Box{}))
	if err != nil {
		t.Fatal(err)
	}
	entry := c.entryPath(key)
	mkfifo(t, filepath.Dir(entry), filepath.Base(entry))
	guarded(t, unblockFIFO(entry), func() { _, err = p.Load(t.Context(), path, Box{}, 0, View{}, nil) })
	if err != nil {
		t.Fatal(err)
	}
	if s := c.Stats(); s != (CacheStats{Misses: 1, Writes: 1}) {
		t.Errorf("stats %+v, want 1 miss, 1 write", s)
	}
	if fi, err := os.Stat(entry); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("entry not rewritten: %v %v", fi, err)
	}
}

// TestPipeline_DevZero reads an image that is a symbolic link to
// /dev/zero: the read must stop at once, not fill the memory.
func TestPipeline_DevZero(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	for _, hash := range []bool{false, true} {
		dir := t.TempDir()
		path := filepath.Join(dir, "zero.jpg")
		if err := os.Symlink("/dev/zero", path); err != nil {
			t.Fatal(err)
		}
		c, err := NewCache(filepath.Join(dir, "cache"), CacheOptions{HashContent: hash})
		if err != nil {
			t.Fatal(err)
		}
		p := newTestPipeline(t, PipelineOptions{Crop: 8, Resize: 8, Cache: c})
		guarded(t, nil, func() { _, err = p.Load(t.Context(), path, Box{}, 0, View{}, nil) })
		if !errors.Is(err, ErrImageUnreadable) || !errors.Is(err, ErrNotRegular) ||
			!strings.Contains(err.Error(), "zero.jpg: image unreadable: not a regular file (character device)") {
			t.Errorf("hash %v: err = %v", hash, err)
		}
	}
	// A symbolic link to a regular file is followed.
	dir := t.TempDir()
	real := writePNG(t, dir, "real.png", gradientImage(8, 8, 3))
	link := filepath.Join(dir, "link.png")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	p := newTestPipeline(t, PipelineOptions{Crop: 8, Resize: 8})
	if _, err := p.Load(t.Context(), link, Box{}, 0, View{}, nil); err != nil {
		t.Errorf("link to a regular file: %v", err)
	}
}
