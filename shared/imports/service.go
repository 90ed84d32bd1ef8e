package imports

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/csvtext"
	"github.com/ecpa-lifelong/backoffice/shared/enrollment"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/limits"
)

// KeyPrefix is where uploads land: imports/<agency>/<kind>/<job>.csv. The
// bucket's notification on it starts the import function.
const KeyPrefix = "imports/"

// resultPrefix holds generated result files (no notification).
const resultPrefix = "import-results/"

// MaxSize bounds one upload.
const MaxSize = 200 << 20

// Store is what the service needs of the uploads bucket.
type Store interface {
	Files
	Get(ctx context.Context, bucket, key string) (io.ReadCloser, error)
	Put(ctx context.Context, bucket, key, contentType string, body io.Reader) error
	DownloadURL(ctx context.Context, bucket, key, filename string) (string, error)
	UploadURLSized(ctx context.Context, bucket, key, contentType string, size int64) (string, error)
	Exists(ctx context.Context, bucket, key string) (bool, error)
}

// Service is the upload API's logic.
type Service struct {
	Jobs    Jobs
	Store   Store
	Bucket  string
	Classes Classes // the classes a nomination names
	Tasks   Tasks   // searches and result files, made by the import worker
	Worker  Invoker // starts the import worker for a task
	Now     func() time.Time
	NewID   func() string
}

// Upload is what the browser needs to send a file.
type Upload struct {
	Job Job    `json:"job"`
	URL string `json:"url"` // presigned PUT, exactly Size bytes, text/csv
}

// UploadRequest names the file to be sent.
type UploadRequest struct {
	Kind     string            `json:"kind"`
	FileName string            `json:"fileName"`
	Size     int64             `json:"size"`
	Params   map[string]string `json:"params,omitempty" max:"4000"` // P3: {"classes": "CODE#1;CODE#2"}
}

// Valid checks the request.
func (u *UploadRequest) Valid() error {
	u.FileName = strings.TrimSpace(path.Base(strings.ReplaceAll(u.FileName, "\\", "/")))
	switch {
	case u.FileName == "" || u.FileName == "." || utf8.RuneCountInString(u.FileName) > 200:
		return errcode.Field("fileName", "請選擇要上傳的檔案。")
	case !strings.EqualFold(path.Ext(u.FileName), ".csv"):
		return errcode.Field("fileName", "只接受 CSV 檔（副檔名 .csv）；請在 Excel 以「另存新檔 → CSV」存檔。")
	case u.Size <= 0:
		return errcode.Field("size", "檔案是空的。")
	case u.Size > MaxSize:
		return errcode.Field("size", fmt.Sprintf("檔案過大（上限 %d MB），請分成幾個檔案上傳。", MaxSize>>20))
	}
	return nil
}

// StartUpload records a job and presigns the upload of its file.
func (s *Service) StartUpload(ctx context.Context, c auth.Caller, req UploadRequest) (Upload, error) {
	k, ok := KindByID(req.Kind)
	if !ok || k.Machine { // platform jobs come through /api/platform only
		return Upload{}, errcode.Field("kind", "沒有這種上傳作業。")
	}
	if !c.Can(k.Feature) {
		return Upload{}, errcode.New(errcode.Forbidden, "您沒有「"+k.Name+"」的權限。")
	}
	var params map[string]string
	if k.ID == Nominations {
		list := ParseClasses(req.Params["classes"])
		if len(list) == 0 || len(list) > 20 {
			return Upload{}, errcode.Field("classes", "請選擇 1 到 20 個要薦送的班期。")
		}
		for _, cs := range list {
			if len(cs[0]) > limits.ID || len(cs[1]) > limits.ID {
				return Upload{}, errcode.Field("classes", "薦送班期的課程代碼或期別過長。")
			}
			cl, err := s.Classes.Get(ctx, cs[0], cs[1])
			if err != nil {
				return Upload{}, err
			}
			if err := enrollment.CheckEnrollable(cl, enrollment.Applicant{Agency: c.Active.Code}, c.Active.Code, nil, s.Now()); err != nil {
				e := errcode.As(err)
				return Upload{}, errcode.Field("classes", fmt.Sprintf("%s 第 %s 期不能由本機關薦送：%s", cs[0], cs[1], e.Message))
			}
		}
		params = map[string]string{"classes": req.Params["classes"]}
	}
	id := s.NewID()
	j := Job{ID: id, Kind: k.ID, Params: params, Agency: c.Active.Code, AgencyName: c.Active.Name, User: c.UserID, UserName: c.Name,
		FileName: req.FileName, Size: req.Size, Key: fmt.Sprintf("%s%s/%s/%s.csv", KeyPrefix, c.Active.Code, k.ID, id),
		Status: Uploading, Created: s.Now().UTC()}
	if err := s.Jobs.Create(ctx, j); err != nil {
		return Upload{}, err
	}
	url, err := s.Store.UploadURLSized(ctx, s.Bucket, j.Key, "text/csv", req.Size)
	if err != nil {
		return Upload{}, err
	}
	return Upload{Job: j, URL: url}, nil
}

