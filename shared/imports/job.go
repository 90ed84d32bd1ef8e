package imports

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/store"
)

// Job statuses.
const (
	Uploading = "uploading" // waiting for the file
	Staging   = "staging"   // the file arrived and is being checked
	Staged    = "staged"    // checked; waiting for the nightly batch
	Applying  = "applying"  // being applied (possibly over several invocations)
	Done      = "done"
	Failed    = "failed" // the file as a whole was refused; nothing applied
)

// ChunkRows is how many rows share one results item and one checkpoint.
const ChunkRows = 1000

// Job is one upload.
type Job struct {
	ID         string    `dynamo:"id" json:"id"`
	Kind       string    `dynamo:"kind" json:"kind"`
	Agency     string    `dynamo:"agency" json:"agency"`
	AgencyName string    `dynamo:"agencyName" json:"agencyName"`
	User       string    `dynamo:"user" json:"user"`
	UserName   string    `dynamo:"userName" json:"userName"`
	FileName   string    `dynamo:"fileName" json:"fileName"`
	Key        string    `dynamo:"key" json:"-"`
	Size       int64     `dynamo:"size" json:"size"`
	ETag       string    `dynamo:"etag,omitempty" json:"-"`
	Status     string    `dynamo:"status" json:"status"`
	Encoding   string    `dynamo:"encoding,omitempty" json:"encoding,omitempty"`
	Layout     string    `dynamo:"layout,omitempty" json:"layout,omitempty"`
	Extra      []string  `dynamo:"extra,omitempty" json:"extra,omitempty"`           // ignored header cells (the first MaxExtraListed)
	ExtraCount int       `dynamo:"extraCount,omitempty" json:"extraCount,omitempty"` // all of them
	FileError  string    `dynamo:"fileError,omitempty" json:"fileError,omitempty"`
	Rows       int       `dynamo:"rows" json:"rows"`
	Failed     int       `dynamo:"failed" json:"failed"`
	Waiting    int       `dynamo:"waiting" json:"waiting"`
	Applied    int       `dynamo:"applied" json:"applied"`
	Next       int       `dynamo:"next" json:"-"` // chunks before it are applied
	Chunks     int       `dynamo:"chunks" json:"-"`
	Owner      string    `dynamo:"owner,omitempty" json:"-"`
	Lease      time.Time `dynamo:"lease,omitempty" json:"-"`
	Runs       int       `dynamo:"runs" json:"runs"` // apply invocations so far
	// Died counts the apply runs of a platform job that died (their lease
	// ran out unreleased): at PlatformDeaths the job is ended, so that it
	// does not hold its client's later batches for ever.
	Died int `dynamo:"died,omitempty" json:"-"`
	// Params are what the uploader chose besides the file (P3: the classes).
	Params   map[string]string `dynamo:"params,omitempty" json:"params,omitempty"`
	Created  time.Time         `dynamo:"created" json:"created"`
	StagedAt time.Time         `dynamo:"stagedAt,omitempty" json:"stagedAt,omitzero"`
	Finished time.Time         `dynamo:"finished,omitempty" json:"finished,omitzero"`
}

type jobItem struct {
	PK     string `dynamo:"pk"`
	SK     string `dynamo:"sk"`
	GSI1PK string `dynamo:"gsi1pk"` // IMPORTS#<agency>
	GSI1SK string `dynamo:"gsi1sk"` // <created>#<id>
	Job
}

func jobPK(id string) string { return "IMPORT#" + id }

// What a job item keeps of what the file says, so that no file can make the
// item outgrow DynamoDB's 400 KB (a header of 100,000 columns once did, and
// the job stayed staging for ever). The file itself has every cell.
const (
	MaxExtraListed = 20  // ignored header cells named on the job (ExtraCount has them all)
	MaxCellKept    = 40  // characters of each one
	MaxFileError   = 300 // characters of the reason a file was refused
)

// bounded is the job as stored: file-derived text cut to the maximums.
func (j Job) bounded() Job {
	if len(j.Extra) > 0 {
		j.ExtraCount = max(j.ExtraCount, len(j.Extra))
		extra := make([]string, 0, min(len(j.Extra), MaxExtraListed))
		for _, e := range j.Extra[:min(len(j.Extra), MaxExtraListed)] {
			extra = append(extra, clipTo(e, MaxCellKept))
		}
		j.Extra = extra
	}
	j.FileError = clipTo(j.FileError, MaxFileError)
	return j
}

