package imports

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/hoursfeed"
	"github.com/ecpa-lifelong/backoffice/shared/httpapi"
	"github.com/ecpa-lifelong/backoffice/shared/limits"
)

// BatchKeyPrefix holds the files of the platforms' JSON batches, written by
// the API and staged by it at once (no bucket notification on this prefix).
const BatchKeyPrefix = "platform-batches/"

// MaxBatch is the most records one JSON batch may carry; larger sets go
// through POST /api/platform/uploads (a CSV of the Platform layout).
const MaxBatch = ChunkRows

// PlatformRecord is one record of a batch: the L6b fields and the
// platform's own record id.
type PlatformRecord struct {
	RecordID      string `json:"recordId" max:"id"`
	NationalID    string `json:"nationalId" max:"20"`
	Name          string `json:"name" max:"50"`
	Institution   string `json:"institution,omitempty" max:"100"`
	CourseName    string `json:"courseName" max:"100"`
	Start         string `json:"start" max:"20"`
	End           string `json:"end" max:"20"`
	Category      string `json:"category" max:"20"`
	Total         *int   `json:"total"`
	Unit          string `json:"unit" max:"10"` // 1 小時, 2 天, 3 學分
	Nature        string `json:"nature" max:"10"`
	DigitalHours  *int   `json:"digitalHours,omitempty"`
	PhysicalHours *int   `json:"physicalHours,omitempty"`
	City          string `json:"city,omitempty" max:"10"`
	Score         *int   `json:"score,omitempty"`
}

// BatchRequest is POST /api/platform/records. BatchID is the idempotency
// key: the same batch sent again is answered from the first, never applied
// twice (the Idempotency-Key header may carry it instead).
type BatchRequest struct {
	BatchID string           `json:"batchId,omitempty" max:"id"`
	Records []PlatformRecord `json:"records"`
}

// RecordResult is one record's outcome, in the order sent.
type RecordResult struct {
	Index    int    `json:"index"` // 0-based position in the batch
	RecordID string `json:"recordId"`
	RowResult
}

// BatchAnswer answers a batch (and GET of its job).
type BatchAnswer struct {
	Job      Job            `json:"job"`
	Replayed bool           `json:"replayed,omitempty"`
	Records  []RecordResult `json:"records"`
	Next     string         `json:"next,omitempty"`
}

// UploadAnswer is a presigned PUT for a CSV of the Platform layout.
type UploadAnswer struct {
	Job       Job       `json:"job"`
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expiresAt"`
	Columns   []string  `json:"columns"`
}

// PlatformUploadRequest is POST /api/platform/uploads.
type PlatformUploadRequest struct {
	BatchID string `json:"batchId,omitempty" max:"id"`
	Size    int64  `json:"size"`
}

// JobStage is what the platform API needs of the pipeline: staging a file at
// once (Pipeline.Stage).
type JobStage interface {
	Stage(ctx context.Context, key, etag string, size int64, owner string) (Job, error)
}

// PlatformServer is the platforms' batch API (in the imports function): every
// route behind Guard.Platform and the per-client throttle.
type PlatformServer struct {
	Jobs     Jobs
	Store    Store
	Bucket   string
	Stage    JobStage
	Throttle hoursfeed.Limiter
	Now      func() time.Time
	// LinkTTL is how long a presigned upload link lives (the Store's own;
	// reported to the platform).
	LinkTTL time.Duration
	Guard   auth.Guard
}

// Routes adds the platform routes.
func (s *PlatformServer) Routes(r httpapi.Router) {
	g := s.Guard
	r.Handle("POST /api/platform/records", g.Platform(s.throttled(s.handleBatch)))
	r.Handle("POST /api/platform/uploads", g.Platform(s.throttled(s.handleUpload)))
	r.Handle("GET /api/platform/jobs/{id}", g.Platform(s.throttled(s.handleJob)))
}

func (s *PlatformServer) throttled(h httpapi.HandlerFunc) httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		wait, err := s.Throttle.Take(r.Context(), auth.PlatformFrom(r.Context()).ID)
		if err != nil {
			return err
		}
		if wait > 0 {
			hoursfeed.TooMany(w, wait)
			return nil
		}
		return h(w, r)
	}
}

// platformJobID derives a batch's job from its client and batch id: the
// same batch sent again names the same job.
func platformJobID(client, batch string) string {
	sum := sha256.Sum256([]byte(client + "\x1f" + batch))
	return "pl" + hex.EncodeToString(sum[:10])
}

