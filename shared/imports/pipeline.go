package imports

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/blob"

	"golang.org/x/sync/errgroup"

	"github.com/ecpa-lifelong/backoffice/shared/errcode"
)

// Outcome is what checking (and applying) one row gave.
type Outcome struct {
	Line  int
	Key   string // natural key: a later valid row with the same key is a duplicate
	Value any    // what apply writes
	Err   *RowError
	Note  string // said of a row that succeeded (e.g. one class of two was full)
	// Change is what Apply did with the row (ChangeAdded or ChangeUpdated),
	// when the job type tells.
	Change string
}

// Checker checks and applies the rows of one job type, a chunk at a time so
// that lookups and writes are batched.
type Checker interface {
	Check(ctx context.Context, rows []Row) ([]Outcome, error)
	// Apply writes the outcomes without an error; a row that fails now gets
	// its Err set. The returned error is for the whole chunk (retry later).
	Apply(ctx context.Context, outs []Outcome) error
}

// CheckerSpec is how the pipeline makes the checkers of one job type.
type CheckerSpec struct {
	New func(ctx context.Context, j Job) (Checker, error)
	// Shared: one checker serves every worker of an apply (its caches are
	// safe for concurrent use); otherwise each worker gets its own.
	Shared bool
	// Begin, when set, runs once per apply invocation before any chunk: a
	// job type whose file means something as a whole (a roster snapshot)
	// decides there. It answers a *Held to leave the job staged and queued
	// (nothing applied; asked again each night) or a *Refused to end it
	// failed with the reason. End, when set, runs after the last chunk,
	// before the job is done; both must be safe to run again.
	Begin, End func(ctx context.Context, j Job) error
}

// Held is Begin's answer for a job that waits for someone's decision.
type Held struct{ Reason string }

func (h *Held) Error() string { return "held: " + h.Reason }

// Refused is Begin's answer for a job that must not be applied at all.
type Refused struct{ Reason string }

func (r *Refused) Error() string { return "refused: " + r.Reason }

// Checkers are the checkers of each job type, by kind id (Kind.ID).
type Checkers map[string]CheckerSpec

// checker makes a checker for job j.
func (p *Pipeline) checker(ctx context.Context, j Job) (Checker, error) {
	spec, ok := p.Checkers[j.Kind]
	if !ok {
		return nil, fmt.Errorf("import job %s: no checker for kind %q", j.ID, j.Kind)
	}
	return spec.New(ctx, j)
}

// Files reads the uploads bucket (blob.Store).
type Files interface {
	// Open opens an object and returns its ETag; with etag, only while the
	// object is still that one (else blob.ErrChanged).
	Open(ctx context.Context, bucket, key, etag string) (io.ReadCloser, string, error)
}

// Invoker starts a follow-up apply of a job, asynchronously.
type Invoker interface {
	Invoke(ctx context.Context, jobID string) error
}

// Pipeline stages and applies upload jobs.
type Pipeline struct {
	Jobs     Jobs
	Files    Files
	Bucket   string
	Checkers Checkers
	FollowUp Invoker
	Now      func() time.Time
	// Slice bounds one apply invocation (0: until the context's deadline
	// less a margin). A job left unfinished continues in a follow-up.
	Slice time.Duration
	// ApplyNowRows applies files of at most this many rows as soon as they
	// are staged instead of at night (0: always at night).
	ApplyNowRows int
}

// margin is kept before an invocation's deadline to record the checkpoint.
const margin = 30 * time.Second

