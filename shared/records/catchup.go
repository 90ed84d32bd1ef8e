package records

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/guregu/dynamo/v2"
)

// The course-end transfer keeps a checkpoint: the last day every class that
// ended on it was transferred. A scheduled run does every day after it up to
// yesterday, so a day missed (a failed run, an outage, a run that timed out) is
// caught up by the next run, and moves the checkpoint after each whole day.
// Days are redone safely: each record is written only if absent.

// MaxCatchUp bounds the days one run looks back when the checkpoint is far
// behind (or missing: a new stack starts at yesterday). Older days need an
// explicit run per day.
const MaxCatchUp = 60

// checkpoint is the transfer's progress item in the Records table.
type checkpoint struct {
	PK      string    `dynamo:"pk"`
	SK      string    `dynamo:"sk"`
	Through string    `dynamo:"through"` // ISO date
	Updated time.Time `dynamo:"updated"`
}

const (
	checkpointPK = "TRANSFER"
	checkpointSK = "CHECKPOINT"
)

// Checkpoint returns the last day fully transferred ("" if none yet).
func (s Repo) Checkpoint(ctx context.Context) (string, error) {
	var c checkpoint
	err := s.Table.Get("pk", checkpointPK).Range("sk", dynamo.Equal, checkpointSK).Consistent(true).One(ctx, &c)
	if errors.Is(err, dynamo.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read transfer checkpoint: %w", err)
	}
	return c.Through, nil
}

// SetCheckpoint records day as transferred; it never moves the checkpoint
// back (a slow run finishing an older day after a newer run is a no-op).
func (s Repo) SetCheckpoint(ctx context.Context, day string, now time.Time) error {
	err := s.Table.Put(checkpoint{PK: checkpointPK, SK: checkpointSK, Through: day, Updated: now.UTC()}).
		If("attribute_not_exists(pk) OR through < ?", day).Run(ctx)
	if dynamo.IsCondCheckFailed(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("write transfer checkpoint %s: %w", day, err)
	}
	return nil
}

// CatchUpResult reports a scheduled run: each day it transferred, the
// checkpoint after it, and whether days remain for the next run (time ran out).
type CatchUpResult struct {
	Days    []TransferResult `json:"days"`
	Through string           `json:"through"`
	More    bool             `json:"more"`
}

// CatchUp transfers every day after the checkpoint up to yesterday (ISO), at
// most MaxCatchUp days, moving the checkpoint after each; it stops early,
// with More set, when fewer than reserve remain before ctx's deadline.
func (t Transfer) CatchUp(ctx context.Context, yesterday string, reserve time.Duration) (CatchUpResult, error) {
	last, err := t.Records.Checkpoint(ctx)
	if err != nil {
		return CatchUpResult{}, err
	}
	end, err := time.Parse(time.DateOnly, yesterday)
	if err != nil {
		return CatchUpResult{}, fmt.Errorf("yesterday %q: %w", yesterday, err)
	}
	day := end
	if last != "" {
		done, err := time.Parse(time.DateOnly, last)
		if err != nil {
			return CatchUpResult{}, fmt.Errorf("transfer checkpoint %q: %w", last, err)
		}
		day = done.AddDate(0, 0, 1)
	}
	if oldest := end.AddDate(0, 0, 1-MaxCatchUp); day.Before(oldest) {
		slog.WarnContext(ctx, "roster transfer: checkpoint too far behind; older days need explicit runs",
			"checkpoint", last, "from", oldest.Format(time.DateOnly))
		day = oldest
	}
	res := CatchUpResult{Days: []TransferResult{}, Through: last}
	for ; !day.After(end); day = day.AddDate(0, 0, 1) {
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < reserve {
			res.More = true
			break
		}
		iso := day.Format(time.DateOnly)
		r, err := t.Run(ctx, iso)
		if err != nil {
			return res, err
		}
		if err := t.Records.SetCheckpoint(ctx, iso, t.Now()); err != nil {
			return res, err
		}
		res.Days, res.Through = append(res.Days, r), iso
	}
	return res, nil
}
