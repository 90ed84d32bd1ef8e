package agency

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"
	"unicode/utf8"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/csvtext"
)

// Roster sync (X3): the roster file dropped in the uploads bucket is checked
// when it arrives (the S3 notification) and applied by the nightly batch.
// A job is keyed by object key + ETag, so a repeated notification stages
// nothing twice, and applying is an idempotent upsert, so a batch that is
// fired twice or crashes midway ends with the same tree.

// Job statuses.
const (
	JobStaged  = "staged"
	JobApplied = "applied"
	JobFailed  = "failed"
)

// Job is one roster file.
type Job struct {
	ID        string     `dynamo:"id" json:"id"`
	Key       string     `dynamo:"key" json:"key"`
	ETag      string     `dynamo:"etag" json:"etag"`
	Status    string     `dynamo:"status" json:"status"`
	Rows      int        `dynamo:"rows" json:"rows"`
	Bad       []RowError `dynamo:"bad,omitempty" json:"bad,omitempty"`
	FileError string     `dynamo:"fileError,omitempty" json:"fileError,omitempty"`
	Created   time.Time  `dynamo:"created" json:"created"`
	Applied   time.Time  `dynamo:"applied,omitempty" json:"applied,omitzero"`
	// The re-parentings this roster makes, recorded before the tree is
	// written (see plan); Planned tells an empty plan from none yet.
	Planned bool   `dynamo:"planned,omitempty" json:"-"`
	Moves   []Move `dynamo:"moves,omitempty" json:"-"`
}

// Move is one agency whose path a roster changes.
type Move struct {
	From string `dynamo:"from"`
	To   string `dynamo:"to"`
}

type jobItem struct {
	PK     string `dynamo:"pk"`
	SK     string `dynamo:"sk"`
	GSI1PK string `dynamo:"gsi1pk"`
	GSI1SK string `dynamo:"gsi1sk"`
	Job
}

// maxMessage bounds each stored reason: with maxBadRows of them the item
// stays far below DynamoDB's 400 KB whatever the file holds.
const maxMessage = 200

func clip(s string) string {
	if utf8.RuneCountInString(s) <= maxMessage {
		return s
	}
	return string([]rune(s)[:maxMessage]) + "…"
}

func jobKeyed(j Job) jobItem {
	j.FileError = clip(j.FileError)
	if len(j.Bad) > 0 {
		bad := make([]RowError, len(j.Bad))
		for i, b := range j.Bad {
			bad[i] = RowError{b.Line, clip(b.Message)}
		}
		j.Bad = bad
	}
	return jobItem{PK: "ROSTERJOB#" + j.ID, SK: "JOB", GSI1PK: "ROSTERJOBS#" + j.Status,
		GSI1SK: j.Created.UTC().Format(time.RFC3339Nano), Job: j}
}

// maxBadRows bounds what a job item keeps (DynamoDB items are at most 400 KB).
const maxBadRows = 200

// Opener reads objects of the uploads bucket.
type Opener interface {
	Get(ctx context.Context, bucket, key string) (io.ReadCloser, error)
}

// Sync stages and applies roster files.
type Sync struct {
	Repo   Repo
	Files  Opener
	Bucket string
	Now    func() time.Time
	// Moved is told every agency whose path a roster changed, so that items
	// indexed by agency path elsewhere (users, statistics accounts) follow.
	Moved func(ctx context.Context, oldPath, newPath string) error
}

// JobID is derived from the object, so the same upload always names the same job.
func JobID(key, etag string) string {
	sum := sha256.Sum256([]byte(key + "\x00" + etag))
	return hex.EncodeToString(sum[:12])
}

// Stage checks a newly arrived roster file and records the job. A repeated
// notification for the same object version does nothing.
func (s *Sync) Stage(ctx context.Context, key, etag string) (Job, error) {
	job := Job{ID: JobID(key, etag), Key: key, ETag: etag, Status: JobStaged, Created: s.Now().UTC()}
	tree, bad, err := s.read(ctx, key)
	switch {
	case err != nil && isFileProblem(err):
		job.Status, job.FileError = JobFailed, err.Error()
	case err != nil:
		return Job{}, err // S3 unreachable: let Lambda retry the event
	case len(bad) > 0:
		// A roster is all or nothing: a partial tree would orphan agencies.
		job.Status, job.FileError = JobFailed, fmt.Sprintf("有 %d 列資料錯誤，整份名冊未套用；請修正後重新上傳", len(bad))
	}
	job.Rows = len(tree) + len(bad)
	job.Bad = bad[:min(len(bad), maxBadRows)]
	err = s.Repo.Table.Put(jobKeyed(job)).If("attribute_not_exists(pk)").Run(ctx)
	if dynamo.IsCondCheckFailed(err) {
		slog.InfoContext(ctx, "roster already staged", "key", key, "job", job.ID)
		return s.getJob(ctx, job.ID)
	}
	if err != nil {
		return Job{}, fmt.Errorf("stage roster job %s: %w", job.ID, err)
	}
	return job, nil
}