func batchIDOf(r *http.Request, body string) (string, error) {
	id := strings.TrimSpace(body)
	if id == "" {
		id = strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	}
	if id == "" || len(id) > limits.ID {
		return "", errcode.Field("batchId", "請提供批次編號 batchId（或 Idempotency-Key 標頭，128 字元以內）：同一批次重送時不會重複寫入。")
	}
	return id, nil
}

func (s *PlatformServer) handleBatch(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	c := auth.PlatformFrom(ctx)
	in, err := httpapi.Decode[BatchRequest](r)
	if err != nil {
		return err
	}
	batch, err := batchIDOf(r, in.BatchID)
	if err != nil {
		return err
	}
	switch {
	case len(in.Records) == 0:
		return errcode.Field("records", "批次中沒有任何紀錄。")
	case len(in.Records) > MaxBatch:
		return &errcode.Error{Code: errcode.TooLarge, Field: "records",
			Message: fmt.Sprintf("一個批次最多 %d 筆紀錄（收到 %d 筆），整批未被接受；更多筆請分批或以 POST /api/platform/uploads 上傳 CSV。", MaxBatch, len(in.Records))}
	}
	file := batchCSV(in.Records)
	digest := sha256.Sum256(file)
	id := platformJobID(c.ID, batch)
	j := Job{ID: id, Kind: Platform, Agency: c.Agency, AgencyName: c.AgencyName, User: c.ID, UserName: c.Name,
		FileName: "API 批次 " + batch + ".csv", Size: int64(len(file)),
		Key:    fmt.Sprintf("%s%s/%s/%s.csv", BatchKeyPrefix, c.Agency, Platform, id),
		Status: Uploading, Created: s.Now().UTC(),
		Params: map[string]string{"client": c.ID, "clientName": c.Name, "batchId": batch, "digest": hex.EncodeToString(digest[:])}}
	err = s.Jobs.Create(ctx, j)
	replayed := false
	if err != nil {
		cur, gerr := s.Jobs.Get(ctx, id)
		if gerr != nil {
			return err // the create failed for another reason
		}
		if cur.Params["digest"] != j.Params["digest"] {
			return errcode.New(errcode.Conflict, "批次編號 "+batch+" 已用於內容不同的批次；新的批次請使用新的批次編號。")
		}
		replayed, j = true, cur
	}
	dead := j.Status == Staging && !j.Lease.IsZero() && j.Lease.Before(s.Now())
	switch {
	case j.Status == Staging && !dead:
		return errcode.New(errcode.Conflict, "批次 "+batch+" 正在檢查中，請稍後以同一批次編號重送以取得結果。")
	case j.Status == Uploading || dead: // new, or a first attempt that died before or while staging
		if err := s.Store.Put(ctx, s.Bucket, j.Key, "text/csv; charset=utf-8", bytes.NewReader(file)); err != nil {
			return err
		}
		if j, err = s.Stage.Stage(ctx, j.Key, "", j.Size, "api-"+id); err != nil {
			return err
		}
	}
	ans, err := s.answer(ctx, j, in.Records, "")
	if err != nil {
		return err
	}
	ans.Replayed = replayed
	slog.InfoContext(ctx, "platform batch", "client", c.ID, "job", j.ID, "status", j.Status, "rows", j.Rows, "failed", j.Failed, "replayed", replayed)
	status := http.StatusAccepted // applied by the nightly batch
	if replayed {
		status = http.StatusOK
	}
	httpapi.Encode(w, status, ans)
	return nil
}

// answer reads a job's results (a page of one chunk from after) as record
// results; recs, when given, supply the record ids.
func (s *PlatformServer) answer(ctx context.Context, j Job, recs []PlatformRecord, after string) (BatchAnswer, error) {
	ans := BatchAnswer{Job: j, Records: []RecordResult{}}
	if j.Status == Uploading || j.Status == Staging || j.Status == Failed {
		return ans, nil
	}
	rows, next, err := s.Jobs.Results(ctx, j.ID, false, after, 1)
	if err != nil {
		return BatchAnswer{}, err
	}
	var ids map[int]string // line → record id, from the file when the batch itself is not at hand
	if recs == nil && len(rows) > 0 {
		if ids, err = s.recordIDs(ctx, j, rows[0].Line, rows[len(rows)-1].Line); err != nil {
			return BatchAnswer{}, err
		}
	}
	for _, row := range rows {
		rr := RecordResult{Index: row.Line - 2, RowResult: row, RecordID: ids[row.Line]}
		if rr.Index >= 0 && rr.Index < len(recs) {
			rr.RecordID = recs[rr.Index].RecordID
		}
		ans.Records = append(ans.Records, rr)
	}
	ans.Next = next
	return ans, nil
}

