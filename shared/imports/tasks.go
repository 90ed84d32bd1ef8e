package imports

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/invoke"
)

// SearchView is a search task as the screen follows it: when done, the jobs
// found (as they are now).
type SearchView struct {
	Task
	Items []Job `json:"items"` // null until done
}

// ResultView is a result-file task as the screen follows it: when done, a
// short-lived link to the file.
type ResultView struct {
	Task
	URL string `json:"url,omitempty"`
}

// MaxSearchText bounds the text of a search (characters).
const MaxSearchText = 100

// RequestSearch records a text search of the progress query and starts the
// worker. A caller without L1 (P4's nomination progress query) searches
// nomination jobs only.
func (s *Service) RequestSearch(ctx context.Context, c auth.Caller, q Query, text string) (Task, error) {
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return Task{}, errcode.Field("q", "請輸入要在檔案內容中搜尋的文字。")
	case utf8.RuneCountInString(text) > MaxSearchText:
		return Task{}, errcode.Field("q", fmt.Sprintf("搜尋文字最多 %d 個字。", MaxSearchText))
	}
	if !c.Can("L1") {
		q.Kind = Nominations
	}
	t := Task{ID: auth.RandomID(16), Type: TaskSearch, Agency: c.Active.Code, Owner: c.UserID, Status: TaskQueued,
		From: q.From.UTC(), To: q.To.UTC(), Kind: q.Kind, Text: text, Created: s.Now().UTC()}
	return t, s.start(ctx, t)
}

// start records a task and invokes the worker for it; a task whose worker
// cannot be started is recorded as failed and answered 503.
func (s *Service) start(ctx context.Context, t Task) error {
	if err := s.Tasks.Create(ctx, t); err != nil {
		return err
	}
	if err := s.Worker.Invoke(ctx, t.ID); err != nil {
		msg := "背景處理服務暫時無法啟動，請稍後再試。"
		_ = s.Tasks.Fail(ctx, t, msg, s.Now().UTC())
		return errcode.Wrap(errcode.Unavailable, msg, err)
	}
	return nil
}

// task returns a task of the caller, of one type, in their active agency;
// anyone else's is NotFound, so task ids cannot be probed.
func (s *Service) task(ctx context.Context, c auth.Caller, id, typ string) (Task, error) {
	t, err := s.Tasks.Get(ctx, id)
	if err != nil {
		return Task{}, err
	}
	if t.Type != typ || t.Agency != c.Active.Code || t.Owner != c.UserID {
		return Task{}, errcode.New(errcode.NotFound, "找不到這個查詢或檔案。")
	}
	return t.shown(s.Now().UTC()), nil
}

// Search follows a search task; when done it lists the jobs found, as the
// progress query shows them.
func (s *Service) Search(ctx context.Context, c auth.Caller, id string) (SearchView, error) {
	t, err := s.task(ctx, c, id, TaskSearch)
	if err != nil || t.Status != TaskDone {
		return SearchView{Task: t}, err
	}
	jobs, _, err := s.List(ctx, c, Query{From: t.From, To: t.To, Kind: t.Kind})
	if err != nil {
		return SearchView{}, err
	}
	found := map[string]bool{}
	for _, id := range t.Found {
		found[id] = true
	}
	v := SearchView{Task: t, Items: []Job{}}
	for _, j := range jobs {
		if found[j.ID] {
			v.Items = append(v.Items, j)
		}
	}
	return v, nil
}

// RequestResult asks for a job's result file. When the file of the job's
// present state was already written, the link is answered at once (done,
// with no task); else a task is recorded and the worker started.
func (s *Service) RequestResult(ctx context.Context, c auth.Caller, jobID string, failedOnly bool) (ResultView, error) {
	j, err := s.Job(ctx, c, jobID)
	if err != nil {
		return ResultView{}, err
	}
	if err := resultable(j); err != nil {
		return ResultView{}, err
	}
	key, name := resultFile(j, failedOnly)
	ok, err := s.Store.Exists(ctx, s.Bucket, key)
	if err != nil {
		return ResultView{}, err
	}
	now := s.Now().UTC()
	if ok {
		url, err := s.Store.DownloadURL(ctx, s.Bucket, key, name)
		if err != nil {
			return ResultView{}, err
		}
		return ResultView{Task: Task{Type: TaskResult, Status: TaskDone, Job: j.ID, FailedOnly: failedOnly, Filename: name,
			Created: now, Finished: now}, URL: url}, nil
	}
	t := Task{ID: auth.RandomID(16), Type: TaskResult, Agency: c.Active.Code, Owner: c.UserID, Status: TaskQueued,
		Job: j.ID, FailedOnly: failedOnly, Created: now}
	return ResultView{Task: t}, s.start(ctx, t)
}

