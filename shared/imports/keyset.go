package imports

// keySet remembers the first line of each natural key (by its 64-bit hash)
// in two flat arrays with open addressing: 12 bytes a slot, no per-entry
// overhead (a Go map costs three to four times that). dupFinder fills one
// per part of the file's keys, so it never holds the whole file's.
type keySet struct {
	keys  []uint64 // 0: empty (a zero hash is stored as 1)
	lines []uint32
	n     int
}

// firstOr returns the line that already holds key, or records line and
// returns 0.
func (s *keySet) firstOr(key keyHash, line int) int {
	k := uint64(key)
	if k == 0 {
		k = 1
	}
	if 4*(s.n+1) > 3*len(s.keys) { // keep it at most 3/4 full
		s.grow()
	}
	mask := uint64(len(s.keys) - 1)
	for i := (k * 0x9e3779b97f4a7c15) & mask; ; i = (i + 1) & mask {
		switch s.keys[i] {
		case 0:
			s.keys[i], s.lines[i] = k, uint32(line)
			s.n++
			return 0
		case k:
			return int(s.lines[i])
		}
	}
}

func (s *keySet) grow() {
	size := 1024
	if len(s.keys) > 0 {
		size = 2 * len(s.keys)
	}
	old, oldLines := s.keys, s.lines
	s.keys, s.lines, s.n = make([]uint64, size), make([]uint32, size), 0
	for i, k := range old {
		if k != 0 {
			s.firstOr(keyHash(k), int(oldLines[i]))
		}
	}
}
