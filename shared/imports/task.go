package imports

import (
	"context"
	"fmt"
	"time"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/lease"
	"github.com/ecpa-lifelong/backoffice/shared/store"
)

// A task is the work an API call used to do inside its 29 seconds and no
// longer may: the progress query's text search (L1, which reads up to
// maxListed files of up to MaxSize each) and a job's result file (which
// re-reads the upload and writes a CSV as large). The API records one and
// starts the import worker asynchronously; the screen follows it, as it
// follows an export job (shared/export).
const (
	TaskSearch = "search"
	TaskResult = "result"
)

// Task statuses, as an export job's.
const (
	TaskQueued  = lease.Queued
	TaskRunning = lease.Running
	TaskDone    = "done"
	TaskFailed  = "failed"
)

// Task is one search or result file, of one officer in one agency.
type Task struct {
	ID     string `dynamo:"id" json:"id"`
	Type   string `dynamo:"type" json:"type"`
	Agency string `dynamo:"agency" json:"-"`
	Owner  string `dynamo:"owner" json:"-"`
	Status string `dynamo:"status" json:"status"`
	Error  string `dynamo:"error,omitempty" json:"error,omitempty"`

	// A search: its conditions, and the jobs whose file holds the text.
	From      time.Time `dynamo:"from,omitempty" json:"-"`
	To        time.Time `dynamo:"to,omitempty" json:"-"`
	Kind      string    `dynamo:"kind,omitempty" json:"kind,omitempty"`
	Text      string    `dynamo:"text,omitempty" json:"q,omitempty"`
	Found     []string  `dynamo:"found,omitempty" json:"-"`
	Truncated bool      `dynamo:"truncated,omitempty" json:"truncated,omitempty"`

	// A result file: of which upload job, which rows, where it was written.
	Job        string `dynamo:"job,omitempty" json:"job,omitempty"`
	FailedOnly bool   `dynamo:"failedOnly,omitempty" json:"failed,omitempty"`
	Key        string `dynamo:"key,omitempty" json:"-"`
	Filename   string `dynamo:"filename,omitempty" json:"filename,omitempty"`

	Attempts int       `dynamo:"attempts" json:"-"`
	Created  time.Time `dynamo:"created" json:"created"`
	Started  time.Time `dynamo:"started,omitempty" json:"-"`
	Finished time.Time `dynamo:"finished,omitempty" json:"finished,omitzero"`
}

// TaskKeep is how long a task item lives (DynamoDB TTL): the screen follows
// it for minutes; a day covers a tab left open.
const TaskKeep = 24 * time.Hour

// TaskLease is how long a running task belongs to one worker run: the
// worker's time limit (template.yaml: ImportWorkerFunction Timeout 900).
const TaskLease = 15 * time.Minute

// TaskAttempts is how many runs a task gets: the invocation and Lambda's one
// retry (template.yaml: MaximumRetryAttempts 1).
const TaskAttempts = 2

// taskRuns bounds a task's worker runs: Lambda may deliver the invocation
// or its retry for an hour (template.yaml: MaximumEventAgeInSeconds 3600).
var taskRuns = lease.Policy{EventAge: lease.EventAge, Lease: TaskLease, Attempts: TaskAttempts}

// StaleTask is the reason shown for a task no worker run can still finish.
const StaleTask = "處理未在時限內完成（處理中斷），請重新操作。"

type taskItem struct {
	PK  string `dynamo:"pk"`
	SK  string `dynamo:"sk"`
	TTL int64  `dynamo:"ttl"`
	Task
}

func taskPK(id string) string { return "IMPORTTASK#" + id }

// Tasks stores tasks in the directory table, one item each, deleted by TTL.
type Tasks struct{ Table dynamo.Table }

func (s Tasks) keyed(t Task) taskItem {
	return taskItem{PK: taskPK(t.ID), SK: "TASK", TTL: t.Created.Add(TaskKeep).Unix(), Task: t}
}

// Create records a new task.
func (s Tasks) Create(ctx context.Context, t Task) error {
	if err := s.Table.Put(s.keyed(t)).If("attribute_not_exists(pk)").Run(ctx); err != nil {
		return fmt.Errorf("create import task: %w", err)
	}
	return nil
}

// Get returns a task or NotFound.
func (s Tasks) Get(ctx context.Context, id string) (Task, error) {
	it, err := store.Get[taskItem](ctx, s.Table, taskPK(id), "TASK", "找不到這個查詢或檔案。")
	return it.Task, err
}

// Claim moves a task to running for one worker run (lease.Claim): a
// running one is taken over only past its lease. It reports false for a
// task that is not to be run.
func (s Tasks) Claim(ctx context.Context, id string, now time.Time) (Task, bool, error) {
	it, ok, err := lease.Claim[taskItem](ctx, s.Table, taskPK(id), "TASK", now, TaskLease)
	if err != nil {
		return Task{}, false, fmt.Errorf("claim import task %s: %w", id, err)
	}
	return it.Task, ok, nil
}

// Finish records the end of a run, only if this run still holds the task.
func (s Tasks) Finish(ctx context.Context, t Task) error {
	if err := lease.Finish(ctx, s.Table, s.keyed(t), t.Started); err != nil {
		return fmt.Errorf("finish import task %s: %w", t.ID, err)
	}
	return nil
}

// Requeue hands a task this run holds back to the queue, for Lambda's retry.
func (s Tasks) Requeue(ctx context.Context, t Task) error {
	if err := lease.Requeue(ctx, s.Table, taskPK(t.ID), "TASK", t.Started); err != nil {
		return fmt.Errorf("requeue import task %s: %w", t.ID, err)
	}
	return nil
}

// Fail ends a task the API could not start (the worker's invocation failed).
func (s Tasks) Fail(ctx context.Context, t Task, msg string, now time.Time) error {
	t.Status, t.Error, t.Finished = TaskFailed, msg, now
	if err := s.Table.Put(s.keyed(t)).Run(ctx); err != nil {
		return fmt.Errorf("fail import task %s: %w", t.ID, err)
	}
	return nil
}

// shown is the task as the screen sees it: one no run can still finish
// (queued past the last moment its invocation could arrive and run, or
// running past its lease with no retry left) is shown failed.
func (t Task) shown(now time.Time) Task {
	if taskRuns.Stale(t.Status, t.Created, t.Started, t.Attempts, now) {
		t.Status, t.Error = TaskFailed, StaleTask
	}
	return t
}
