package datasets

import (
	"path/filepath"
	"testing"
)

// realFaces returns the real Adience face files.
func realFaces(b *testing.B) []string {
	dir := realAdience(b)
	files, err := filepath.Glob(filepath.Join(dir, "faces", "*", "*.jpg"))
	if err != nil || len(files) == 0 {
		b.Skip("no real faces")
	}
	return files
}

// BenchmarkPipeline measures decode + resize + augment (training view,
// every augmentation on, no cache) on the real Adience JPEGs.
func BenchmarkPipeline(b *testing.B) {
	files := realFaces(b)
	for _, size := range []struct {
		name         string
		crop, resize int
	}{{"227", 227, 256}, {"64", 64, 72}} {
		b.Run(size.name, func(b *testing.B) {
			p, err := NewPipeline(PipelineOptions{Crop: size.crop, Resize: size.resize, Augment: PaperAugment(), Seed: 1})
			if err != nil {
				b.Fatal(err)
			}
			dst := make([]float32, p.Dim())
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := p.Load(b.Context(), files[i%len(files)], Box{}, i, View{Train: true, Epoch: 1}, dst); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
		})
	}
}

// BenchmarkCacheRead measures a cached load: read the resized image from
// the cache and cut the augmented tensor (no decoding).
func BenchmarkCacheRead(b *testing.B) {
	files := realFaces(b)
	for _, size := range []struct {
		name         string
		crop, resize int
	}{{"227", 227, 256}, {"64", 64, 72}} {
		b.Run(size.name, func(b *testing.B) {
			cache, err := NewCache(b.TempDir(), CacheOptions{})
			if err != nil {
				b.Fatal(err)
			}
			p, err := NewPipeline(PipelineOptions{Crop: size.crop, Resize: size.resize, Augment: PaperAugment(), Cache: cache})
			if err != nil {
				b.Fatal(err)
			}
			dst := make([]float32, p.Dim())
			for _, f := range files { // warm the cache
				if _, err := p.Load(b.Context(), f, Box{}, 0, View{}, dst); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := p.Load(b.Context(), files[i%len(files)], Box{}, i, View{Train: true, Epoch: 2}, dst); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reads/s")
		})
	}
}

// BenchmarkMNISTLoad measures reading the 60,000 gzipped MNIST training
// images and labels.
func BenchmarkMNISTLoad(b *testing.B) {
	dir := goMNIST(b)
	for i := 0; i < b.N; i++ {
		if _, _, err := ReadMNIST(dir, "train"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMNISTRotation12000 measures building mnist-rotation with the cpu
// profile's 12,000 images (reading included).
func BenchmarkMNISTRotation12000(b *testing.B) {
	dir := goMNIST(b)
	for i := 0; i < b.N; i++ {
		if _, err := MNISTRotation(b.Context(), MNISTOptions{Dir: dir, N: 12000, Seed: uint64(i)}); err != nil {
			b.Fatal(err)
		}
	}
}
