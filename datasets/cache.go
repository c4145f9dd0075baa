package datasets

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/replicate-emd/replicate/atomicfile"
)

// Cache keeps decoded and resized images on disk so that later epochs do
// not decode the source again. An entry is keyed by the source file's
// absolute path, byte size and modification time, the pipeline settings
// that shaped it (short side, crop box) and, with HashContent, a SHA-256 of
// the source bytes; a changed source therefore gets a new key and the stale
// entry is simply never read again. Entries are written to a temporary file
// in the same folder and renamed into place, so a reader never sees half an
// entry; an entry that fails its checksum is treated as a miss and
// rewritten. A Cache is safe for concurrent use.
type Cache struct {
	dir         string
	hashContent bool
	hits        atomic.Int64
	misses      atomic.Int64
	writes      atomic.Int64
}

// CacheOptions configures a Cache.
type CacheOptions struct {
	// HashContent adds a SHA-256 of the source file to the key. It catches
	// a source rewritten with the same size and modification time, at the
	// price of reading the source on every access (decoding is still saved).
	HashContent bool
}

// CacheStats counts cache traffic.
type CacheStats struct {
	Hits   int64 // entries read
	Misses int64 // lookups that found no valid entry
	Writes int64 // entries written
}

// cacheMagic starts every cache entry; the last byte is the format version.
var cacheMagic = [4]byte{'R', 'P', 'C', 1}

// NewCache opens (creating it if needed) a cache in dir.
func NewCache(dir string, opts CacheOptions) (*Cache, error) {
	if dir == "" {
		return nil, errors.New("cache: empty folder name")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	return &Cache{dir: dir, hashContent: opts.HashContent}, nil
}

// Dir returns the cache folder.
func (c *Cache) Dir() string { return c.dir }

// Stats returns the traffic counters.
func (c *Cache) Stats() CacheStats {
	return CacheStats{Hits: c.hits.Load(), Misses: c.misses.Load(), Writes: c.writes.Load()}
}

// key returns the entry name for a source file and the settings string, and
// the source bytes when they had to be read (HashContent).
func (c *Cache) key(path string, settings string) (string, []byte, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	fi, err := os.Stat(path)
	if err == nil {
		err = imageFile.check(fi)
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", nil, &ImageError{Path: path, Kind: ErrImageMissing}
		}
		return "", nil, &ImageError{Path: path, Kind: ErrImageUnreadable, Err: bareError(err)}
	}
	h := sha256.New()
	fmt.Fprintf(h, "v1\x00%s\x00%d\x00%d\x00%s", abs, fi.Size(), fi.ModTime().UnixNano(), settings)
	var data []byte
	if c.hashContent {
		data, err = readRegular(path, imageFile)
		if err != nil {
			return "", nil, &ImageError{Path: path, Kind: ErrImageUnreadable, Err: err}
		}
		sum := sha256.Sum256(data)
		h.Write(sum[:])
	}
	return hex.EncodeToString(h.Sum(nil)), data, nil
}

func (c *Cache) entryPath(key string) string {
	return filepath.Join(c.dir, key[:2], key+".rgb")
}

// get reads an entry; ok is false on a miss or a damaged entry (which
// includes anything but a regular file within maxCacheEntryBytes).
func (c *Cache) get(key string) (*rgbImage, bool) {
	data, err := readRegular(c.entryPath(key), cacheFile)
	if err != nil {
		c.misses.Add(1)
		return nil, false
	}
	img, err := decodeCacheEntry(data)
	if err != nil {
		c.misses.Add(1)
		return nil, false
	}
	c.hits.Add(1)
	return img, true
}

// decodeCacheEntry parses magic, width, height, CRC-32 of the pixels, pixels.
func decodeCacheEntry(data []byte) (*rgbImage, error) {
	const hdr = 16
	if len(data) < hdr || [4]byte(data[:4]) != cacheMagic {
		return nil, errors.New("bad cache header")
	}
	w := int(binary.LittleEndian.Uint32(data[4:]))
	h := int(binary.LittleEndian.Uint32(data[8:]))
	sum := binary.LittleEndian.Uint32(data[12:])
	if w <= 0 || h <= 0 || w > 1<<16 || h > 1<<16 || len(data)-hdr != w*h*3 {
		return nil, errors.New("bad cache size")
	}
	pix := data[hdr:]
	if crc32.ChecksumIEEE(pix) != sum {
		return nil, errors.New("bad cache checksum")
	}
	return &rgbImage{w: w, h: h, pix: pix}, nil
}

// put writes an entry atomically (atomicfile: temporary file, sync,
// rename).
func (c *Cache) put(key string, img *rgbImage) error {
	path := c.entryPath(key)
	err := atomicfile.Write(path, 0o600, func(w io.Writer) error {
		var hdr [16]byte
		copy(hdr[:4], cacheMagic[:])
		binary.LittleEndian.PutUint32(hdr[4:], uint32(img.w))
		binary.LittleEndian.PutUint32(hdr[8:], uint32(img.h))
		binary.LittleEndian.PutUint32(hdr[12:], crc32.ChecksumIEEE(img.pix))
		if _, err := w.Write(hdr[:]); err != nil {
			return err
		}
		_, err := w.Write(img.pix)
		return err
	})
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	c.writes.Add(1)
	return nil
}

// Clear removes every entry of the cache.
func (c *Cache) Clear() error {
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(c.dir, e.Name())); err != nil {
			return fmt.Errorf("cache: %w", err)
		}
	}
	return nil
}