// JobID reads the job id out of an upload's object key.
func JobID(key string) (string, bool) {
	prefix := KeyPrefix
	if strings.HasPrefix(key, BatchKeyPrefix) { // a platform's JSON batch, staged by the API
		prefix = BatchKeyPrefix
	}
	if !strings.HasPrefix(key, prefix) || !strings.HasSuffix(key, ".csv") {
		return "", false
	}
	parts := strings.Split(strings.TrimSuffix(strings.TrimPrefix(key, prefix), ".csv"), "/")
	if len(parts) != 3 || parts[2] == "" {
		return "", false
	}
	return parts[2], true
}

// Job returns a job the caller may see: their active agency's, of a kind
// they may upload, or any with L1 (學習資訊上傳進度查詢).
func (s *Service) Job(ctx context.Context, c auth.Caller, id string) (Job, error) {
	j, err := s.Jobs.Get(ctx, id)
	if err != nil {
		return Job{}, err
	}
	k, _ := KindByID(j.Kind)
	if j.Agency != c.Active.Code || !(c.Can("L1") || c.Can(k.Feature) || (k.ID == Nominations && c.Can("P4"))) {
		return Job{}, errcode.New(errcode.NotFound, "找不到這個上傳作業。")
	}
	return s.Jobs.settle(ctx, j, s.Now())
}

// Query is the progress query (L1): its conditions besides the text in the
// files, which a search task looks for (task.go).
type Query struct {
	From, To time.Time
	Kind     string
}

// maxListed bounds a progress query (and the files a text search reads).
const maxListed = 200

// List answers the progress query: the agency's jobs in the time range, of a
// kind (a stale staging job settled on the way). It reads no file.
func (s *Service) List(ctx context.Context, c auth.Caller, q Query) ([]Job, bool, error) {
	jobs, err := s.Jobs.List(ctx, c.Active.Code, q.From, q.To, maxListed)
	if err != nil {
		return nil, false, err
	}
	var out []Job
	for _, j := range jobs {
		if q.Kind == "" || j.Kind == q.Kind {
			if j, err = s.Jobs.settle(ctx, j, s.Now()); err != nil {
				return nil, false, err
			}
			out = append(out, j)
		}
	}
	return out, len(jobs) == maxListed, nil
}