// recordIDs reads the record ids of lines first..last from the job's file
// (a page is one chunk: at most ChunkRows rows are kept).
func (s *PlatformServer) recordIDs(ctx context.Context, j Job, first, last int) (map[int]string, error) {
	body, err := s.Store.Get(ctx, s.Bucket, j.Key)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	k, _ := KindByID(j.Kind)
	rd, err := NewReader(body, k)
	if err != nil {
		return nil, fmt.Errorf("reopen %s: %w", j.Key, err)
	}
	out := map[int]string{}
	for {
		row, err := rd.Next()
		if err != nil || row.Line > last {
			return out, nil // the end of the file, or past the page
		}
		if row.Line >= first {
			out[row.Line] = row.Get(cRecordID)
		}
	}
}

func (s *PlatformServer) handleJob(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	j, err := s.Jobs.Get(ctx, r.PathValue("id"))
	if err == nil && j.Params["client"] != auth.PlatformFrom(ctx).ID {
		err = errcode.New(errcode.NotFound, "找不到這個上傳作業。")
	}
	if err != nil {
		return err
	}
	if j, err = s.Jobs.settle(ctx, j, s.Now()); err != nil {
		return err
	}
	ans, err := s.answer(ctx, j, nil, r.URL.Query().Get("after"))
	if err != nil {
		return err
	}
	httpapi.Encode(w, http.StatusOK, ans)
	return nil
}

func (s *PlatformServer) handleUpload(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	c := auth.PlatformFrom(ctx)
	in, err := httpapi.Decode[PlatformUploadRequest](r)
	if err != nil {
		return err
	}
	batch, err := batchIDOf(r, in.BatchID)
	if err != nil {
		return err
	}
	switch {
	case in.Size <= 0:
		return errcode.Field("size", "請提供 CSV 檔的大小（位元組）。")
	case in.Size > MaxSize:
		return errcode.Field("size", fmt.Sprintf("檔案過大（上限 %d MB），請分成幾個檔案上傳。", MaxSize>>20))
	}
	id := platformJobID(c.ID, batch)
	j := Job{ID: id, Kind: Platform, Agency: c.Agency, AgencyName: c.AgencyName, User: c.ID, UserName: c.Name,
		FileName: "API 上傳 " + batch + ".csv", Size: in.Size,
		Key:    fmt.Sprintf("%s%s/%s/%s.csv", KeyPrefix, c.Agency, Platform, id),
		Status: Uploading, Created: s.Now().UTC(),
		Params: map[string]string{"client": c.ID, "clientName": c.Name, "batchId": batch, "size": strconv.FormatInt(in.Size, 10)}}
	if err := s.Jobs.Create(ctx, j); err != nil {
		cur, gerr := s.Jobs.Get(ctx, id)
		if gerr != nil {
			return err
		}
		if cur.Status != Uploading || cur.Size != in.Size {
			return errcode.New(errcode.Conflict, "批次編號 "+batch+" 已使用過；新的檔案請使用新的批次編號。")
		}
		j = cur // the same request again: a fresh link for the same job
	}
	url, err := s.Store.UploadURLSized(ctx, s.Bucket, j.Key, "text/csv", j.Size)
	if err != nil {
		return err
	}
	var cols []string
	k, _ := KindByID(Platform)
	for _, col := range k.Template().Columns {
		cols = append(cols, col.Header)
	}
	httpapi.Encode(w, http.StatusCreated, UploadAnswer{Job: j, URL: url, ExpiresAt: s.Now().Add(s.LinkTTL).UTC(), Columns: cols})
	return nil
}

// batchCSV writes a batch as a file of the Platform layout, field by field
// as sent (the parser judges every cell as it judges an upload's).
func batchCSV(recs []PlatformRecord) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	k, _ := KindByID(Platform)
	var header []string
	for _, c := range k.Template().Columns {
		header = append(header, c.Header)
	}
	_ = w.Write(header)
	num := func(p *int) string {
		if p == nil {
			return ""
		}
		return strconv.Itoa(*p)
	}
	for _, r := range recs {
		_ = w.Write([]string{r.RecordID, r.NationalID, r.Name, r.Institution, r.CourseName, r.Start, r.End,
			r.Category, num(r.Total), r.Unit, r.Nature, num(r.DigitalHours), num(r.PhysicalHours), r.City, num(r.Score)})
	}
	w.Flush()
	return b.Bytes()
}
