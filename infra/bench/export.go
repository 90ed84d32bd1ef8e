package main

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/export"
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