// Stage checks a file that arrived for job id. A repeated notification, or a
// retry after a crash midway, ends in the same single staged job.
func (p *Pipeline) Stage(ctx context.Context, key, etag string, size int64, owner string) (Job, error) {
	id, ok := JobID(key)
	if !ok {
		return Job{}, errcode.New(errcode.NotFound, "not an upload key: "+key)
	}
	if cur, err := p.Jobs.Get(ctx, id); err != nil {
		return Job{}, err
	} else if cur.Key != key {
		return Job{}, errcode.New(errcode.NotFound, "upload key does not match its job: "+key)
	}
	now := p.Now()
	j, ok, err := p.Jobs.claim(ctx, id, Uploading, Staging, owner, now, now.Add(15*time.Minute))
	if err != nil || !ok {
		if err == nil {
			slog.InfoContext(ctx, "import already staged or being staged", "job", id)
			j, err = p.Jobs.Get(ctx, id)
		}
		return j, err
	}
	declared := j.Size
	j.ETag, j.Size = etag, size
	if size > MaxSize {
		return p.finish(ctx, j, Failed, fmt.Sprintf("檔案過大（上限 %d MB）", MaxSize>>20))
	}
	if size != declared { // what arrived is not the file the upload was asked for
		return p.finish(ctx, j, Failed, sizeMismatch(size, declared))
	}
	failures, waiting, rows, chunks, ferr, err := p.check(ctx, &j)
	if err != nil {
		return Job{}, err // infrastructure: the event is retried
	}
	if ferr != nil {
		return p.finish(ctx, j, Failed, ferr.Msg)
	}
	j.Rows, j.Failed, j.Waiting, j.Chunks, j.Next = rows, failures, waiting, chunks, 0
	if rows == 0 {
		return p.finish(ctx, j, Failed, "檔案只有標題列，沒有資料")
	}
	j.Status, j.StagedAt, j.Owner, j.Lease = Staged, p.Now(), "", time.Time{}
	if waiting == 0 { // every row failed: nothing for the night
		j.Status, j.Finished = Done, p.Now()
	}
	if err := p.Jobs.staged(ctx, j, owner, waiting > 0); err != nil {
		return Job{}, err
	}
	if waiting > 0 && p.ApplyNowRows > 0 && rows <= p.ApplyNowRows {
		return p.Apply(ctx, j.ID, owner+"-now")
	}
	return j, nil
}

func (p *Pipeline) finish(ctx context.Context, j Job, status, fileError string) (Job, error) {
	j.Status, j.FileError, j.Finished, j.Owner, j.Lease = status, fileError, p.Now(), "", time.Time{}
	return j, p.Jobs.ended(ctx, j)
}

func sizeMismatch(actual, declared int64) string {
	return fmt.Sprintf("收到的檔案大小（%d 位元組）與上傳時申報的大小（%d 位元組）不符，檔案可能不完整或已被替換，請重新上傳", actual, declared)
}

type keyHash uint64

// hashKey is 64-bit FNV-1a, inline (no allocation per row).
func hashKey(k string) keyHash {
	h := uint64(14695981039346656037)
	for i := 0; i < len(k); i++ {
		h ^= uint64(k[i])
		h *= 1099511628211
	}
	return keyHash(h)
}

// check is the staging pass: every row checked, results stored per chunk.
func (p *Pipeline) check(ctx context.Context, j *Job) (failed, waiting, rows, chunks int, ferr *FileError, err error) {
	// The ETag of what is read here is what the apply must read again: a
	// second PUT through the still-valid link after staging is refused then.
	body, etag, err := p.Files.Open(ctx, p.Bucket, j.Key, "")
	if err != nil {
		return 0, 0, 0, 0, nil, fmt.Errorf("open %s: %w", j.Key, err)
	}
	defer body.Close()
	j.ETag = etag
	read := &blob.CountingReader{R: body}
	k, _ := KindByID(j.Kind)
	rd, err := NewReader(read, k)
	var fe *FileError
	if errors.As(err, &fe) {
		return 0, 0, 0, 0, fe, nil
	}
	if err != nil {
		return 0, 0, 0, 0, nil, err
	}
	j.Encoding, j.Layout, j.Extra = rd.Encoding, rd.Layout, rd.Extra
	ck, err := p.checker(ctx, *j)
	if err != nil {
		return 0, 0, 0, 0, nil, err
	}
	dups, err := newDupFinder()
	if err != nil {
		return 0, 0, 0, 0, nil, err
	}
	defer dups.close()
	var firstLines []int // each chunk's first line, to find a duplicate's chunk
	err = eachChunk(rd, 0, func(n int, batch []Row) error {
		outs, err := ck.Check(ctx, batch)
		if err != nil {
			return err
		}
		res := make([]RowResult, len(outs))
		for i, o := range outs {
			res[i] = RowResult{Line: o.Line, Status: RowWaiting}
			if o.Err == nil && o.Key != "" {
				if err := dups.add(hashKey(o.Key), o.Line); err != nil {
					return err
				}
			}
			if o.Err != nil {
				res[i].Status, res[i].Msg, res[i].Code = RowFailed, o.Err.Msg, o.Err.code()
				failed++
			} else {
				res[i].Msg = o.Note
				waiting++
			}
		}
		rows += len(outs)
		chunks = n + 1
		firstLines = append(firstLines, outs[0].Line)
		return p.Jobs.writeChunk(ctx, j.ID, n, res)
	})
	if errors.As(err, &fe) {
		return 0, 0, 0, 0, fe, nil
	}
	if err != nil {
		return 0, 0, 0, 0, nil, err
	}
	if read.N != j.Size { // the object read is not the size the notification and the upload gave
		return 0, 0, 0, 0, &FileError{Msg: sizeMismatch(read.N, j.Size)}, nil
	}
	found, err := dups.duplicates()
	if err != nil {
		return 0, 0, 0, 0, nil, err
	}
	if err := p.markDuplicates(ctx, *j, firstLines, found); err != nil {
		return 0, 0, 0, 0, nil, err
	}
	return failed + len(found), waiting - len(found), rows, chunks, nil, nil
}

