package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/ecpa-lifelong/backoffice/infra/local/stack"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/demo"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
	"github.com/ecpa-lifelong/backoffice/shared/store"
)

// benchRush: an enrollment opening (issue 19). learners distinct people of
// the directory enroll into one class of capacity seats (stop when full)
// through gateway + authorizer + EnrollmentFunction, workers at a time, as
// fast as they can. The figures: wall time, answers by status, p50/p95, and
// the checks that matter: no 5xx, and exactly seats enrollments stored and
// counted. Baseline in the same run: the same number of enrollments into a
// second class sent one at a time (no contention), so the ratio is the cost
// of the crowd on one class's items.
func benchRush(ctx context.Context, out io.Writer, st *stack.Stack, t store.Tables, d demo.Data, learners, seats, workers int) error {
	if len(d.People) < learners {
		return fmt.Errorf("rush: %d learners wanted, the demo has %d people", learners, len(d.People))
	}
	repo := catalog.Repo{Table: t.Catalog, DB: t.DB}
	now := st.Now()
	today := roc.Day(now)
	class := func(code string) (catalog.Class, error) {
		c := catalog.Class{CourseCode: code, Session: "1", Name: "搶手課程", Agency: demo.MOI, Category: "3111",
			Nature: catalog.Physical, Method: catalog.Open, Start: today.AddDate(0, 1, 0).Format(time.DateOnly),
			End: today.AddDate(0, 1, 1).Format(time.DateOnly), EnrollStart: today.AddDate(0, 0, -1).Format(time.DateOnly),
			EnrollEnd: today.AddDate(0, 0, 7).Format(time.DateOnly), Unit: catalog.UnitHour, Amount: 6, Hours: 6,
			Capacity: seats, StopWhenFull: true, Location: "臺北市", Year: roc.Year(now), Created: now.UTC(), Updated: now.UTC()}
		return c, repo.CreateClass(ctx, c)
	}
	rush, err := class("RUSH")
	if err != nil {
		return err
	}
	calm, err := class("CALM")
	if err != nil {
		return err
	}
	tokens := make([]string, learners)
	for i := range tokens {
		if tokens[i], err = st.Token(ctx, d.People[i].ID, time.Hour); err != nil {
			return err
		}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	enroll := func(c catalog.Class, i int) (int, time.Duration, error) {
		req, _ := http.NewRequestWithContext(ctx, "POST", st.URL+"/api/front/enrollments/"+c.CourseCode+"/1", bytes.NewReader([]byte(`{"answers":{}}`)))
		req.Header.Set("Authorization", "Bearer "+tokens[i])
		req.Header.Set("Content-Type", "application/json")
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return 0, 0, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, time.Since(start), nil
	}

	// The rush: every learner at once, workers in flight.
	statuses := map[int]int{}
	var took []time.Duration
	var mu sync.Mutex
	next := make(chan int)
	var wg sync.WaitGroup
	var firstErr error
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				code, d, err := enroll(rush, i)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				statuses[code]++
				took = append(took, d)
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < learners; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	wall := time.Since(start)
	if firstErr != nil {
		return firstErr
	}
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })

	// Baseline: one at a time into the calm class.
	var calmTook []time.Duration
	calmStart := time.Now()
	for i := 0; i < learners; i++ {
		code, d, err := enroll(calm, i)
		if err != nil {
			return err
		}
		if code >= 500 {
			return fmt.Errorf("baseline enrollment %d answered %d", i, code)
		}
		calmTook = append(calmTook, d)
	}
	calmWall := time.Since(calmStart)
	sort.Slice(calmTook, func(i, j int) bool { return calmTook[i] < calmTook[j] })

	got, err := repo.Get(ctx, rush.CourseCode, rush.Session)
	if err != nil {
		return err
	}
	stored, err := repo.Enrollees(ctx, rush, "")
	if err != nil {
		return err
	}
	fiveXX := 0
	for code, n := range statuses {
		if code >= 500 {
			fiveXX += n
		}
	}
	fmt.Fprintf(out, "enrollment rush: %d learners into one class of %d seats (stop when full), %d in flight\n", learners, seats, workers)
	fmt.Fprintf(out, "  wall time %.1f s (%.0f enrollments/s); answers by status %v\n", wall.Seconds(), float64(learners)/wall.Seconds(), statuses)
	fmt.Fprintf(out, "  latency p50 %6.1f ms  p95 %6.1f ms\n", ms(took, 50), ms(took, 95))
	fmt.Fprintf(out, "  5xx %d (want 0); seats counted %d, enrollments stored %d (want %d each)\n", fiveXX, got.Enrolled, len(stored), seats)
	fmt.Fprintf(out, "  baseline: the same %d one at a time into another class: %.1f s, p50 %6.1f ms  p95 %6.1f ms\n",
		learners, calmWall.Seconds(), ms(calmTook, 50), ms(calmTook, 95))
	fmt.Fprintf(out, "  ratio (p95, rush / one at a time)   %6.2f×\n", ms(took, 95)/ms(calmTook, 95))
	if fiveXX != 0 || got.Enrolled != seats || len(stored) != seats || statuses[201]+statuses[200] != seats {
		return fmt.Errorf("rush: %d × 5xx, %d counted, %d stored, %d accepted; want 0 and %d", fiveXX, got.Enrolled, len(stored), statuses[201]+statuses[200], seats)
	}
	return nil
}
