package records_test

import (
	"testing"

	"github.com/ecpa-lifelong/backoffice/shared/records"
)

func TestCountedAndSplit(t *testing.T) {
	yes, no := true, false
	for _, c := range []struct {
		name          string
		r             records.Record
		counted       bool
		digital, phys int
	}{
		{"final passed digital", records.Record{Status: records.Final, Passed: &yes, Nature: "digital", Hours: 4}, true, 4, 0},
		{"final passed physical", records.Record{Status: records.Final, Passed: &yes, Nature: "physical", Hours: 4}, true, 0, 4},
		{"blended, parts add up", records.Record{Status: records.Final, Passed: &yes, Nature: "blended", Hours: 6, DigitalHours: 2, PhysicalHours: 4}, true, 2, 4},
		{"blended graded below the class", records.Record{Status: records.Final, Passed: &yes, Nature: "blended", Hours: 4, DigitalHours: 3, PhysicalHours: 3}, true, 2, 2},
		{"blended graded 5 of 3+4", records.Record{Status: records.Final, Passed: &yes, Nature: "blended", Hours: 5, DigitalHours: 3, PhysicalHours: 4}, true, 2, 3},
		{"blended without parts", records.Record{Status: records.Final, Passed: &yes, Nature: "blended", Hours: 5}, true, 0, 5},
		{"no nature: physical", records.Record{Status: records.Final, Passed: &yes, Hours: 6}, true, 0, 6},
		{"failed", records.Record{Status: records.Final, Passed: &no, Hours: 6}, false, 0, 6},
		{"final, pass unknown", records.Record{Status: records.Final, Hours: 6}, false, 0, 6},
		{"awaiting hours", records.Record{Status: records.AwaitingHours, Passed: &yes, Hours: 6}, false, 0, 6},
		{"pending review", records.Record{Status: records.PendingReview, Passed: &yes, Hours: 3}, false, 0, 3},
	} {
		if got := records.Counted(c.r); got != c.counted {
			t.Errorf("%s: counted %v", c.name, got)
		}
		if d, p := records.Split(c.r); d != c.digital || p != c.phys {
			t.Errorf("%s: split %d+%d, want %d+%d", c.name, d, p, c.digital, c.phys)
		}
	}
}