// markDuplicates fails the rows whose natural key an earlier line of the
// file holds, in their chunks' stored results.
func (p *Pipeline) markDuplicates(ctx context.Context, j Job, firstLines []int, found []duplicate) error {
	id := j.ID
	for len(found) > 0 {
		n := sort.SearchInts(firstLines, found[0].line+1) - 1 // the chunk holding the line
		end := len(found)
		if n+1 < len(firstLines) {
			end = sort.Search(len(found), func(i int) bool { return found[i].line >= firstLines[n+1] })
		}
		rows, err := p.Jobs.chunk(ctx, id, n)
		if err != nil {
			return err
		}
		for _, d := range found[:end] {
			i := sort.Search(len(rows), func(i int) bool { return rows[i].Line >= d.line })
			if i == len(rows) || rows[i].Line != d.line {
				return fmt.Errorf("job %s: duplicate line %d not in chunk %d", id, d.line, n)
			}
			rows[i].Status = RowFailed
			e := rowErrCode(CodeDuplicateRow, "與第 %d 行的資料重複（同一檔案中以先出現的一行為準）", d.first)
			if j.Kind == Platform { // the key is the platform's record id; line 2 is record 1
				e = rowErrCode(CodeDuplicateRecord, "平台紀錄編號與本批次第 %d 筆紀錄重複（同一批次中以先出現的一筆為準）", d.first-1)
			}
			rows[i].Msg, rows[i].Code = e.Msg, e.code()
		}
		if err := p.Jobs.writeChunk(ctx, id, n, rows); err != nil {
			return err
		}
		found = found[end:]
	}
	return nil
}

// eachChunk reads rows into chunks of ChunkRows and calls f for chunks from
// `from` on (earlier ones are read and dropped: resuming needs no state but
// the chunk number).
func eachChunk(rd *Reader, from int, f func(n int, rows []Row) error) error {
	batch := make([]Row, 0, ChunkRows)
	n := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		var err error
		if n >= from {
			err = f(n, batch)
		}
		batch = batch[:0]
		n++
		return err
	}
	for {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return flush()
		}
		if err != nil {
			return &FileError{Msg: "讀取檔案時發生錯誤：" + err.Error()}
		}
		if n < from {
			// Skipping: keep only the count.
			batch = append(batch, Row{})
		} else {
			batch = append(batch, row)
		}
		if len(batch) == ChunkRows {
			if err := flush(); err != nil {
				return err
			}
		}
	}
}

