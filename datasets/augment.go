package datasets

import (
	"math"
	"math/rand/v2"
)

// Augment switches the training augmentations of PAPER.md §3 on and off and
// holds their parameters. A zero parameter means the paper's value.
type Augment struct {
	RandomCrop  bool // random crop position (else the centre crop)
	Mirror      bool // horizontal mirror with probability 1/2
	Color       bool // per-channel gain U(1−Gain, 1+Gain) and offset U(−Offset, Offset)
	ScaleAspect bool // with probability ScaleProb, x and y scaled by independent U(1−ScaleRange, 1+ScaleRange)
	Rotate      bool // with probability RotateProb, rotation by U(−RotateDegrees, RotateDegrees)

	Gain          float64 // default 0.15
	Offset        float64 // default 20 (pixel levels, 0..255 scale)
	ScaleProb     float64 // default 0.5
	ScaleRange    float64 // default 0.10
	RotateProb    float64 // default 0.9
	RotateDegrees float64 // default 20
}

// PaperAugment returns every augmentation of PAPER.md §3 switched on with
// the paper's parameters: random crop, mirror, gain U(0.85, 1.15) and offset
// U(−20, 20) per channel, p = 0.5 aspect/scale ±10%, p = 0.9 rotation ±20°.
func PaperAugment() Augment {
	return Augment{RandomCrop: true, Mirror: true, Color: true, ScaleAspect: true, Rotate: true}.withDefaults()
}

func (a Augment) withDefaults() Augment {
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	def(&a.Gain, 0.15)
	def(&a.Offset, 20)
	def(&a.ScaleProb, 0.5)
	def(&a.ScaleRange, 0.10)
	def(&a.RotateProb, 0.9)
	def(&a.RotateDegrees, 20)
	return a
}

// augDraw holds the random draws for one sample in one epoch. Every draw is
// made whether or not its augmentation is on, so switching one off does not
// change the others.
type augDraw struct {
	mirror       bool
	cropX, cropY float64 // crop position as fractions in [0, 1)
	scale        bool
	sx, sy       float64
	rotate       bool
	theta        float64 // radians
	gain, offset [3]float32
}

// splitmix64 is the finaliser of the SplitMix64 generator: a bijective mix.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// sampleRNG returns the generator of one sample in one epoch: a PCG whose
// state is derived from (seed, epoch, index) alone, so results do not depend
// on the order or the goroutine in which samples are loaded.
func sampleRNG(seed uint64, epoch, index int) *rand.Rand {
	a := splitmix64(seed ^ splitmix64(uint64(int64(epoch))+0x51ed))
	b := splitmix64(splitmix64(seed+0xa5a5) ^ uint64(int64(index)))
	return rand.New(rand.NewPCG(a, b))
}

func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

// draw makes the random draws of one sample.
func (a Augment) draw(r *rand.Rand) augDraw {
	var d augDraw
	d.mirror = r.Float64() < 0.5
	d.cropX, d.cropY = r.Float64(), r.Float64()
	d.scale = r.Float64() < a.ScaleProb
	d.sx = uniform(r, 1-a.ScaleRange, 1+a.ScaleRange)
	d.sy = uniform(r, 1-a.ScaleRange, 1+a.ScaleRange)
	d.rotate = r.Float64() < a.RotateProb
	d.theta = uniform(r, -a.RotateDegrees, a.RotateDegrees) * math.Pi / 180
	for c := range 3 {
		d.gain[c] = float32(uniform(r, 1-a.Gain, 1+a.Gain))
	}
	for c := range 3 {
		d.offset[c] = float32(uniform(r, -a.Offset, a.Offset))
	}
	return d
}

// renderSpec says how to cut one tensor out of a resized image.
type renderSpec struct {
	crop     int  // output side
	gray     bool // one channel (luma)
	mean     float32
	scale    float32
	train    bool
	mirror   bool // evaluation mirror
	aug      Augment
	draw     augDraw
	hasColor bool
}