// Result follows a result-file task; when done it presigns the file (the
// caller must still see the job).
func (s *Service) Result(ctx context.Context, c auth.Caller, id string) (ResultView, error) {
	t, err := s.task(ctx, c, id, TaskResult)
	if err != nil {
		return ResultView{}, err
	}
	if _, err := s.Job(ctx, c, t.Job); err != nil {
		return ResultView{}, err
	}
	if t.Status != TaskDone {
		return ResultView{Task: t}, nil
	}
	url, err := s.Store.DownloadURL(ctx, s.Bucket, t.Key, t.Filename)
	return ResultView{Task: t, URL: url}, err
}

// taskMargin is the time kept back before the worker's deadline to record
// the outcome.
const taskMargin = 20 * time.Second

var errTaskTime = errors.New("time up")

// RunTask is the import worker: it runs one task. A task another run
// finished or holds is left alone, so a repeated invocation does nothing
// twice; a retried run redoes the whole task (a search is read-only, and a
// result file is written to the same key).
func (s *Service) RunTask(ctx context.Context, in invoke.JobInput) error {
	t, ok, err := s.Tasks.Claim(ctx, in.JobID, s.Now().UTC())
	if err != nil {
		return err
	}
	if !ok {
		slog.InfoContext(ctx, "import task not claimed (done, failed or held by another run)", "task", in.JobID)
		return nil
	}
	work, cancel := ctx, context.CancelFunc(func() {})
	if d, ok := ctx.Deadline(); ok {
		work, cancel = context.WithDeadlineCause(ctx, d.Add(-taskMargin), errTaskTime)
	}
	defer cancel()
	switch t.Type {
	case TaskSearch:
		t.Found, t.Truncated, err = s.search(work, t.Agency, Query{From: t.From, To: t.To, Kind: t.Kind}, t.Text)
	case TaskResult:
		err = s.runResult(work, &t)
	default:
		err = errcode.New(errcode.Invalid, "沒有這種背景處理："+t.Type)
	}
	if errors.Is(context.Cause(work), errTaskTime) && ctx.Err() == nil {
		err = errcode.New(errcode.Invalid, map[string]string{
			TaskSearch: "要搜尋的檔案過多，未能在時限內完成；請縮小上傳日期範圍或選擇作業種類後再查詢。",
			TaskResult: "檔案過大，處理結果未能在時限內產生；請聯絡系統管理者。",
		}[t.Type])
	}
	var known *errcode.Error
	switch {
	case err == nil:
		t.Status = TaskDone
	case errors.As(err, &known) && known.Code != errcode.Internal && known.Code != errcode.Unavailable:
		t.Status, t.Error = TaskFailed, known.Message // the task cannot succeed: no retry
	case t.Attempts < TaskAttempts:
		// Back to the queue, and the error makes Lambda retry the invocation.
		slog.WarnContext(ctx, "import task failed; will retry", "task", t.ID, "type", t.Type, "attempt", t.Attempts, "err", err)
		if rerr := s.Tasks.Requeue(ctx, t); rerr != nil {
			return errors.Join(err, rerr)
		}
		return fmt.Errorf("import task %s, attempt %d: %w", t.ID, t.Attempts, err)
	default:
		slog.ErrorContext(ctx, "import task failed", "task", t.ID, "type", t.Type, "err", err)
		t.Status, t.Error = TaskFailed, "處理失敗，請重新操作；若持續發生請聯絡系統管理者。"
	}
	t.Finished = s.Now().UTC()
	if err := s.Tasks.Finish(ctx, t); err != nil {
		return err
	}
	slog.InfoContext(ctx, "import task finished", "task", t.ID, "type", t.Type, "status", t.Status, "found", len(t.Found))
	return nil
}

// runResult writes the result file of the task's job as the job is now.
func (s *Service) runResult(ctx context.Context, t *Task) error {
	j, err := s.Jobs.Get(ctx, t.Job)
	if err != nil {
		return err
	}
	if err := resultable(j); err != nil {
		return err
	}
	t.Key, t.Filename = resultFile(j, t.FailedOnly)
	return s.putResult(ctx, j, t.FailedOnly, t.Key)
}