func clipTo(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

func jobKeyed(j Job) jobItem {
	j = j.bounded()
	return jobItem{PK: jobPK(j.ID), SK: "JOB", GSI1PK: "IMPORTS#" + j.Agency,
		GSI1SK: j.Created.UTC().Format(time.RFC3339Nano) + "#" + j.ID, Job: j}
}

// StaleStaging is the reason given to a job whose staging run died: its
// lease expired with the job still staging, and no notification will come
// again for the file.
const StaleStaging = "檔案檢查未在時限內完成（處理中斷），整個檔案未被接受，請重新上傳。"

// settle ends a job that can no longer progress: staging with its lease
// expired becomes failed with StaleStaging (conditional on it still being so,
// so a live run is never overruled). An applying job whose lease expired is
// left as it is: the nightly batch resumes it from its checkpoint.
func (s Jobs) settle(ctx context.Context, j Job, now time.Time) (Job, error) {
	if j.Status != Staging || j.Lease.IsZero() || !j.Lease.Before(now) {
		return j, nil
	}
	var it jobItem
	err := s.Table.Update("pk", jobPK(j.ID)).Range("sk", "JOB").
		Set("status", Failed).Set("fileError", StaleStaging).Set("finished", now).
		Remove("owner").Remove("lease").
		If("$ = ? AND $ < ?", "status", Staging, "lease", now).
		Value(ctx, &it)
	if dynamo.IsCondCheckFailed(err) { // moved on meanwhile
		return s.Get(ctx, j.ID)
	}
	if err != nil {
		return Job{}, fmt.Errorf("end stale import job %s: %w", j.ID, err)
	}
	return it.Job, s.unmarkStaging(ctx, j.ID)
}

// queueItem lists a job the nightly batch must apply. Its kind and (a
// platform's job) client let the queue be ordered per client without reading
// every job; items written before they were kept have neither.
type queueItem struct {
	PK     string `dynamo:"pk"` // IMPORTQ
	SK     string `dynamo:"sk"` // <staged>#<id>
	Job    string `dynamo:"job"`
	Kind   string `dynamo:"kind,omitempty"`
	Client string `dynamo:"client,omitempty"`
}

// stagingItem marks a job being staged, so that the nightly batch finds a
// staging run that died without reading every job (the notification that
// started it will not come again).
type stagingItem struct {
	PK  string `dynamo:"pk"` // IMPORTSTAGING
	SK  string `dynamo:"sk"` // <id>
	Job string `dynamo:"job"`
}

const stagingPK = "IMPORTSTAGING"

func (s Jobs) unmarkStaging(ctx context.Context, id string) error {
	if err := s.Table.Delete("pk", stagingPK).Range("sk", id).Run(ctx); err != nil {
		return fmt.Errorf("unmark staging import job %s: %w", id, err)
	}
	return nil
}

// settleStaging ends every marked staging run whose lease has expired and
// drops the marks of jobs that have moved on.
func (s Jobs) settleStaging(ctx context.Context, now time.Time) error {
	var marks []stagingItem
	if err := s.Table.Get("pk", stagingPK).Consistent(true).All(ctx, &marks); err != nil {
		return fmt.Errorf("staging import jobs: %w", err)
	}
	for _, m := range marks {
		j, err := s.Get(ctx, m.Job)
		if err == nil {
			j, err = s.settle(ctx, j, now)
		}
		if err != nil {
			return err
		}
		if j.Status != Staging {
			if err := s.unmarkStaging(ctx, j.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

func queueKey(j Job) (string, string) {
	return "IMPORTQ", j.StagedAt.UTC().Format(time.RFC3339Nano) + "#" + j.ID
}

// RowResult is the outcome of one row.
type RowResult struct {
	Line   int    `dynamo:"l" json:"line"`
	Status string `dynamo:"s" json:"status"` // waiting, failed, applied
	Msg    string `dynamo:"m,omitempty" json:"message,omitempty"`
	Code   string `dynamo:"c,omitempty" json:"code,omitempty"` // a failed row's machine code
	// Change says what an applied row did: ChangeAdded (新增) or
	// ChangeUpdated (更新); "" when the job type does not tell.
	Change string `dynamo:"ch,omitempty" json:"change,omitempty"`
}

// What an applied row did.
const (
	ChangeAdded   = "added"
	ChangeUpdated = "updated"
)

// Row result statuses.
const (
	RowWaiting = "waiting"
	RowFailed  = "failed"
	RowApplied = "applied"
)

func chunkSK(prefix string, n int) string { return fmt.Sprintf("%s#%06d", prefix, n) }

// Jobs stores upload jobs in the Directory table.
type Jobs struct {
	DB    *dynamo.DB
	Table dynamo.Table
}

// Create records a new job.
func (s Jobs) Create(ctx context.Context, j Job) error {
	if err := s.Table.Put(jobKeyed(j)).If("attribute_not_exists(pk)").Run(ctx); err != nil {
		return fmt.Errorf("create import job: %w", err)
	}
	return nil
}

// Get returns a job, or NotFound.
func (s Jobs) Get(ctx context.Context, id string) (Job, error) {
	it, err := store.Get[jobItem](ctx, s.Table, jobPK(id), "JOB", "找不到這個上傳作業。")
	return it.Job, err
}

// List returns an agency's jobs created in [from, to), newest first.
func (s Jobs) List(ctx context.Context, agency string, from, to time.Time, limit int) ([]Job, error) {
	var items []jobItem
	err := s.Table.Get("gsi1pk", "IMPORTS#"+agency).Index("gsi1").
		Range("gsi1sk", dynamo.Between, from.UTC().Format(time.RFC3339Nano), to.UTC().Format(time.RFC3339Nano)).
		Order(dynamo.Descending).Limit(limit).All(ctx, &items)
	if err != nil {
		return nil, fmt.Errorf("list import jobs: %w", err)
	}
	out := make([]Job, len(items))
	for i, it := range items {
		out[i] = it.Job
	}
	return out, nil
}

// claim moves a job from one of the from statuses (or from status `to` with
// an expired lease) to `to`, owned by owner until lease. It reports false when
// someone else holds it or it has moved on.
func (s Jobs) claim(ctx context.Context, id, from, to, owner string, now, lease time.Time) (Job, bool, error) {
	var it jobItem
	err := s.Table.Update("pk", jobPK(id)).Range("sk", "JOB").
		Set("status", to).Set("owner", owner).Set("lease", lease).Add("runs", 1).
		If("($ = ?) OR ($ = ? AND $ < ?)", "status", from, "status", to, "lease", now).
		Value(ctx, &it)
	if dynamo.IsCondCheckFailed(err) {
		return Job{}, false, nil
	}
	if err != nil {
		return Job{}, false, fmt.Errorf("claim import job %s: %w", id, err)
	}
	if to == Staging {
		if err := s.Table.Put(stagingItem{PK: stagingPK, SK: id, Job: id}).Run(ctx); err != nil {
			return Job{}, false, fmt.Errorf("mark import job %s staging: %w", id, err)
		}
	}
	return it.Job, true, nil
}

// staged records a job that its staging run (owner) has checked: its staging
// mark goes and, when rows wait for the night, it joins the nightly queue;
// all in one transaction, conditional on owner still holding the job.
func (s Jobs) staged(ctx context.Context, j Job, owner string, queue bool) error {
	tx := s.DB.WriteTx()
	tx.Put(s.Table.Put(jobKeyed(j)).If("$ = ?", "owner", owner))
	tx.Delete(s.Table.Delete("pk", stagingPK).Range("sk", j.ID))
	if queue {
		qpk, qsk := queueKey(j)
		tx.Put(s.Table.Put(queueItem{PK: qpk, SK: qsk, Job: j.ID, Kind: j.Kind, Client: j.Params["client"]}))
	}
	if err := tx.Run(ctx); err != nil {
		return fmt.Errorf("stage import job %s: %w", j.ID, err)
	}
	return nil
}

// ended records a job its staging run refused as a whole (the file's fault),
// and drops its staging mark.
func (s Jobs) ended(ctx context.Context, j Job) error {
	if err := s.Table.Put(jobKeyed(j)).Run(ctx); err != nil {
		return fmt.Errorf("finish import job %s: %w", j.ID, err)
	}
	return s.unmarkStaging(ctx, j.ID)
}

// release gives up the claim of j's owner at once (its lease ends now), so a
// follow-up invocation can claim the job without waiting for the lease.
func (s Jobs) release(ctx context.Context, j Job) error {
	if err := s.Table.Update("pk", jobPK(j.ID)).Range("sk", "JOB").Set("lease", time.Unix(0, 0).UTC()).
		If("$ = ?", "owner", j.Owner).Run(ctx); err != nil {
		return fmt.Errorf("release import job %s: %w", j.ID, err)
	}
	return nil
}

// unclaim puts a job its apply run (j.Owner) holds back to staged, still
// queued, its lease ended (a held job: CheckerSpec.Begin).
func (s Jobs) unclaim(ctx context.Context, j Job) error {
	if err := s.Table.Update("pk", jobPK(j.ID)).Range("sk", "JOB").Set("status", Staged).Set("lease", time.Unix(0, 0).UTC()).
		If("$ = ?", "owner", j.Owner).Run(ctx); err != nil {
		return fmt.Errorf("hold import job %s: %w", j.ID, err)
	}
	return nil
}

// applied records a job its apply run (owner) finished and takes it off the
// nightly queue, in one transaction conditional on owner still holding it.
func (s Jobs) applied(ctx context.Context, j Job, owner string) error {
	qpk, qsk := queueKey(j)
	tx := s.DB.WriteTx()
	tx.Put(s.Table.Put(jobKeyed(j)).If("$ = ?", "owner", owner))
	tx.Delete(s.Table.Delete("pk", qpk).Range("sk", qsk))
	if err := tx.Run(ctx); err != nil {
		return fmt.Errorf("finish import job %s: %w", j.ID, err)
	}
	return nil
}

// checkpoint records that chunks before next are applied, extending the lease.
func (s Jobs) checkpoint(ctx context.Context, j Job, next int, lease time.Time) error {
	err := s.Table.Update("pk", jobPK(j.ID)).Range("sk", "JOB").Set("next", next).Set("lease", lease).
		If("$ = ?", "owner", j.Owner).Run(ctx)
	if dynamo.IsCondCheckFailed(err) {
		return errLost
	}
	return err
}

var errLost = errors.New("lost the claim on the import job")

// died counts a died apply run of j, whose claim its new owner holds.
func (s Jobs) died(ctx context.Context, j Job) (Job, error) {
	var it jobItem
	err := s.Table.Update("pk", jobPK(j.ID)).Range("sk", "JOB").Add("died", 1).
		If("$ = ?", "owner", j.Owner).Value(ctx, &it)
	if dynamo.IsCondCheckFailed(err) {
		return Job{}, errLost
	}
	if err != nil {
		return Job{}, fmt.Errorf("count a died run of import job %s: %w", j.ID, err)
	}
	return it.Job, nil
}

// writeChunk stores the results of one chunk (and its failed rows apart).
func (s Jobs) writeChunk(ctx context.Context, id string, n int, rows []RowResult) error {
	var failed []RowResult
	for _, r := range rows {
		if r.Status == RowFailed {
			failed = append(failed, r)
		}
	}
	w := s.Table.Batch("pk", "sk").Write().Put(encodeChunk(jobPK(id), chunkSK("ROWS", n), rows))
	if len(failed) > 0 {
		w = w.Put(encodeChunk(jobPK(id), chunkSK("FAIL", n), failed))
	} else {
		w = w.Delete(dynamo.Keys{jobPK(id), chunkSK("FAIL", n)})
	}
	if _, err := w.Run(ctx); err != nil {
		return fmt.Errorf("store results of job %s chunk %d: %w", id, n, err)
	}
	return nil
}

// chunk returns the results of chunk n of a job.
func (s Jobs) chunk(ctx context.Context, id string, n int) ([]RowResult, error) {
	var it chunkItem
	err := s.Table.Get("pk", jobPK(id)).Range("sk", dynamo.Equal, chunkSK("ROWS", n)).Consistent(true).One(ctx, &it)
	if err != nil {
		return nil, fmt.Errorf("results of job %s chunk %d: %w", id, n, err)
	}
	return it.rows()
}

// Results pages through a job's row results, one chunk a page, from chunk
// after; failedOnly reads the failed rows' items.
func (s Jobs) Results(ctx context.Context, id string, failedOnly bool, after string, limit int) ([]RowResult, string, error) {
	prefix := "ROWS#"
	if failedOnly {
		prefix = "FAIL#"
	}
	q := s.Table.Get("pk", jobPK(id)).Consistent(true)
	if after != "" {
		q = q.Range("sk", dynamo.Greater, after)
	} else {
		q = q.Range("sk", dynamo.BeginsWith, prefix)
	}
	// One item more than asked tells whether another page exists: a cursor
	// is given only then (a job whose rows fit one page has no 下一頁).
	var items []chunkItem
	if err := q.Limit(limit+1).All(ctx, &items); err != nil {
		return nil, "", fmt.Errorf("results of job %s: %w", id, err)
	}
	var out []RowResult
	next := ""
	for i, it := range items {
		if len(it.SK) < len(prefix) || it.SK[:len(prefix)] != prefix {
			next = ""
			break
		}
		if i == limit {
			break // the look-ahead item: more follow, next stays at the last one read
		}
		rows, err := it.rows()
		if err != nil {
			return nil, "", err
		}
		out = append(out, rows...)
		next = it.SK
	}
	if len(items) <= limit || len(items[limit].SK) < len(prefix) || items[limit].SK[:len(prefix)] != prefix {
		next = ""
	}
	return out, next, nil
}

// counts sums a job's row results from the counts of its results items
// (only those three numbers are read).
func (s Jobs) counts(ctx context.Context, id string) (rows, failed, waiting, applied int, err error) {
	it := s.Table.Get("pk", jobPK(id)).Range("sk", dynamo.BeginsWith, "ROWS#").Consistent(true).
		Project("w", "f", "a").Iter()
	var c chunkItem
	for it.Next(ctx, &c) {
		failed, waiting, applied = failed+c.Failed, waiting+c.Waiting, applied+c.Applied
		c = chunkItem{}
	}
	return failed + waiting + applied, failed, waiting, applied, it.Err()
}
