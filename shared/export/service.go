package export

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ecpa-lifelong/backoffice/shared/blob"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/invoke"
)

// Invoker starts the worker for a job, asynchronously.
type Invoker interface {
	Invoke(ctx context.Context, jobID string) error
}

// Linker presigns downloads.
type Linker interface {
	DownloadURL(ctx context.Context, bucket, key, filename string) (string, error)
}

// Service is the API side of exports: request, list, look at, download.
type Service struct {
	Jobs    Jobs
	Worker  Invoker
	Links   Linker
	Bucket  string
	Sources map[string]Source
	Now     func() time.Time
}

// Request checks and records a job, then starts the worker; the file is never
// made inside the API request.
func (s *Service) Request(ctx context.Context, c auth.Caller, kind string, format Format, params map[string]string, password string) (Job, error) {
	src, ok := s.Sources[kind]
	if !ok {
		return Job{}, errcode.New(errcode.NotFound, "沒有這種匯出。")
	}
	if !format.Valid() {
		return Job{}, errcode.Field("format", "請選擇檔案格式：xlsx、ods 或 csv。")
	}
	if password != "" && !GoodPassword(password) {
		return Job{}, errcode.Field("password", "檔案密碼須為 8 至 64 個英文字母、數字或符號（不含空白）。")
	}
	plan, err := src.Plan(ctx, c, params)
	if err != nil {
		return Job{}, err
	}
	if password == "" {
		password = Password()
	}
	plan.Conditions = append(plan.Conditions, Condition{Label: "檔案格式", Value: strings.ToUpper(string(format))})
	job := Job{ID: auth.RandomID(16), Kind: kind, Title: plan.Title, Conditions: plan.Conditions, Params: plan.Params,
		Format: format, Owner: owner(c), Agency: c.Active.Code, Status: Queued, Password: password,
		Filename: SafeName(plan.Filename) + ".zip", Created: s.Now().UTC()}
	if err := s.Jobs.Create(ctx, job); err != nil {
		return Job{}, err
	}
	if err := s.Worker.Invoke(ctx, job.ID); err != nil {
		job.Status, job.Error = Failed, "匯出服務暫時無法啟動，請稍後重新申請。"
		job.Started, job.Finished = job.Created, s.Now().UTC()
		_ = s.Jobs.Table.Put(s.Jobs.keyed(job)).Run(ctx)
		return Job{}, errcode.Wrap(errcode.Unavailable, job.Error, err)
	}
	return job, nil
}

// Mine returns a job of the caller in their active agency; anyone else's is
// NotFound, so job ids cannot be probed.
func (s *Service) Mine(ctx context.Context, c auth.Caller, id string) (Job, error) {
	j, err := s.Jobs.Get(ctx, id)
	if err != nil {
		return Job{}, err
	}
	if j.Owner != owner(c) || j.Agency != c.Active.Code {
		return Job{}, errcode.New(errcode.NotFound, "找不到這個匯出工作。")
	}
	return s.Jobs.settle(ctx, j, s.Now().UTC())
}

