package datasets

import (
	"bytes"
	"errors"
	"image"
	"strings"
	"testing"
)

// checkParseErr fails unless err is nil, a *ParseError with a plausible
// line, or cancellation.
func checkParseErr(t *testing.T, err error, text []byte) {
	t.Helper()
	if err == nil {
		return
	}
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *ParseError", err, err)
	}
	if lines := bytes.Count(text, []byte("\n")) + 2; pe.Line < 0 || pe.Line > lines {
		t.Fatalf("line %d outside the input's %d lines", pe.Line, lines)
	}
	if pe.File == "" || pe.Err == nil {
		t.Fatalf("error without file or cause: %+v", pe)
	}
}

func FuzzReadAdienceFold(f *testing.F) {
	f.Add([]byte(adienceHeaderLine+"\n"+adienceRow("u", "a.jpg", "1", "(25, 32)")+"\n"), false)
	f.Add([]byte(adienceHeaderLine+"\r\n"+adienceRow("u", "a.jpg", "1", "None")+"\r\nu\t12"), true)
	f.Add([]byte(adienceHeaderLine+"\n"+adienceRow("u", "a.jpg", "1", "(38, 48)")), false)
	f.Add([]byte(adienceHeaderLine+"\n"+adienceRow("u", "a.jpg", "1", "35")), true)
	f.Add([]byte(""), false)
	f.Fuzz(func(t *testing.T, data []byte, lenient bool) {
		issues, err := ReadAdienceFold(bytes.NewReader(data), "fold.txt", lenient, func(r AdienceRow) error {
			if r.Group < -1 || r.Group >= len(AdienceGroups) || (r.Group < 0) == (r.DropReason == "") {
				t.Fatalf("row %+v: bad group or reason", r)
			}
			if !safeName(r.UserID) || !safeName(r.FaceID) || !safeName(r.OriginalImage) {
				t.Fatalf("row %+v: unsafe path element", r)
			}
			return nil
		})
		checkParseErr(t, err, data)
		if !lenient && len(issues) > 0 {
			t.Fatal("issues in strict mode")
		}
	})
}

func FuzzReadIDX(f *testing.F) {
	f.Add(idxBytes(IDXUint8, []uint32{2, 2}, []byte{1, 2, 3, 4}))
	f.Add(idxBytes(IDXFloat64, []uint32{1}, make([]byte, 8)))
	f.Add(gzipBytes(f, idxBytes(IDXInt16, []uint32{1, 1}, []byte{0, 1})))
	f.Add([]byte{0, 0, 8, 3, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		x, err := ReadIDX(bytes.NewReader(data), "f.idx")
		if err != nil {
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "f.idx") {
				t.Fatalf("error %v does not name the file or is not ErrMalformed", err)
			}
			return
		}
		n := idxElemSize(x.Type)
		for _, d := range x.Dims {
			n *= d
		}
		if n != len(x.Data) || len(x.Float64s())*idxElemSize(x.Type) != len(x.Data) {
			t.Fatalf("dims %v type %x but %d data bytes", x.Dims, x.Type, len(x.Data))
		}
		_, dims, _, dataLen, err := ParseIDXHeader(data, "f.idx")
		if err == nil && (dataLen != len(x.Data) || len(dims) != len(x.Dims)) && data[0] != 0x1f {
			t.Fatalf("header parse disagrees: %v %d", dims, dataLen)
		}
	})
}

func FuzzReadFeatures(f *testing.F) {
	f.Add("id,label,fold,a,b\ns1,0,0,1.5,-2\ns2,1,1,0,3\n")
	f.Add("id,label,fold,score,a\ns1,0,0,0.5,1\ns2,1,1,0.25,2\n")
	f.Add("id,label,fold,a\n\"x\ny\",1,0,1\nz,0,0,2\n")
	f.Add("id,label,fold,a\n# c\na,0,0,NaN\n")
	f.Add("id,label,a\ns1,0;2;1,1\ns2,2,3\n")
	f.Add("id,label,fold,score,a\ns1,1;1,,0.5,1\ns2,0,1,0.25,2\n")
	f.Fuzz(func(t *testing.T, text string) {
		m, err := ReadFeatures(t.Context(), strings.NewReader(text), "f.csv", FeaturesOptions{})
		checkParseErr(t, err, []byte(text))
		if err == nil {
			if verr := m.Validate(); verr != nil {
				t.Fatalf("accepted invalid data: %v", verr)
			}
			// Nothing sized by a label or a fold may outgrow the rows read
			// (or, for target distributions, their bound).
			if (m.Targets == nil && m.Classes > m.Len()) || m.Classes > MaxFeaturesClasses {
				t.Fatalf("%d classes inferred from %d rows", m.Classes, m.Len())
			}
			for _, k := range m.Fold {
				if k >= max(maxFeaturesFold, m.Len()) {
					t.Fatalf("fold %d accepted with %d rows", k, m.Len())
				}
			}
		}
	})
}

