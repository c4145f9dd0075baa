package datasets

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// defaultImageSide is the side of the image tensors when a grid sets no
// size: the paper's 227-pixel crop.
const defaultImageSide = 227

// imageChannels is the number of channels of the image tensors (RGB).
const imageChannels = 3

// ilsvrcClasses is the number of ILSVRC-2012 classes.
const ilsvrcClasses = 1000

// imageEntry registers a dataset read from a folder of images: list reads
// its metadata under root for a spec and seed, classes gives its class
// count for a spec, and check checks a copy under root (nil: the metadata
// read leniently, then the images: checkByList).
func imageEntry(e *Entry, task Task, classes func(Spec) int,
	list func(ctx context.Context, root string, s Spec, seed uint64) (*List, error),
	check func(ctx context.Context, root string, o CheckOptions, rep *CheckResult) error) *Entry {
	e.Images = true
	e.task = fixedTask(task)
	e.shape = func(s Spec) Shape {
		side := orDefault(s.Size, defaultImageSide)
		return Shape{Sample: imageChannels * side * side, Side: side, Classes: classes(s)}
	}
	e.present = func(r Request) error { return presentRoot(e.Name, r.Root) }
	e.load = func(ctx context.Context, r Request, skipped *Skipped) (Dataset, error) {
		if err := presentRoot(e.Name, r.Root); err != nil {
			return nil, err
		}
		l, err := list(ctx, r.Root, r.Spec, r.Seed)
		if err != nil {
			return nil, err
		}
		return loadImages(ctx, r, l, skipped)
	}
	e.check = check
	if check == nil {
		e.check = func(ctx context.Context, root string, o CheckOptions, rep *CheckResult) error {
			return rep.checkList(ctx, o, func() (*List, error) { return list(ctx, root, Spec{Lenient: true}, 0) })
		}
	}
	return e
}

// fixedClasses is the class count of a dataset whose classes never change.
func fixedClasses(n int) func(Spec) int { return func(Spec) int { return n } }

// presentRoot tells whether the root folder of an image dataset exists.
func presentRoot(name, root string) error {
	if root == "" {
		return fmt.Errorf("no %s data: set --data-root DIR (holding %s/) or %s; see the README's dataset layouts for where to obtain it", name, name, EnvVar(name))
	}
	if _, err := os.Stat(root); err != nil {
		return fmt.Errorf("no %s data at %s: %w; see the README's dataset layouts", name, root, errors.Unwrap(err))
	}
	return nil
}

// loadImages turns the metadata list of a run into its dataset: at most
// Spec.Limit samples spread evenly over the list (so that every fold and
// class keeps its share), images Spec.Size pixels square (the paper's 227
// by default) through the cache of CacheDir. With augmentation the images
// are streamed (every epoch draws its own crops and colours); else they
// are decoded once into memory, a lenient spec leaving out the images that
// cannot be read. What the list's lenient read and the decoding left out
// goes to skipped.
func loadImages(ctx context.Context, r Request, list *List, skipped *Skipped) (Dataset, error) {
	d := r.Spec
	if list.Summary != nil {
		skipped.Malformed = append(skipped.Malformed, list.Summary.Malformed...)
	}
	if d.Limit > 0 && d.Limit < list.Len() {
		list = list.Subset(spreadIndices(list.Len(), d.Limit))
	}
	var cache *Cache
	if r.CacheDir != "" {
		var err error
		if cache, err = NewCache(filepath.Join(r.CacheDir, d.Name), CacheOptions{}); err != nil {
			return nil, err
		}
	}
	size := orDefault(d.Size, defaultImageSide)
	if r.Augment {
		p, err := NewPipeline(PipelineOptions{Crop: size, Seed: r.Seed, Augment: PaperAugment(), Cache: cache})
		if err != nil {
			return nil, err
		}
		return NewImageSet(list, p), nil
	}
	m, bad, err := list.Materialize(ctx, size, cache, MaterializeOptions{SkipBad: d.Lenient})
	if err != nil {
		return nil, err
	}
	if len(bad) > 0 && m.Len() == 0 {
		return nil, fmt.Errorf("%s: none of the images could be read (%d missing or unreadable)", d.Name, len(bad))
	}
	skipped.Unreadable = append(skipped.Unreadable, bad...)
	return m, nil
}

// spreadIndices picks n of 0..total−1 evenly spread, so that a limited
// list keeps every fold and class in proportion.
func spreadIndices(total, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i * total / n
	}
	return out
}

// The datasets read from folders of images.
var (
	adienceEntry = imageEntry(&Entry{Name: adienceName, GroupKey: "user_id", ClassNames: adienceClassNames(),
		Summary: "Adience age groups: 8 ordered classes, 5 official folds (subject-exclusive)"},
		TaskOrdinal, fixedClasses(len(AdienceGroups)),
		func(ctx context.Context, root string, s Spec, _ uint64) (*List, error) {
			return Adience(ctx, root, AdienceOptions{Lenient: s.Lenient})
		}, nil)
	iogEntry = imageEntry(&Entry{Name: iogName, ClassNames: iogClassNames,
		Summary: "Images of Groups ages: 7 ordered classes, a seeded train / test draw"},
		TaskOrdinal, fixedClasses(len(ImagesOfGroupsAgeCodes)),
		func(ctx context.Context, root string, s Spec, seed uint64) (*List, error) {
			return ImagesOfGroups(ctx, root, ImagesOfGroupsOptions{Lenient: s.Lenient, Seed: seed})
		},
		func(ctx context.Context, root string, o CheckOptions, rep *CheckResult) error {
			return rep.checkList(ctx, o, func() (*List, error) {
				l, err := ImagesOfGroups(ctx, root, ImagesOfGroupsOptions{Lenient: true, Folds: 1})
				if l != nil {
					l.FoldNames = []string{"all"}
				}
				return l, err
			})
		})
	aadbEntry = imageEntry(&Entry{Name: aadbName,
		Summary: "AADB aesthetic scores in ordered bins, the score kept: train / validation / test"},
		TaskScored, func(s Spec) int { return orDefault(s.Bins, AADBDefaultBins) },
		func(ctx context.Context, root string, s Spec, _ uint64) (*List, error) {
			return AADB(ctx, root, AADBOptions{Bins: s.Bins, Lenient: s.Lenient})
		}, nil)
	imagenetEntry = imageEntry(&Entry{Name: imagenetName,
		Summary: "ILSVRC-2012: 1,000 orderless classes (subset: the first N), train / val"},
		TaskOrderless, func(s Spec) int { return orDefault(s.Subset, ilsvrcClasses) },
		func(ctx context.Context, root string, s Spec, _ uint64) (*List, error) {
			return ImageNet(ctx, root, ImageNetOptions{NumClasses: s.Subset, Lenient: s.Lenient})
		},
		func(ctx context.Context, root string, o CheckOptions, rep *CheckResult) error {
			return rep.checkImageNet(ctx, root, o)
		})
)
