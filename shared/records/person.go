package records

import (
	"context"
	"fmt"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/catalog"
)

// OfPerson returns a person's records of a year (one Query of the person's
// partition), by record id.
func (s Repo) OfPerson(ctx context.Context, personID string, year int) ([]Record, error) {
	var items []item
	err := s.Table.Get("pk", "PERSON#"+personID).Range("sk", dynamo.BeginsWith, fmt.Sprintf("REC#%d#", year)).All(ctx, &items)
	if err != nil {
		return nil, fmt.Errorf("records of %s in %d: %w", personID, year, err)
	}
	out := make([]Record, len(items))
	for i, it := range items {
		out[i] = it.Record
	}
	return out, nil
}

// Counted reports whether r counts in hours and statistics (STATISTICS.md:
// final and passed; waiting for hours, pending review and failed do not).
func Counted(r Record) bool { return r.Status == Final && r.Passed != nil && *r.Passed }

// Split divides a record's hours into digital and physical. Digital and
// physical records count whole. A blended record counts its two parts; when
// they no longer add up to its hours (an organiser graded attended hours
// below the class's), the hours are split in the parts' proportion, digital
// rounded down, so digital + physical is always the record's hours. A record
// without a nature counts as physical.
func Split(r Record) (digital, physical int) {
	switch r.Nature {
	case catalog.Digital:
		return r.Hours, 0
	case catalog.Blended:
		d, p := r.DigitalHours, r.PhysicalHours
		if d+p == r.Hours {
			return d, p
		}
		if d+p <= 0 {
			return 0, r.Hours
		}
		d = r.Hours * d / (d + p)
		return d, r.Hours - d
	default:
		return 0, r.Hours
	}
}