// Apply applies a staged job from its checkpoint, within one invocation's
// slice; what is left continues in a follow-up invocation. Running it twice
// at once, or again after a crash, applies every row exactly once: one
// invocation holds the job at a time (a conditional claim with a lease), each
// chunk's writes are idempotent puts, and the checkpoint only moves forward
// after a chunk is written.
func (p *Pipeline) Apply(ctx context.Context, id, owner string) (Job, error) {
	now := p.Now()
	deadline := now.Add(14 * time.Minute)
	if d, ok := ctx.Deadline(); ok {
		deadline = d.Add(-margin)
	}
	if p.Slice > 0 && now.Add(p.Slice).Before(deadline) {
		deadline = now.Add(p.Slice)
	}
	lease := deadline.Add(margin)
	cur, err := p.Jobs.Get(ctx, id)
	if err != nil {
		return Job{}, err
	}
	if cur.Kind == Platform { // one client's batches one at a time, in staging order (platformorder.go)
		if wait, err := p.platformTurn(ctx, cur); wait || err != nil {
			return cur, err
		}
	}
	j, ok, err := p.Jobs.claim(ctx, id, Staged, Applying, owner, now, lease)
	if err != nil || !ok {
		if err == nil {
			slog.InfoContext(ctx, "import job not claimable (held by another run, or finished)", "job", id)
			j, err = p.Jobs.Get(ctx, id)
		}
		return j, err
	}
	if j.Kind == Platform && diedRun(cur, now) {
		if j, err = p.Jobs.died(ctx, j); err != nil {
			return Job{}, err
		}
		if j.Died >= PlatformDeaths {
			return p.abandon(ctx, j, owner)
		}
	}
	if begin := p.Checkers[j.Kind].Begin; begin != nil {
		var held *Held
		var refused *Refused
		switch err := begin(ctx, j); {
		case errors.As(err, &held):
			slog.InfoContext(ctx, "import job held", "job", j.ID, "reason", held.Reason)
			return j, p.Jobs.unclaim(ctx, j)
		case errors.As(err, &refused):
			j.Status, j.FileError, j.Finished, j.Owner, j.Lease = Failed, refused.Reason, p.Now(), "", time.Time{}
			return j, p.Jobs.applied(ctx, j, owner)
		case err != nil:
			return Job{}, err
		}
	}
	body, _, err := p.Files.Open(ctx, p.Bucket, j.Key, strings.Trim(j.ETag, `"`))
	if errors.Is(err, blob.ErrChanged) { // replaced after staging: what was checked is gone
		slog.WarnContext(ctx, "import file replaced after staging", "job", j.ID)
		j.FileError = "檔案在檢查後被替換（內容與檢查時不同），未寫入的資料列不再寫入；請重新上傳檔案。"
		return p.endWaiting(ctx, j, owner, rowErrCode(CodeFileChanged, "檔案在檢查後被替換，本列未寫入；請重新上傳檔案。"))
	}
	if err != nil {
		return Job{}, fmt.Errorf("open %s: %w", j.Key, err)
	}
	defer body.Close()
	k, _ := KindByID(j.Kind)
	rd, err := NewReader(body, k)
	if err != nil {
		return Job{}, fmt.Errorf("reopen %s: %w", j.Key, err)
	}
	stopped := errors.New("slice used up")
	err = p.applyChunks(ctx, j, rd, lease, func(n int) bool { return n > j.Next && p.Now().After(deadline) }, stopped)
	if done, gerr := p.Jobs.Get(ctx, j.ID); gerr == nil {
		j.Next = done.Next
	}
	switch {
	case errors.Is(err, stopped):
		// Hand over: release the claim at once and start the follow-up.
		if err := p.Jobs.release(ctx, j); err != nil {
			return Job{}, err
		}
		slog.InfoContext(ctx, "import job continues in a follow-up invocation", "job", j.ID, "next", j.Next, "chunks", j.Chunks)
		if p.FollowUp == nil {
			return j, nil
		}
		return j, p.FollowUp.Invoke(ctx, j.ID)
	case err != nil:
		return Job{}, err // the lease expires; the next run resumes from the checkpoint
	}
	if end := p.Checkers[j.Kind].End; end != nil {
		if err := end(ctx, j); err != nil {
			return Job{}, err // as a chunk's failure: the next run resumes (every chunk is done) and ends again
		}
	}
	return p.done(ctx, j, owner)
}

// done records job j applied (its counts from its results) and takes it off
// the queue; a platform job's client's next job starts.
func (p *Pipeline) done(ctx context.Context, j Job, owner string) (Job, error) {
	rows, failed, waiting, applied, err := p.Jobs.counts(ctx, j.ID)
	if err != nil {
		return Job{}, err
	}
	j.Rows, j.Failed, j.Waiting, j.Applied = rows, failed, waiting, applied
	j.Status, j.Finished, j.Owner, j.Lease = Done, p.Now(), "", time.Time{}
	if j.FileError != "" && applied == 0 { // ended for its file before any row was written
		j.Status = Failed
	}
	if err := p.Jobs.applied(ctx, j, owner); err != nil {
		return Job{}, err
	}
	if j.Kind == Platform {
		return j, p.startNext(ctx, j)
	}
	return j, nil
}