// List returns the caller's jobs of one kind in their active agency, newest
// first; a job that can no longer finish is ended as failed on the way.
func (s *Service) List(ctx context.Context, c auth.Caller, kind string) ([]Job, error) {
	jobs, err := s.Jobs.Mine(ctx, owner(c), kind, 50)
	if err != nil {
		return nil, err
	}
	out := make([]Job, 0, len(jobs))
	for _, j := range jobs {
		if j.Agency != c.Active.Code {
			continue
		}
		if j, err = s.Jobs.settle(ctx, j, s.Now().UTC()); err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, nil
}

// Download presigns the finished file for the caller.
func (s *Service) Download(ctx context.Context, c auth.Caller, id string) (string, Job, error) {
	j, err := s.Mine(ctx, c, id)
	if err != nil {
		return "", Job{}, err
	}
	switch {
	case j.Status == Queued || j.Status == Running:
		return "", Job{}, errcode.New(errcode.Conflict, "檔案還在產製中，請稍候。")
	case j.Status != Done:
		return "", Job{}, errcode.New(errcode.Conflict, "這個匯出沒有完成："+j.Error)
	case j.Expired(s.Now()):
		return "", Job{}, errcode.New(errcode.NotFound, "檔案已超過保存期限（3 天）並已刪除，請重新申請。")
	}
	url, err := s.Links.DownloadURL(ctx, s.Bucket, j.Key, j.Filename)
	return url, j, err
}

// WorkerInput is the worker's event.
type WorkerInput = invoke.JobInput

// MaxRows is the most rows one sheet may hold: Excel's limit, kept for every
// format so that a file opens everywhere.
const MaxRows = 1_048_575

// MaxAttempts is how many runs a job gets: the invocation and Lambda's one
// retry (template.yaml: EventInvokeConfig.MaximumRetryAttempts 1).
const MaxAttempts = 2

// Lease is how long a running job belongs to one worker run (its time limit).
const Lease = 15 * time.Minute

// margin is the time kept back before the worker's deadline to record the outcome.
const margin = 20 * time.Second

var (
	errTooLarge = errors.New("too large")
	errTimeUp   = errors.New("time up")
)

// Worker writes the file of a job to S3 and finishes the job.
type Worker struct {
	Jobs    Jobs
	Sources map[string]Source
	Upload  *manager.Uploader
	Bucket  string
	Now     func() time.Time
	MaxRows int // 0: MaxRows
}

// Run handles one job. A job that another run finished or holds is left alone,
// so a repeated invocation does nothing twice.
func (w *Worker) Run(ctx context.Context, in WorkerInput) error {
	job, ok, err := w.Jobs.Claim(ctx, in.JobID, w.Now().UTC(), Lease)
	if err != nil {
		return err
	}
	if !ok {
		slog.InfoContext(ctx, "export job not claimed (done, failed or held by another run)", "job", in.JobID)
		return nil
	}
	src, ok := w.Sources[job.Kind]
	if !ok {
		return w.finish(ctx, job, Failed, 0, 0, "沒有這種匯出："+job.Kind)
	}
	key := fmt.Sprintf("exports/%s/%s.zip", job.Agency, auth.RandomID(16))
	rows, size, err := w.write(ctx, job, src, key)
	d, delivers := src.(Deliverer)
	if err != nil && delivers {
		d.Undelivered(job) // a run that stored no file delivered nothing
	}
	switch {
	case errors.Is(err, errTooLarge):
		return w.finish(ctx, job, TooLarge, rows, 0, fmt.Sprintf("資料超過 %d 列（試算表的上限），請縮小查詢條件後再匯出。", w.maxRows()))
	case errors.Is(err, errTimeUp):
		return w.finish(ctx, job, TooLarge, rows, 0, fmt.Sprintf("資料量過大，已寫出 %d 列仍無法在時限內完成，請縮小查詢條件後再匯出。", rows))
	case err != nil && job.Attempts < MaxAttempts:
		// Back to the queue, and the error makes Lambda retry the invocation.
		slog.WarnContext(ctx, "export attempt failed; will retry", "job", job.ID, "attempt", job.Attempts, "err", err)
		if rerr := w.Jobs.Requeue(ctx, job); rerr != nil {
			return errors.Join(err, rerr)
		}
		return fmt.Errorf("export %s, attempt %d: %w", job.ID, job.Attempts, err)
	case err != nil:
		slog.ErrorContext(ctx, "export failed", "job", job.ID, "err", err)
		return w.finish(ctx, job, Failed, rows, 0, "匯出失敗，請重新申請；若持續發生請聯絡系統管理者。")
	}
	job.Key = key
	if err := w.finish(ctx, job, Done, rows, size, ""); err != nil {
		if delivers {
			d.Undelivered(job)
		}
		return err
	}
	if delivers {
		// Only a job recorded done delivered its file: a run that fails before
		// that marks nothing. A failure here leaves records unmarked, so the
		// next 「尚未下載過」 download delivers them again (never skips one);
		// the job stays done and a retry of the invocation could not mark
		// anything (the rows it read are gone with this run), so it is logged.
		if err := d.Delivered(ctx, job); err != nil {
			slog.ErrorContext(ctx, "export done; marking its rows delivered failed", "job", job.ID, "err", err)
		}
	}
	return nil
}

func (w *Worker) finish(ctx context.Context, job Job, status string, rows int, size int64, msg string) error {
	job.Status, job.Rows, job.Size, job.Error, job.Finished = status, rows, size, msg, w.Now().UTC()
	if err := w.Jobs.Finish(ctx, job); err != nil {
		return err
	}
	slog.InfoContext(ctx, "export finished", "job", job.ID, "kind", job.Kind, "status", status, "rows", rows, "bytes", size)
	return nil
}

// write streams rows → sheet → AES ZIP → multipart upload, holding no more
// than a few parts in memory whatever the row count.
func (w *Worker) write(ctx context.Context, job Job, src Source, key string) (int, int64, error) {
	deadline, hasDeadline := ctx.Deadline()
	pr, pw := io.Pipe()
	rows := 0
	produced := make(chan error, 1)
	go func() {
		err := Pack(pw, strings.TrimSuffix(job.Filename, ".zip")+"."+string(job.Format), job.Password, func(zw io.Writer) error {
			sheet, err := NewSheet(job.Format, zw, sheetName(job.Title), src.Columns())
			if err != nil {
				return err
			}
			params := map[string]string{JobParam: job.ID}
			for k, v := range job.Params {
				params[k] = v
			}
			err = src.Rows(ctx, params, func(cells []string) error {
				rows++
				if rows > w.maxRows() {
					return errTooLarge
				}
				if hasDeadline && rows%1000 == 0 && time.Until(deadline) < margin {
					return errTimeUp
				}
				return sheet.WriteRow(cells)
			})
			if err != nil {
				return err
			}
			return sheet.Close()
		})
		produced <- err
		pw.CloseWithError(err)
	}()
	body := &blob.CountingReader{R: pr}
	_, upErr := w.Upload.Upload(ctx, &s3.PutObjectInput{Bucket: aws.String(w.Bucket), Key: aws.String(key),
		Body: body, ContentType: aws.String("application/zip")})
	pr.CloseWithError(errors.New("upload ended")) // unblock the writer if the upload stopped first
	if err := <-produced; err != nil {
		return rows, 0, err
	}
	if upErr != nil {
		return rows, 0, fmt.Errorf("upload %s: %w", key, upErr)
	}
	return rows, body.N, nil
}

func (w *Worker) maxRows() int {
	if w.MaxRows > 0 {
		return w.MaxRows
	}
	return MaxRows
}

// sheetName fits a title into a sheet name (at most 31 characters, none of : \ / ? * [ ]).
func sheetName(title string) string {
	clean := strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) {
			return '_'
		}
		return r
	}, title)
	for utf8.RuneCountInString(clean) > 31 {
		_, size := utf8.DecodeLastRuneInString(clean)
		clean = clean[:len(clean)-size]
	}
	if clean == "" {
		return "資料"
	}
	return clean
}

// owner names the requester of a job: an officer by id, a statistics
// account (S1) by its user name in a namespace of its own, so the two kinds
// of account never see each other's jobs.
func owner(c auth.Caller) string {
	if c.Kind == auth.KindStats {
		return "stats:" + c.UserID
	}
	return c.UserID
}
