package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/ecpa-lifelong/backoffice/infra/local/stack"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/demo"
	"github.com/ecpa-lifelong/backoffice/shared/export"
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn/exportfn"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
	"github.com/ecpa-lifelong/backoffice/shared/store"
)

// exportColumns are 20 columns of a learning-record export (P1, P5).
var exportColumns = []export.Column{
	{Title: "身分證字號"}, {Title: "姓名"}, {Title: "服務機關代碼"}, {Title: "服務機關"}, {Title: "單位"},
	{Title: "職稱"}, {Title: "官職等"}, {Title: "人員類別"}, {Title: "課程代碼"}, {Title: "期別"},
	{Title: "課程名稱"}, {Title: "類別代碼"}, {Title: "開課日期"}, {Title: "結訓日期"},
	{Title: "時數", Kind: export.Number}, {Title: "數位時數", Kind: export.Number}, {Title: "實體時數", Kind: export.Number},
	{Title: "成績"}, {Title: "狀態"}, {Title: "紀錄編號"},
}

// exportRow fills row i deterministically, without keeping rows around.
func exportRow(i int, cells []string) {
	cells[0] = fmt.Sprintf("A1%08d", i%100000000)
	cells[1] = "王" + string(rune(0x5c0f+i%50)) + "明"
	cells[2] = fmt.Sprintf("3%02d0%02d000A", i%23, i%17)
	cells[3] = "內政部警政署第" + strconv.Itoa(i%9) + "分支機構"
	cells[4], cells[5], cells[6], cells[7] = "人事室", "專員", "薦任第七職等", "一般公務人員"
	cells[8], cells[9] = fmt.Sprintf("301A%04d", i%9999), strconv.Itoa(1+i%3)
	cells[10], cells[11] = "數位治理實務與個人資料保護", "311"
	cells[12], cells[13] = fmt.Sprintf("115/%02d/%02d", 1+i%12, 1+i%28), fmt.Sprintf("115/%02d/%02d", 1+i%12, 1+i%28)
	cells[14], cells[15], cells[16] = strconv.Itoa(3+i%10), "0", strconv.Itoa(3+i%10)
	cells[17], cells[18], cells[19] = "及格", "已核定", fmt.Sprintf("C#301A%04d#%d", i%9999, 1+i%3)
}

// exportOne is the child process: write n rows in one format to a discarding
// sink and print the seconds taken.
func exportOne(format string, n int) error {
	cells := make([]string, len(exportColumns))
	sink := bufio.NewWriterSize(io.Discard, 64<<10)
	start := time.Now()
	if format == "floor" { // plain encoding/csv, no ZIP: the floor
		w := csv.NewWriter(sink)
		for i := 0; i < n; i++ {
			exportRow(i, cells)
			if err := w.Write(cells); err != nil {
				return err
			}
		}
		w.Flush()
		if err := w.Error(); err != nil {
			return err
		}
	} else {
		err := export.Pack(sink, "匯出."+format, export.Password(), func(zw io.Writer) error {
			s, err := export.NewSheet(export.Format(format), zw, "資料", exportColumns)
			if err != nil {
				return err
			}
			for i := 0; i < n; i++ {
				exportRow(i, cells)
				if err := s.WriteRow(cells); err != nil {
					return err
				}
			}
			return s.Close()
		})
		if err != nil {
			return err
		}
	}
	fmt.Printf("%.6f %.1f\n", time.Since(start).Seconds(), highWaterMB())
	return nil
}

type exportResult struct {
	secs  float64
	rssMB float64
}

// measure runs one format in a child process: its time and its peak memory
// (its own VmHWM: see benchImport for why not the wait's rusage).
func measure(format string, n int) (exportResult, error) {
	self, err := os.Executable()
	if err != nil {
		return exportResult{}, err
	}
	cmd := exec.Command(self, "export-one", format, strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return exportResult{}, fmt.Errorf("export %s %d rows: %w", format, n, err)
	}
	var r exportResult
	if _, err := fmt.Sscan(string(out), &r.secs, &r.rssMB); err != nil {
		return exportResult{}, fmt.Errorf("export child said %q: %w", out, err)
	}
	return r, nil
}

func benchExport(out io.Writer, sizes []int) error {
	fmt.Fprintf(out, "export, %d columns, each format zipped with AES-256 (floor: encoding/csv, no ZIP)\n", len(exportColumns))
	fmt.Fprintf(out, "  %-8s %9s %12s %10s %12s %14s\n", "format", "rows", "rows/s", "seconds", "× floor", "peak RSS MB")
	for _, n := range sizes {
		floor, err := measure("floor", n)
		if err != nil {
			return err
		}
		for _, f := range []string{"floor", "csv", "xlsx", "ods"} {
			r := floor
			if f != "floor" {
				if r, err = measure(f, n); err != nil {
					return err
				}
			}
			fmt.Fprintf(out, "  %-8s %9d %12.0f %10.2f %11.1f× %14.0f\n", f, n, float64(n)/r.secs, r.secs, r.secs/floor.secs, r.rssMB)
		}
	}
	fmt.Fprintln(out, "  targets: xlsx at most 8× the floor's time; peak memory at most 300 MB at 500,000 rows")
	fmt.Fprintln(out)
	return nil
}