// FuzzDecodeRGB decodes arbitrary bytes: the header readers behind the
// memory estimate (PNG chunks, JPEG segments) must not fail on any input,
// the estimate must be positive, and a decoded image must have the size
// its header announced.
func FuzzDecodeRGB(f *testing.F) {
	rect := image.Rect(0, 0, 9, 7)
	colour := encodeJPEG(f, gradientImage(9, 7, 3))
	f.Add(colour)
	f.Add(asProgressive(f, colour))
	f.Add(encodeJPEG(f, image.NewGray(rect)))
	f.Add(encodeJPEG(f, image.NewCMYK(rect)))
	f.Add(encodePNG(f, gradientImage(9, 7, 3)))
	f.Add(encodePNG(f, image.NewGray16(rect)))
	f.Add(rawPNG(f, 9, 7, 3, true, true))
	f.Add(pngClaiming(f, image.NewGray16(image.Rect(0, 0, 1, 1)), 16384, 16384))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
		if err == nil {
			need, what := decodeCost(data, format, cfg)
			if !(need > 0) || what == "" {
				t.Fatalf("estimate %g (%q) for %dx%d %s", need, what, cfg.Width, cfg.Height, format)
			}
			if need > 64<<20 {
				return // keep each input cheap; the limit itself is tested elsewhere
			}
		}
		img, err := decodeRGB(t.Context(), data)
		if err != nil {
			return
		}
		if img.w != cfg.Width || img.h != cfg.Height || len(img.pix) != img.w*img.h*3 {
			t.Fatalf("decoded %dx%d with %d bytes, header %dx%d", img.w, img.h, len(img.pix), cfg.Width, cfg.Height)
		}
	})
}

func FuzzReadPersonData(f *testing.F) {
	f.Add("a_b_1_2@N0.jpg\n1\t2\t3\t4\t28\t1\n5\t6\t7\t8\t75\t2\n", false)
	f.Add("1\t2\t3\t4\t28\t1\n", true)
	f.Add("a.jpg\r\n1 2 3 4 5 2\r\n\r\nb.jpg\n1\t2\t3\t4\t99\t1\n", true)
	f.Fuzz(func(t *testing.T, text string, lenient bool) {
		_, err := ReadPersonData(strings.NewReader(text), "P.txt", lenient, func(face IoGFace) error {
			if face.Class < 0 || face.Class >= len(ImagesOfGroupsAgeCodes) || ImagesOfGroupsAgeCodes[face.Class] != face.AgeCode {
				t.Fatalf("face %+v: bad class", face)
			}
			if !safeName(face.Image) {
				t.Fatalf("face %+v: unsafe image name", face)
			}
			return nil
		})
		checkParseErr(t, err, []byte(text))
	})
}

func FuzzReadAADBScores(f *testing.F) {
	f.Add("farm1_1_2.jpg 0.5\nfarm1_3_4.jpg 1\n", false)
	f.Add("a.jpg 0.5 1\n", true)
	f.Add("a.jpg 2\na.jpg 0.1\n", true)
	f.Fuzz(func(t *testing.T, text string, lenient bool) {
		_, err := ReadAADBScores(strings.NewReader(text), "s.txt", lenient, func(r AADBRow) error {
			if !(r.Score >= 0 && r.Score <= 1) || !safeName(r.Image) {
				t.Fatalf("row %+v", r)
			}
			if b := ScoreBin(r.Score, 5); b < 0 || b > 4 {
				t.Fatalf("bin %d", b)
			}
			return nil
		})
		checkParseErr(t, err, []byte(text))
	})
}

func FuzzReadValSolution(f *testing.F) {
	f.Add("ImageId,PredictionString\nILSVRC2012_val_00000001,n01751748 1 2 3 4\n", false)
	f.Add("ImageId,PredictionString\nx,\n\"a\nb\",n01751748\n", true)
	f.Fuzz(func(t *testing.T, text string, lenient bool) {
		_, err := ReadValSolution(strings.NewReader(text), "LOC_val_solution.csv", lenient, func(v ValSolution) error {
			if !isWNID(v.WNID) || !safeName(v.ImageID) {
				t.Fatalf("row %+v", v)
			}
			return nil
		})
		checkParseErr(t, err, []byte(text))
	})
}