// search is the text search of a search task (run by the worker): the
// agency's jobs of the query whose file contains the text (the files are
// read, decoded as they were at upload, and searched with full- and
// half-width forms alike). It writes nothing.
func (s *Service) search(ctx context.Context, agency string, q Query, text string) ([]string, bool, error) {
	jobs, err := s.Jobs.List(ctx, agency, q.From, q.To, maxListed)
	if err != nil {
		return nil, false, err
	}
	text = norm.NFKC.String(strings.TrimSpace(text))
	hits := make([]bool, len(jobs))
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i, j := range jobs {
		if (q.Kind != "" && j.Kind != q.Kind) || j.Status == Uploading {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			hits[i], errs[i] = s.contains(ctx, j, text)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, false, err
	}
	found := []string{}
	for i, j := range jobs {
		if hits[i] {
			found = append(found, j.ID)
		}
	}
	return found, len(jobs) == maxListed, nil
}

func (s *Service) contains(ctx context.Context, j Job, text string) (bool, error) {
	body, err := s.Store.Get(ctx, s.Bucket, j.Key)
	if err != nil {
		return false, err
	}
	defer body.Close()
	r, _, err := csvtext.Decode(body)
	if err != nil {
		return false, nil // an unreadable file contains nothing
	}
	buf := make([]byte, 64<<10)
	var tail []byte
	for {
		if err := ctx.Err(); err != nil { // the worker's time is up
			return false, err
		}
		n, err := r.Read(buf)
		chunk := append(tail, buf[:n]...)
		if strings.Contains(norm.NFKC.String(string(chunk)), text) {
			return true, nil
		}
		if keep := len(text) * 2; len(chunk) > keep {
			tail = append([]byte(nil), chunk[len(chunk)-keep:]...)
		} else {
			tail = append([]byte(nil), chunk...)
		}
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
	}
}

// OriginalURL presigns the download of the file as uploaded.
func (s *Service) OriginalURL(ctx context.Context, j Job) (string, error) {
	if j.Status == Uploading {
		return "", errcode.New(errcode.Conflict, "檔案尚未上傳完成。")
	}
	return s.Store.DownloadURL(ctx, s.Bucket, j.Key, j.FileName)
}

// resultable refuses the result file of a job that has no rows checked yet.
func resultable(j Job) error {
	switch j.Status {
	case Uploading, Staging:
		return errcode.New(errcode.Conflict, "檔案尚未檢查完成，請稍後再試。")
	case Failed:
		return errcode.New(errcode.Conflict, "整個檔案未被接受（"+j.FileError+"），沒有逐列結果。")
	}
	return nil
}

// resultFile names the result file of a job as it is now: its key carries
// the job's status and checkpoint, so a file once written serves every later
// request of the same state, and a retried worker rewrites the same object.
func resultFile(j Job, failedOnly bool) (key, name string) {
	variant := "all"
	name = strings.TrimSuffix(j.FileName, path.Ext(j.FileName)) + "_處理結果.csv"
	if failedOnly {
		variant = "failed"
		name = strings.TrimSuffix(j.FileName, path.Ext(j.FileName)) + "_失敗資料.csv"
	}
	return fmt.Sprintf("%s%s/%s/%s-%s-%d.csv", resultPrefix, j.Agency, j.ID, variant, j.Status, j.Next), name
}

// putResult writes the result file (every row, or the failed ones, with a
// 處理結果 column; UTF-8 with BOM, re-uploadable after fixing) to key. The
// import worker runs it, never the API.
func (s *Service) putResult(ctx context.Context, j Job, failedOnly bool, key string) error {
	// Written to a temporary file first: S3 needs a body it can read twice
	// (to sign it), and memory must not grow with the file.
	tmp, err := os.CreateTemp("", "import-result-*.csv")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if err := s.writeResult(ctx, j, failedOnly, tmp); err != nil {
		return err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return s.Store.Put(ctx, s.Bucket, key, "text/csv; charset=utf-8", tmp)
}

func (s *Service) writeResult(ctx context.Context, j Job, failedOnly bool, w io.Writer) error {
	body, err := s.Store.Get(ctx, s.Bucket, j.Key)
	if err != nil {
		return err
	}
	defer body.Close()
	k, _ := KindByID(j.Kind)
	rd, err := NewReader(body, k)
	if err != nil {
		return err
	}
	cw, err := csvtext.NewWriter(w) // every cell neutralised, refused ones too
	if err != nil {
		return err
	}
	header := rd.Header
	if i := indexOf(header, ResultHeader); i >= 0 { // a re-uploaded result file: replace the old results
		header = append(append([]string{}, header[:i]...), header[i+1:]...)
	}
	if err := cw.Write(append(header, ResultHeader)); err != nil {
		return err
	}
	old := indexOf(rd.Header, ResultHeader)
	err = eachChunk(rd, 0, func(n int, rows []Row) error {
		res, err := s.Jobs.chunk(ctx, j.ID, n)
		if err != nil {
			return err
		}
		for i, r := range rows {
			if i >= len(res) {
				break
			}
			if failedOnly && res[i].Status != RowFailed {
				continue
			}
			fields := r.Fields
			if old >= 0 && old < len(fields) {
				fields = append(append([]string{}, fields[:old]...), fields[old+1:]...)
			}
			if err := cw.Write(append(fields, resultText(res[i]))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return cw.Close()
}

func resultText(r RowResult) string {
	switch r.Status {
	case RowApplied:
		switch r.Change {
		case ChangeAdded:
			return "已寫入（新增）"
		case ChangeUpdated:
			return "已寫入（更新）"
		}
		return "已寫入"
	case RowWaiting:
		return "檢查通過，待夜間批次寫入"
	}
	return "失敗：" + r.Msg
}

func indexOf(list []string, want string) int {
	for i, h := range list {
		if headerKey(h) == want {
			return i
		}
	}
	return -1
}
