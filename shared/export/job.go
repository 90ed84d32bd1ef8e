package export

import (
	"context"
	"fmt"
	"time"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/lease"
	"github.com/ecpa-lifelong/backoffice/shared/store"
)

// Job statuses.
const (
	Queued   = lease.Queued
	Running  = lease.Running
	Done     = "done"
	Failed   = "failed"
	TooLarge = "too_large"
)

// Keep says how long a finished file stays downloadable; the exports bucket's
// lifecycle rule deletes it soon after (template.yaml: 3 days).
const Keep = 72 * time.Hour

// Job is one export: who asked, for what, in which format, and how it went.
type Job struct {
	ID         string            `dynamo:"id" json:"id"`
	Kind       string            `dynamo:"kind" json:"kind"`
	Title      string            `dynamo:"title" json:"title"`
	Conditions []Condition       `dynamo:"conditions" json:"conditions"` // as the officer chose them, labelled in Chinese
	Params     map[string]string `dynamo:"params" json:"-"`              // what the source reads
	Format     Format            `dynamo:"format" json:"format"`
	Owner      string            `dynamo:"owner" json:"-"`
	Agency     string            `dynamo:"agency" json:"agency"` // the requester's active agency
	Status     string            `dynamo:"status" json:"status"`
	Password   string            `dynamo:"password" json:"password,omitempty"`
	Filename   string            `dynamo:"filename" json:"filename"` // the ZIP's name (the sheet inside has the same stem)
	Key        string            `dynamo:"key,omitempty" json:"-"`
	Rows       int               `dynamo:"rows" json:"rows"`
	Size       int64             `dynamo:"size" json:"size"`
	Error      string            `dynamo:"error,omitempty" json:"error,omitempty"`
	Attempts   int               `dynamo:"attempts" json:"-"`
	Created    time.Time         `dynamo:"created" json:"created"`
	Started    time.Time         `dynamo:"started,omitempty" json:"-"`
	Finished   time.Time         `dynamo:"finished,omitempty" json:"finished,omitzero"`
}

// Expired reports whether the file is gone (or about to be) from the bucket.
func (j Job) Expired(now time.Time) bool { return j.Status == Done && now.After(j.Finished.Add(Keep)) }

type jobItem struct {
	PK     string `dynamo:"pk"`
	SK     string `dynamo:"sk"`
	GSI1PK string `dynamo:"gsi1pk"`
	GSI1SK string `dynamo:"gsi1sk"`
	TTL    int64  `dynamo:"ttl"`
	Job
}

func jobPK(id string) string { return "EXPORT#" + id }

// Jobs stores export jobs in the directory table: one item per job, listed
// per requester (gsi1 EXPORTS#<user>, newest first), deleted by TTL a week
// after they were made.
type Jobs struct{ Table dynamo.Table }

func (s Jobs) keyed(j Job) jobItem {
	return jobItem{PK: jobPK(j.ID), SK: "JOB", GSI1PK: "EXPORTS#" + j.Owner, GSI1SK: j.Created.UTC().Format(time.RFC3339Nano),
		TTL: j.Created.Add(7 * 24 * time.Hour).Unix(), Job: j}
}

// Create records a new job.
func (s Jobs) Create(ctx context.Context, j Job) error {
	if err := s.Table.Put(s.keyed(j)).If("attribute_not_exists(pk)").Run(ctx); err != nil {
		return fmt.Errorf("create export job: %w", err)
	}
	return nil
}

// Get returns a job or NotFound.
func (s Jobs) Get(ctx context.Context, id string) (Job, error) {
	it, err := store.Get[jobItem](ctx, s.Table, jobPK(id), "JOB", "找不到這個匯出工作。")
	return it.Job, err
}

// Mine lists a user's jobs of one kind, newest first.
func (s Jobs) Mine(ctx context.Context, owner, kind string, limit int) ([]Job, error) {
	var items []jobItem
	err := s.Table.Get("gsi1pk", "EXPORTS#"+owner).Index("gsi1").Order(dynamo.Descending).
		Filter("$ = ?", "kind", kind).SearchLimit(limit*4).All(ctx, &items)
	if err != nil {
		return nil, fmt.Errorf("list export jobs: %w", err)
	}
	out := make([]Job, 0, len(items))
	for _, it := range items {
		if len(out) < limit {
			out = append(out, it.Job)
		}
	}
	return out, nil
}

// Claim moves a job to running for one worker run (lease.Claim): a running
// job is taken over only past its lease. It reports false when the job is
// not to be run.
func (s Jobs) Claim(ctx context.Context, id string, now time.Time, hold time.Duration) (Job, bool, error) {
	it, ok, err := lease.Claim[jobItem](ctx, s.Table, jobPK(id), "JOB", now, hold)
	if err != nil {
		return Job{}, false, fmt.Errorf("claim export job %s: %w", id, err)
	}
	return it.Job, ok, nil
}

// Finish records the end of a run, only if this run still holds the job.
func (s Jobs) Finish(ctx context.Context, j Job) error {
	if err := lease.Finish(ctx, s.Table, s.keyed(j), j.Started); err != nil {
		return fmt.Errorf("finish export job %s: %w", j.ID, err)
	}
	return nil
}

// runs bounds a job's worker runs (template.yaml: the export worker's
// MaximumEventAgeInSeconds, timeout and retries).
var runs = lease.Policy{EventAge: lease.EventAge, Lease: Lease, Attempts: MaxAttempts}

// Stale is the reason given to a job that can no longer finish.
const Stale = "匯出未在時限內完成（處理中斷），請重新申請。"

// stale reports a job no worker run can still finish (lease.Policy.Stale).
func (j Job) stale(now time.Time) bool {
	return runs.Stale(j.Status, j.Created, j.Started, j.Attempts, now)
}

// settle ends a stale job as failed with Stale, conditional on it being as
// it was read (a run that took it over meanwhile is never overruled).
func (s Jobs) settle(ctx context.Context, j Job, now time.Time) (Job, error) {
	if !j.stale(now) {
		return j, nil
	}
	was := j
	j.Status, j.Error, j.Finished = Failed, Stale, now
	err := s.Table.Put(s.keyed(j)).If("$ = ? AND $ = ?", "status", was.Status, "attempts", was.Attempts).Run(ctx)
	if dynamo.IsCondCheckFailed(err) {
		return s.Get(ctx, j.ID)
	}
	if err != nil {
		return Job{}, fmt.Errorf("end stale export job %s: %w", j.ID, err)
	}
	return j, nil
}

// Requeue hands a job this run holds back to the queue, for a retry.
func (s Jobs) Requeue(ctx context.Context, j Job) error {
	if err := lease.Requeue(ctx, s.Table, jobPK(j.ID), "JOB", j.Started); err != nil {
		return fmt.Errorf("requeue export job %s: %w", j.ID, err)
	}
	return nil
}
