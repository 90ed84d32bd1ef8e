package hoursmaint

import (
	"testing"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/records"
)

func TestRefs(t *testing.T) {
	for _, id := range []string{"B#0123456789abcdef01234567", "S#ffffffffffffffffffffffff", "X#000042"} {
		r := records.Record{PersonID: "p0000001", Year: 2026, ID: id}
		person, year, got, ok := parseRef(refOf(r))
		if !ok || person != r.PersonID || year != r.Year || got != id {
			t.Errorf("%s: ref %s reads back %s %d %s %v", id, refOf(r), person, year, got, ok)
		}
	}
	for _, bad := range []string{"", "p1", "p1.2026", "p1.26.QiMx", "p1.2026.QiM#", "p/1.2026.QiMx", "p1.2026.__8"} {
		if _, _, _, ok := parseRef(bad); ok {
			t.Errorf("parseRef(%q) accepted", bad)
		}
	}
}

func TestStamps(t *testing.T) {
	at := time.Date(2026, 3, 2, 1, 2, 3, 456789, time.UTC)
	for _, job := range []string{"", "a1b2c3"} {
		v, got, j, ok := parseStamp(stampOf(records.Stamped{Version: 3, Record: records.Record{Created: at, Job: job}}))
		if !ok || v != 3 || !got.Equal(at) || j != job {
			t.Errorf("round trip: %d %v %q %v", v, got, j, ok)
		}
	}
	for _, bad := range []string{"", "3", "@2026-03-02T01:02:03Z@", "-1@2026-03-02T01:02:03Z@", "x@2026-03-02T01:02:03Z@", "3@yesterday@", "3@2026-03-02T01:02:03Z"} {
		if _, _, _, ok := parseStamp(bad); ok {
			t.Errorf("parseStamp(%q) accepted", bad)
		}
	}
}
