package imports

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// dupFinder finds the rows whose natural key an earlier valid row of the
// same file already holds ("the first line wins") in memory that does not
// grow with the file: while the file is read, each key's hash and line go to
// one of dupParts files on local disk (Lambda's /tmp), chosen by the hash;
// afterwards each part is checked on its own with a small keySet. A
// 1,000,000-row file puts 12 MB on disk and holds about 16,000 keys in memory
// at a time.
type dupFinder struct {
	dir   string
	files [dupParts]*os.File
	bufs  [dupParts]*bufio.Writer
}

const (
	dupParts  = 64
	dupRecord = 12 // 8 bytes of hash, 4 of line
)

// duplicate is a row whose key line `first` already held.
type duplicate struct{ line, first int }

func newDupFinder() (*dupFinder, error) {
	dir, err := os.MkdirTemp("", "import-keys-")
	if err != nil {
		return nil, fmt.Errorf("duplicate-key files: %w", err)
	}
	d := &dupFinder{dir: dir}
	for i := range d.files {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%02d", i)))
		if err != nil {
			d.close()
			return nil, fmt.Errorf("duplicate-key files: %w", err)
		}
		d.files[i], d.bufs[i] = f, bufio.NewWriterSize(f, 4<<10)
	}
	return d, nil
}

// add records that line holds key; lines must come in increasing order.
func (d *dupFinder) add(key keyHash, line int) error {
	var rec [dupRecord]byte
	binary.LittleEndian.PutUint64(rec[:8], uint64(key))
	binary.LittleEndian.PutUint32(rec[8:], uint32(line))
	_, err := d.bufs[uint64(key)>>58].Write(rec[:]) // top 6 bits: one of 64 parts
	return err
}

// duplicates returns the rows whose key an earlier line holds, by line.
func (d *dupFinder) duplicates() ([]duplicate, error) {
	var out []duplicate
	for i, f := range d.files {
		if err := d.bufs[i].Flush(); err != nil {
			return nil, fmt.Errorf("duplicate-key part %d: %w", i, err)
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, fmt.Errorf("duplicate-key part %d: %w", i, err)
		}
		var seen keySet
		r := bufio.NewReaderSize(f, 64<<10)
		var rec [dupRecord]byte
		for {
			if _, err := io.ReadFull(r, rec[:]); err == io.EOF {
				break
			} else if err != nil {
				return nil, fmt.Errorf("duplicate-key part %d: %w", i, err)
			}
			line := int(binary.LittleEndian.Uint32(rec[8:]))
			if first := seen.firstOr(keyHash(binary.LittleEndian.Uint64(rec[:8])), line); first != 0 {
				out = append(out, duplicate{line, first})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].line < out[j].line })
	return out, nil
}

func (d *dupFinder) close() {
	for _, f := range d.files {
		if f != nil {
			f.Close()
		}
	}
	os.RemoveAll(d.dir)
}
