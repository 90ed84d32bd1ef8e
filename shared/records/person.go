package records

import (
	"context"
	"fmt"

	"github.com/guregu/dynamo/v2"
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

// Split answers r's digital and physical hours: a blended record counts its
// two parts, a digital one all digital, anything else all physical.
func Split(r Record) (digital, physical int) {
	switch r.Nature {
	case "digital":
		return r.Hours, 0
	case "blended":
		return r.DigitalHours, r.PhysicalHours
	}
	return 0, r.Hours
}