// render writes the crop×crop tensor (CHW) of src into dst.
func render(src *rgbImage, dst []float32, s renderSpec) {
	C := s.crop
	W, H := src.w, src.h
	d := s.draw
	mirror := s.mirror
	ox, oy := (W-C)/2, (H-C)/2
	geometric := false
	var sx, sy, cos, sin = 1.0, 1.0, 1.0, 0.0
	color := false
	if s.train {
		a := s.aug
		if a.RandomCrop {
			ox = int(d.cropX * float64(W-C+1))
			oy = int(d.cropY * float64(H-C+1))
		}
		if a.Mirror {
			mirror = d.mirror
		}
		if a.ScaleAspect && d.scale {
			sx, sy, geometric = d.sx, d.sy, true
		}
		if a.Rotate && d.rotate {
			cos, sin, geometric = math.Cos(d.theta), math.Sin(d.theta), true
		}
		color = a.Color
	}
	gain, offset := [3]float32{1, 1, 1}, [3]float32{}
	if color {
		gain, offset = d.gain, d.offset
	}
	nc := 3
	if s.gray {
		nc = 1
	}
	plane := C * C
	var rgb [3]float32
	cx, cy := float64(ox)+float64(C)/2, float64(oy)+float64(C)/2
	for y := 0; y < C; y++ {
		for x := 0; x < C; x++ {
			if !geometric {
				xs := x
				if mirror {
					xs = C - 1 - x
				}
				i := ((oy+y)*W + ox + xs) * 3
				rgb[0], rgb[1], rgb[2] = float32(src.pix[i]), float32(src.pix[i+1]), float32(src.pix[i+2])
			} else {
				u := float64(x) + 0.5 - float64(C)/2
				if mirror {
					u = -u
				}
				v := float64(y) + 0.5 - float64(C)/2
				u, v = u/sx, v/sy
				px := cx + cos*u - sin*v
				py := cy + sin*u + cos*v
				rgb = bilinear(src, px-0.5, py-0.5)
			}
			o := y*C + x
			if nc == 1 {
				l := 0.299*rgb[0] + 0.587*rgb[1] + 0.114*rgb[2]
				l = clampLevel(l*gain[0] + offset[0])
				dst[o] = (l - s.mean) / s.scale
				continue
			}
			for c := 0; c < 3; c++ {
				dst[c*plane+o] = (clampLevel(rgb[c]*gain[c]+offset[c]) - s.mean) / s.scale
			}
		}
	}
}

// clampLevel clamps a pixel level to [0, 255].
func clampLevel(v float32) float32 {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return v
}

// bilinear samples src at continuous pixel coordinates (x, y) (pixel centres
// at integers); taps outside the image count as black.
func bilinear(src *rgbImage, x, y float64) [3]float32 {
	x0, y0 := math.Floor(x), math.Floor(y)
	fx, fy := float32(x-x0), float32(y-y0)
	ix, iy := int(x0), int(y0)
	w00, w10 := (1-fx)*(1-fy), fx*(1-fy)
	w01, w11 := (1-fx)*fy, fx*fy
	var out [3]float32
	if ix >= 0 && iy >= 0 && ix+1 < src.w && iy+1 < src.h {
		i := (iy*src.w + ix) * 3
		j := i + src.w*3
		p := src.pix
		for c := 0; c < 3; c++ {
			out[c] = w00*float32(p[i+c]) + w10*float32(p[i+3+c]) + w01*float32(p[j+c]) + w11*float32(p[j+3+c])
		}
		return out
	}
	tap := func(xx, yy int, w float32) {
		if w == 0 || xx < 0 || yy < 0 || xx >= src.w || yy >= src.h {
			return
		}
		i := (yy*src.w + xx) * 3
		out[0] += w * float32(src.pix[i])
		out[1] += w * float32(src.pix[i+1])
		out[2] += w * float32(src.pix[i+2])
	}
	tap(ix, iy, w00)
	tap(ix+1, iy, w10)
	tap(ix, iy+1, w01)
	tap(ix+1, iy+1, w11)
	return out
}
