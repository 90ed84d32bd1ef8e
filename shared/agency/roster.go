package agency

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// RosterHeader is the first row of the agency roster file dropped in S3 for
// the nightly sync; * marks a required column. The template is served as is.
var RosterHeader = []string{"機關代碼*", "機關名稱*", "上級機關代碼", "機關層級*", "機關類型*(機關/學校/事業機構)"}

// RosterKeyPrefix is where roster files land in the uploads bucket.
const RosterKeyPrefix = "agency-roster/"

// RowError is one line of the roster that cannot be used.
type RowError struct {
	Line    int    `json:"line" dynamo:"line"`
	Message string `json:"message" dynamo:"message"`
}

// ParseRoster reads a UTF-8 roster (see RosterHeader). It returns the agencies
// of every valid row and an error per invalid row; a tree problem (a missing
// parent, a cycle) is reported as a file error because nothing can be applied.
func ParseRoster(r io.Reader) ([]Agency, []RowError, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, errors.New("檔案是空的")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("無法讀取標題列：%w", err)
	}
	if len(header) < 5 || !strings.HasPrefix(strings.TrimPrefix(header[0], "\ufeff"), "機關代碼") {
		return nil, nil, fmt.Errorf("標題列不符：第一欄應為「機關代碼*」，共 5 欄")
	}
	kinds := map[string]Kind{}
	for k, name := range KindNames {
		kinds[name] = k
	}
	var list []Agency
	var bad []RowError
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			bad = append(bad, RowError{line, "無法解析此列：" + err.Error()})
			continue
		}
		if len(rec) < 5 {
			bad = append(bad, RowError{line, fmt.Sprintf("欄位數不足：應為 5 欄，實際 %d 欄", len(rec))})
			continue
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		a := Agency{Code: rec[0], Name: rec[1], Parent: rec[2]}
		var msgs []string
		if !ValidCode(a.Code) {
			msgs = append(msgs, "機關代碼須為 10 碼英數字")
		}
		if a.Name == "" {
			msgs = append(msgs, "機關名稱未填")
		}
		if a.Parent != "" && !ValidCode(a.Parent) {
			msgs = append(msgs, "上級機關代碼須為 10 碼英數字")
		}
		lvl, err := strconv.Atoi(rec[3])
		if err != nil || lvl < 1 || lvl > 9 {
			msgs = append(msgs, "機關層級須為 1 到 9 的整數")
		}
		a.Level = lvl
		kind, ok := kinds[rec[4]]
		if !ok {
			msgs = append(msgs, "機關類型須為 機關、學校 或 事業機構")
		}
		a.Kind = kind
		if len(msgs) > 0 {
			bad = append(bad, RowError{line, strings.Join(msgs, "；")})
			continue
		}
		list = append(list, a)
	}
	if len(list) == 0 && len(bad) == 0 {
		return nil, nil, errors.New("檔案只有標題列，沒有資料")
	}
	tree, err := BuildPaths(list)
	if err != nil {
		return nil, bad, err
	}
	return tree, bad, nil
}