type fileProblem struct{ error }

func isFileProblem(err error) bool {
	var fp fileProblem
	return errors.As(err, &fp)
}

func (s *Sync) read(ctx context.Context, key string) ([]Agency, []RowError, error) {
	body, err := s.Files.Get(ctx, s.Bucket, key)
	if err != nil {
		return nil, nil, err
	}
	defer body.Close()
	text, _, err := csvtext.Decode(body)
	if err != nil {
		return nil, nil, fileProblem{err}
	}
	tree, bad, err := ParseRoster(text)
	if err != nil {
		return nil, bad, fileProblem{err}
	}
	return tree, bad, nil
}

func (s *Sync) getJob(ctx context.Context, id string) (Job, error) {
	var it jobItem
	if err := s.Repo.Table.Get("pk", "ROSTERJOB#"+id).Range("sk", dynamo.Equal, "JOB").Consistent(true).One(ctx, &it); err != nil {
		return Job{}, fmt.Errorf("get roster job %s: %w", id, err)
	}
	return it.Job, nil
}

// ApplyStaged applies every staged roster, oldest first, and returns how many.
func (s *Sync) ApplyStaged(ctx context.Context) (int, error) {
	var staged []jobItem
	if err := s.Repo.Table.Get("gsi1pk", "ROSTERJOBS#"+JobStaged).Index("gsi1").All(ctx, &staged); err != nil {
		return 0, fmt.Errorf("list staged rosters: %w", err)
	}
	applied := 0
	for _, it := range staged {
		tree, _, err := s.read(ctx, it.Key)
		if err != nil {
			return applied, fmt.Errorf("re-read roster %s: %w", it.Key, err)
		}
		moves, open, err := s.plan(ctx, it.Job, tree)
		if err != nil {
			return applied, err
		}
		if !open { // applied by a concurrent run meanwhile
			continue
		}
		if err := s.Repo.PutAll(ctx, tree); err != nil {
			return applied, err
		}
		// Re-parented agencies: what is indexed under the old path follows.
		// A run that crashes here is redone next time from the recorded plan
		// (the job is still staged): the tree then already has the new paths.
		for _, m := range moves {
			if s.Moved == nil {
				break
			}
			if err := s.Moved(ctx, m.From, m.To); err != nil {
				return applied, fmt.Errorf("follow the move of %s to %s: %w", m.From, m.To, err)
			}
		}
		done := it.Job
		done.Status, done.Applied = JobApplied, s.Now().UTC()
		err = s.Repo.Table.Put(jobKeyed(done)).If("$ = ?", "status", JobStaged).Run(ctx)
		if err != nil && !dynamo.IsCondCheckFailed(err) { // already applied by a concurrent run: fine
			return applied, fmt.Errorf("mark roster %s applied: %w", it.ID, err)
		}
		applied++
		slog.InfoContext(ctx, "roster applied", "key", it.Key, "agencies", len(tree))
	}
	return applied, nil
}

// plan returns the moves a staged roster makes, recorded in its job before
// the tree is written: a run that crashed after writing the tree left the new
// paths behind, so a rerun must take the moves from the job, not compare the
// tree with itself. The first recorded plan stands (a run that read the tree
// too late loses the condition and reads the plan); open is false when the
// job is no longer staged.
func (s *Sync) plan(ctx context.Context, j Job, tree []Agency) (moves []Move, open bool, err error) {
	if j.Planned {
		return j.Moves, true, nil
	}
	before, err := s.Repo.All(ctx)
	if err != nil {
		return nil, false, err
	}
	for _, a := range tree {
		if old, ok := before[a.Code]; ok && old.Path != a.Path {
			moves = append(moves, Move{From: old.Path, To: a.Path})
		}
	}
	u := s.Repo.Table.Update("pk", "ROSTERJOB#"+j.ID).Range("sk", "JOB").Set("planned", true)
	if len(moves) > 0 {
		u = u.Set("moves", moves)
	}
	err = u.If("$ = ? AND attribute_not_exists($)", "status", JobStaged, "planned").Run(ctx)
	if dynamo.IsCondCheckFailed(err) {
		cur, gerr := s.getJob(ctx, j.ID)
		if gerr != nil {
			return nil, false, gerr
		}
		return cur.Moves, cur.Status == JobStaged, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("record the moves of roster %s: %w", j.ID, err)
	}
	return moves, true, nil
}