// exportWorkerOne is the child process: the export worker's handler, as Lambda
// invokes it, for one queued job; it prints its seconds and its VmHWM.
func exportWorkerOne(jobID string) error {
	ctx := context.Background()
	run, err := exportfn.ExportWorker(ctx, os.Getenv)
	if err != nil {
		return err
	}
	start := time.Now()
	if err := run(ctx, export.WorkerInput{JobID: jobID}); err != nil {
		return err
	}
	fmt.Printf("%.6f %.1f\n", time.Since(start).Seconds(), highWaterMB())
	return nil
}

// benchExportWorker measures the export worker end to end: a class roster
// export (L5) of n approved enrollees, read from DynamoDB Local (the class's
// enrollments, the people, their agencies), sorted, written as xlsx into an
// AES ZIP and uploaded in parts to the embedded S3, by the worker's own
// handler in a child process (its time and its peak memory).
func benchExportWorker(ctx context.Context, out io.Writer, st *stack.Stack, t store.Tables, sizes []int) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	jobs := export.Jobs{Table: t.Directory}
	fmt.Fprintln(out, "export worker end to end: roster (L5) as xlsx, source reads + sort + sheet + AES ZIP + multipart upload, in a child process")
	fmt.Fprintf(out, "  %9s %12s %10s %14s %12s %14s\n", "rows", "rows/s", "seconds", "peak RSS MB", "ZIP MB", "writer alone ×")
	for _, n := range sizes {
		code := fmt.Sprintf("BENCHX%d", n)
		c := catalog.Class{CourseCode: code, Session: "1", Name: "匯出效能測試班", Agency: demo.MOI, Category: "311",
			Nature: catalog.Physical, Method: catalog.Open, Start: "2026-03-02", End: "2026-03-03", Unit: catalog.UnitHour,
			Amount: 6, Hours: 6, Capacity: n, Location: "臺北市", Year: 2026, Created: time.Now(), Updated: time.Now()}
		items := []any{catalog.ClassKeyed(c)}
		var people []any
		for i := range n {
			p := staff.Person{ID: fmt.Sprintf("bx%d-%07d", n, i), NationalID: fmt.Sprintf("X%d%08d", n%10, i), Name: "王" + string(rune(0x5c0f+i%50)) + "明",
				Gender: 1 + i%2, Birth: "1980-01-02", Agency: demo.MOI, Unit: "人事室", Title: "專員", Rank: "薦任第七職等", Category: "一般公務人員"}
			people = append(people, staff.Keyed(p)...)
			items = append(items, catalog.EnrollmentKeyed(catalog.Enrollment{CourseCode: code, Session: "1", PersonID: p.ID,
				Agency: demo.MOI, Status: catalog.Approved, At: time.Now()}))
		}
		if err := store.WriteAll(ctx, t.Directory, people, 8); err != nil {
			return err
		}
		if err := store.WriteAll(ctx, t.Catalog, items, 8); err != nil {
			return err
		}
		id := fmt.Sprintf("benchx%d", n)
		if err := jobs.Create(ctx, export.Job{ID: id, Kind: "roster", Title: c.Name + " 名冊", Format: export.XLSX,
			Params: map[string]string{"courseCode": code, "session": "1", "sort": "name"}, Owner: "bench", Agency: demo.MOI,
			Status: export.Queued, Password: export.Password(), Filename: code + "_名冊.zip", Created: time.Now()}); err != nil {
			return err
		}
		cmd := exec.CommandContext(ctx, self, "export-worker-one", id)
		cmd.Env = append(st.Environ("ExportWorkerFunction"), "AWS_LAMBDA_FUNCTION_NAME=ExportWorkerFunction", "PATH="+os.Getenv("PATH"))
		cmd.Stderr = io.Discard
		outb, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("export worker, %d rows: %w", n, err)
		}
		var r exportResult
		if _, err := fmt.Sscan(lastLine(string(outb)), &r.secs, &r.rssMB); err != nil {
			return fmt.Errorf("export worker child said %q: %w", outb, err)
		}
		j, err := jobs.Get(ctx, id)
		if err != nil {
			return err
		}
		if j.Status != export.Done || j.Rows != n {
			return fmt.Errorf("export worker, %d rows: job %s with %d rows (%s)", n, j.Status, j.Rows, j.Error)
		}
		alone, err := measure("xlsx", n)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "  %9d %12.0f %10.2f %14.0f %12.1f %13.1f×\n", n, float64(n)/r.secs, r.secs, r.rssMB, float64(j.Size)/(1<<20), r.secs/alone.secs)
	}
	fmt.Fprintln(out, "  (writer alone: the same row count through the xlsx writer + ZIP into a discard, as above)")
	fmt.Fprintln(out)
	return nil
}