// Workers is how many chunks one apply invocation writes at once.
const Workers = 4

// applyChunks applies the chunks from j.Next on, Workers at a time, each with
// its own checker (the checkers' caches are not shared). The checkpoint moves
// to the end of the longest run of finished chunks, so a crash never skips a
// chunk; a chunk written again after a crash writes the same items.
func (p *Pipeline) applyChunks(ctx context.Context, j Job, rd *Reader, lease time.Time, stop func(n int) bool, stopped error) error {
	// The checkers first, before any goroutine starts: a failure here must not
	// leave the reader blocked on a chunk no worker will take (issue 13). One
	// checker for all workers when its spec says it can be shared (its caches
	// are guarded), else one per worker.
	checkers := make([]Checker, Workers)
	for i := range checkers {
		if i > 0 && p.Checkers[j.Kind].Shared {
			checkers[i] = checkers[0]
			continue
		}
		ck, err := p.checker(ctx, j)
		if err != nil {
			return err
		}
		checkers[i] = ck
	}
	type work struct {
		n     int
		batch []Row
	}
	g, ctx := errgroup.WithContext(ctx)
	todo := make(chan work)
	finished := make(chan int)
	halted := false // the slice is used up: chunks in hand finish, no new ones start
	g.Go(func() error {
		defer close(todo)
		err := eachChunk(rd, j.Next, func(n int, batch []Row) error {
			if stop(n) {
				return stopped
			}
			select {
			case todo <- work{n, append([]Row(nil), batch...)}:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		if errors.Is(err, stopped) {
			halted = true
			return nil
		}
		return err
	})
	var workers sync.WaitGroup
	for _, ck := range checkers {
		workers.Add(1)
		g.Go(func() error {
			defer workers.Done()
			for w := range todo {
				if err := p.applyChunk(ctx, j, ck, w.n, w.batch); err != nil {
					return err
				}
				select {
				case finished <- w.n:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			return nil
		})
	}
	go func() { workers.Wait(); close(finished) }()
	g.Go(func() error {
		next, done := j.Next, map[int]bool{}
		for n := range finished {
			done[n] = true
			moved := false
			for done[next] {
				delete(done, next)
				next++
				moved = true
			}
			if moved {
				if err := p.Jobs.checkpoint(ctx, j, next, lease); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return err
	}
	if halted {
		return stopped
	}
	return nil
}

// applyChunk applies the rows of one chunk that staging left waiting.
func (p *Pipeline) applyChunk(ctx context.Context, j Job, ck Checker, n int, batch []Row) error {
	staged, err := p.Jobs.chunk(ctx, j.ID, n)
	if err != nil {
		return err
	}
	if len(staged) != len(batch) {
		return fmt.Errorf("job %s chunk %d: %d rows staged, %d read: the file changed", j.ID, n, len(staged), len(batch))
	}
	var todo []Row
	var at []int
	for i, r := range staged {
		if r.Status == RowWaiting {
			todo = append(todo, batch[i])
			at = append(at, i)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	outs, err := ck.Check(ctx, todo)
	if err != nil {
		return err
	}
	if err := ck.Apply(ctx, outs); err != nil {
		return err
	}
	for i, o := range outs {
		r := &staged[at[i]]
		if o.Err != nil {
			r.Status, r.Msg, r.Code = RowFailed, o.Err.Msg, o.Err.code()
		} else {
			r.Status, r.Msg, r.Change = RowApplied, o.Note, o.Change
		}
	}
	return p.Jobs.writeChunk(ctx, j.ID, n, staged)
}

// Queued lists the jobs the nightly batch starts, oldest first: every queued
// job, but of each platform client only its oldest (its apply starts the
// next: platformorder.go). On the way it ends the staging runs that died
// (lease expired) as failed with StaleStaging: the nightly batch is the one
// that looks at every job left behind. (Applying jobs whose run died are in
// the queue and resume.)
func (p *Pipeline) Queued(ctx context.Context) ([]string, error) {
	if err := p.Jobs.settleStaging(ctx, p.Now()); err != nil {
		return nil, err
	}
	q, err := p.Jobs.queued(ctx)
	if err != nil {
		return nil, err
	}
	return startable(q), nil
}
