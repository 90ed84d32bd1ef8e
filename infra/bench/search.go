package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/infra/local/stack"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/demo"
	"github.com/ecpa-lifelong/backoffice/shared/ngram"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
	"github.com/ecpa-lifelong/backoffice/shared/store"
)

// benchSearch: partial-name searches of lecturers (L4: every agency's public
// lecturers, via the n-gram index) and of courses (L2: the caller's agency's
// classes of the year) through the API, over nLect lecturers and nCourses
// courses, against the same searches done by a Scan with a contains filter.
func benchSearch(ctx context.Context, out io.Writer, st *stack.Stack, t store.Tables, d demo.Data, nLect, nCourses, n, nBase int) error {
	r := rand.New(rand.NewPCG(11, 13))
	now := time.Now()
	lects := demo.Lecturers(r, d.Agencies, nLect, now)
	var items, entities []any // entities: the same data without the index (the baseline's table)
	for _, s := range demo.Subjects(now) {
		items = append(items, catalog.SubjectKeyed(s)...)
	}
	for _, l := range lects {
		keyed := catalog.LecturerKeyed(l)
		items = append(items, keyed...)
		entities = append(entities, keyed[0])
	}
	year := roc.Year(now)
	var moiNames []string
	topics := []string{"數位治理實務", "公文寫作", "淨零排放與環境教育", "性別平等與性別主流化", "政策溝通", "個人資料保護",
		"危機管理", "跨域協調", "資料分析入門", "廉政倫理", "國際視野", "簡報技巧", "資訊安全", "採購法規", "英語簡報", "專案管理"}
	levels := []string{"基礎", "進階", "實務", "專題", "研習", "工作坊"}
	for i := range nCourses {
		a := d.Agencies[r.IntN(len(d.Agencies))]
		start := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(360))
		c := catalog.Class{CourseCode: fmt.Sprintf("B%07d", i), Session: "1", Agency: a.Code, Category: "311",
			Name:   topics[r.IntN(len(topics))] + levels[r.IntN(len(levels))] + "班",
			Nature: catalog.Physical, Method: catalog.Open, Unit: catalog.UnitHour, Amount: 6, Hours: 6, PhysicalHours: 6,
			Start: start.Format(time.DateOnly), End: start.Format(time.DateOnly), Capacity: 40, Location: "臺北市", Year: year,
			Created: start.AddDate(0, 0, -30).Add(time.Duration(i) * time.Second), Updated: start}
		c.Updated = c.Created
		if a.Code == demo.MOI {
			moiNames = append(moiNames, c.Name)
		}
		items = append(items, catalog.ClassKeyed(c))
		entities = append(entities, catalog.ClassKeyed(c))
	}
	fmt.Fprintf(out, "search: loading %d lecturers and %d courses (%d items with the n-gram postings)...\n", nLect, nCourses, len(items))
	start := time.Now()
	if err := store.WriteAll(ctx, t.Catalog, items, 16); err != nil {
		return err
	}
	fmt.Fprintf(out, "  loaded in %.0f s (%.0f items/s)\n", time.Since(start).Seconds(), float64(len(items))/time.Since(start).Seconds())

	// Queries: substrings (1–3 characters) of public lecturers' names; 2–4
	// characters of MOI's course names, as officers type them.
	var public []string
	for _, l := range lects {
		if l.Public {
			public = append(public, l.Name)
		}
	}
	sub := func(s string, lo, hi int) string {
		rs := []rune(s)
		n := lo + r.IntN(hi-lo+1)
		n = min(n, len(rs))
		i := r.IntN(len(rs) - n + 1)
		return string(rs[i : i+n])
	}
	lq := make([]string, n)
	for i := range lq {
		lq[i] = sub(public[r.IntN(len(public))], 1, 3)
	}
	cq := make([]string, n)
	for i := range cq {
		cq[i] = sub(moiNames[r.IntN(len(moiNames))], 2, 4)
	}

	tpe, err := st.Token(ctx, "tpe.admin", time.Hour)
	if err != nil {
		return err
	}
	moi, err := st.Token(ctx, "moi.course", time.Hour)
	if err != nil {
		return err
	}
	client := &http.Client{}
	get := func(path, tok string) error { return getOK(ctx, client, st.URL, path, tok) }
	k := 0
	lectAPI, err := latencies(n, 50, func() error {
		k++
		return get("/api/lecturer-db?name="+url.QueryEscape(lq[k%len(lq)]), tpe)
	})
	if err != nil {
		return err
	}
	k = 0
	courseAPI, err := latencies(n, 50, func() error {
		k++
		return get("/api/courses?name="+url.QueryEscape(cq[k%len(cq)]), moi)
	})
	if err != nil {
		return err
	}

	fmt.Fprintf(out, "lecturer database search (L4, %d public lecturers), %d partial-name queries through the API\n", len(public), n)
	fmt.Fprintf(out, "  n-gram index                        p50 %8.2f ms  p95 %8.2f ms\n", ms(lectAPI, 50), ms(lectAPI, 95))
	fmt.Fprintf(out, "course search (L2, %d courses, %d of them MOI's this year), %d partial-name queries through the API\n", nCourses, len(moiNames), n)
	fmt.Fprintf(out, "  agency-year index + filter          p50 %8.2f ms  p95 %8.2f ms\n", ms(courseAPI, 50), ms(courseAPI, 95))
	fmt.Fprintf(out, "  sample queries: %s\n", strings.Join(append(lq[:5:5], cq[:5]...), " "))

	if nBase == 0 {
		fmt.Fprintln(out, "baseline skipped (-scans 0)")
		return nil
	}
	// The baseline: the same data without the index (lecturers and classes
	// only, in a table of their own), searched by Scan + contains. A full
	// Scan per search, so only a few samples.
	base := t.Catalog.Name() + "_noindex"
	if _, err := t.DB.Client().CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String(base),
		BillingMode: dbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []dbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: dbtypes.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: dbtypes.ScalarAttributeTypeS}},
		KeySchema: []dbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: dbtypes.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: dbtypes.KeyTypeRange}}}); err != nil {
		return err
	}
	plain := t.DB.Table(base)
	if err := store.WriteAll(ctx, plain, entities, 16); err != nil {
		return err
	}
	scan := func(filter func(*dynamo.Scan) *dynamo.Scan, key func(map[string]any) string) (map[string]bool, error) {
		var page []map[string]any
		if err := filter(plain.Scan()).All(ctx, &page); err != nil {
			return nil, err
		}
		hits := map[string]bool{}
		for _, it := range page {
			hits[key(it)] = true
		}
		return hits, nil
	}
	// hits reads every page the API answers for a query.
	hits := func(path, tok string, key func(map[string]any) string) (map[string]bool, error) {
		out := map[string]bool{}
		for next := ""; ; {
			req, _ := http.NewRequestWithContext(ctx, "GET", st.URL+path+"&limit=100&next="+url.QueryEscape(next), nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := client.Do(req)
			if err != nil {
				return nil, err
			}
			var p struct {
				Items []map[string]any `json:"items"`
				Next  string           `json:"next"`
			}
			err = json.NewDecoder(resp.Body).Decode(&p)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 {
				return nil, fmt.Errorf("GET %s: %d %v", path, resp.StatusCode, err)
			}
			for _, it := range p.Items {
				out[key(it)] = true
			}
			if next = p.Next; next == "" {
				return out, nil
			}
		}
	}
	lectKey := func(it map[string]any) string { return fmt.Sprint(it["id"]) }
	classKey := func(it map[string]any) string { return fmt.Sprint(it["courseCode"], "#", it["session"]) }
	ours := map[string]bool{} // the keys of what the Scan's table holds
	for _, l := range lects {
		ours[l.ID] = true
	}
	for i := range nCourses {
		ours[fmt.Sprintf("B%07d#1", i)] = true
	}
	// Each Scan run's query is also asked of the API: both must find the same.
	same, compared := 0, 0
	compare := func(what, q string, scanned map[string]bool, path, tok string, key func(map[string]any) string) error {
		api, err := hits(path, tok, key)
		if err != nil {
			return err
		}
		compared++
		// The API's table also holds the demo data (its classes and
		// lecturers); the Scan's holds only the benchmark's: compare those.
		maps.DeleteFunc(api, func(k string, _ bool) bool { return !ours[k] })
		if maps.Equal(api, scanned) {
			same++
			return nil
		}
		return fmt.Errorf("%s %q: the index found %d, the Scan %d: not the same hits", what, q, len(api), len(scanned))
	}
	type scanned struct {
		what, q, path, tok string
		key                func(map[string]any) string
		found              map[string]bool
	}
	var done []scanned // compared after the timing
	k = 0
	lectScan, err := latencies(nBase, 0, func() error { // each run is a full table read: no warm-up
		k++
		q := lq[k%len(lq)]
		found, err := scan(func(s *dynamo.Scan) *dynamo.Scan {
			return s.Filter("$ = ? AND contains($, ?)", "gsi2pk", "PUBLECT", "nName", ngram.Normalize(q))
		}, lectKey)
		done = append(done, scanned{"lecturers", q, "/api/lecturer-db?name=" + url.QueryEscape(q), tpe, lectKey, found})
		return err
	})
	if err != nil {
		return err
	}
	k = 0
	courseScan, err := latencies(nBase, 0, func() error {
		k++
		q := cq[k%len(cq)]
		found, err := scan(func(s *dynamo.Scan) *dynamo.Scan {
			return s.Filter("$ = ? AND $ = ? AND contains($, ?)", "agency", demo.MOI, "year", year, "nName", ngram.Normalize(q))
		}, classKey)
		done = append(done, scanned{"courses", q, "/api/courses?name=" + url.QueryEscape(q), moi, classKey, found})
		return err
	})
	if err != nil {
		return err
	}
	var mismatch []error
	for _, d := range done {
		if err := compare(d.what, d.q, d.found, d.path, d.tok, d.key); err != nil {
			mismatch = append(mismatch, err)
		}
	}
	// With a few Scan runs a p95 is only the slowest run: report what was measured.
	fmt.Fprintf(out, "baseline: Scan + contains over the %d lecturers and classes without the index (a full table read per query)\n", len(entities))
	fmt.Fprintf(out, "  lecturers  %d runs: min %9.2f  median %9.2f  max %9.2f ms   median Scan ÷ index p50 %6.1f×   (target ≥ 20×, index p95 < 100 ms)\n",
		nBase, ms(lectScan, 0), ms(lectScan, 50), ms(lectScan, 100), ms(lectScan, 50)/ms(lectAPI, 50))
	fmt.Fprintf(out, "  courses    %d runs: min %9.2f  median %9.2f  max %9.2f ms   median Scan ÷ index p50 %6.1f×\n",
		nBase, ms(courseScan, 0), ms(courseScan, 50), ms(courseScan, 100), ms(courseScan, 50)/ms(courseAPI, 50))
	fmt.Fprintf(out, "  same hits from the index (all pages, through the API) and the Scan: %d of %d queries\n", same, compared)
	if len(mismatch) > 0 {
		return errors.Join(mismatch...)
	}
	return nil
}
