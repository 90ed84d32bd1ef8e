package statistics

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
)

// AgencyTree reads the agency tree (agency.Repo).
type AgencyTree interface {
	Get(ctx context.Context, code string) (agency.Agency, error)
	Subtree(ctx context.Context, a agency.Agency) ([]agency.Agency, error)
	All(ctx context.Context) (map[string]agency.Agency, error)
}

// Roller computes rollups from the staff directory and the learning
// summaries, exactly as the pages compute them on request (calc.own), and
// stores them.
type Roller struct {
	Reports Reports // People, Summaries, Requirements and Codes are read
	Tree    AgencyTree
	Store   Rollups
	Now     func() time.Time
	// SplitPeople: a top-level agency is split into parts only when its
	// subtree counted more staff than this at its last rollup (this year's
	// TREE); 0 splits every top-level agency with subordinates.
	SplitPeople int
}

// SplitPeople is the nightly's threshold: 30,000 people are 90,000
// people-years, about 3.5 minutes at the slowest measured worker rate (424
// people-years/s), so an unsplit worker stays inside 5 minutes; a larger
// subtree is split by second-level agency (docs/nightly.md).
const SplitPeople = 30000

// Years are the years the nightly batch rolls up: this year and the two
// before (Taipei).
func Years(now time.Time) []int {
	y := roc.Year(now)
	return []int{y - 2, y - 1, y}
}

// Roots are the codes of the top-level agencies (no parent), sorted: one
// nightly worker each.
func (r Roller) Roots(ctx context.Context) ([]string, error) {
	all, err := r.Tree.All(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for code, a := range all {
		if a.Parent == "" {
			out = append(out, code)
		}
	}
	sort.Strings(out)
	return out, nil
}

// OwnJob ends the id of a nightly job that rolls up an agency's own staff
// alone ("<code>#own"): its subordinates' subtrees are jobs of their own.
const OwnJob = "#own"

// RollupJobs are the nightly worker invocations (their job ids, sorted by
// top-level agency). A top-level agency without subordinates is one job; one
// with subordinates is split by second-level agency: a job for its own staff
// ("<code>#own") and one per second-level agency's subtree, each of which
// then re-sums the top-level figures from the parts (sumParts: the last part
// to finish sums them all), so the slowest worker reads the largest
// second-level subtree, not a whole ministry (store README, capacity).
func (r Roller) RollupJobs(ctx context.Context) ([]string, error) {
	all, err := r.Tree.All(ctx)
	if err != nil {
		return nil, err
	}
	children := map[string][]string{}
	var roots []string
	for code, a := range all {
		if a.Parent == "" {
			roots = append(roots, code)
		} else {
			children[a.Parent] = append(children[a.Parent], code)
		}
	}
	sort.Strings(roots)
	large, err := r.large(ctx, roots)
	if err != nil {
		return nil, err
	}
	var jobs []string
	for _, root := range roots {
		below := children[root]
		if len(below) == 0 || !large(root) {
			jobs = append(jobs, root)
			continue
		}
		sort.Strings(below)
		jobs = append(append(jobs, root+OwnJob), below...)
	}
	return jobs, nil
}

// large tells which roots to split: those whose last TREE figures of this
// year counted more than SplitPeople staff (a root never rolled up yet is
// not split: its first night is rolled up whole).
func (r Roller) large(ctx context.Context, roots []string) (func(string) bool, error) {
	if r.SplitPeople <= 0 {
		return func(string) bool { return true }, nil
	}
	y := roc.Year(r.Now())
	keys := make([]RollupKey, len(roots))
	for i, root := range roots {
		keys[i] = RollupKey{Agency: root, Year: y, Kind: Tree}
	}
	last, err := r.Store.Read(ctx, keys, PeoplePart)
	if err != nil {
		return nil, fmt.Errorf("rollup jobs: last figures of the top-level agencies: %w", err)
	}
	return func(root string) bool {
		ro, ok := last[RollupKey{Agency: root, Year: y, Kind: Tree}]
		return ok && ro.Figures != nil && ro.Figures.People.Staff > r.SplitPeople
	}, nil
}

// RollResult is what one worker did.
type RollResult struct {
	Agency   string    `json:"agency"`
	Year     int       `json:"year,omitempty"` // a 重新計算's (the nightly job: every rollup year)
	Agencies int       `json:"agencies"`
	People   int       `json:"people"`
	Items    int       `json:"items"`
	Computed time.Time `json:"computed"` // the figures' 統計時間
	Seconds  float64   `json:"seconds"`
}

// Job is one invocation of the rollup worker (RollupFunction): a bare
// agency code rolls up that agency's subtree (the nightly fan-out: a
// top-level agency); "<agency>#<year>#<requested ms>" is an officer's
// 重新計算 of that year, whose request it marks running, then done (with
// the new 統計時間) or failed.
func (r Roller) Job(ctx context.Context, id string) (RollResult, error) {
	if code, ok := strings.CutSuffix(id, OwnJob); ok && agency.ValidCode(code) {
		return r.roll(ctx, code, true)
	}
	job, recompute, err := parseJob(id)
	if err != nil {
		return RollResult{}, err
	}
	if !recompute {
		return r.Roll(ctx, job.agency)
	}
	if err := r.Store.mark(ctx, job, Running, time.Time{}); err != nil {
		return RollResult{}, err
	}
	res, err := RollResult{}, fmt.Errorf("rollup job %q: %d is no longer a rollup year", id, job.year) // asked just before New Year
	if slices.Contains(Years(r.Now()), job.year) {
		res, err = r.recomputeCode(ctx, job.agency, job.year)
	}
	if err != nil {
		if merr := r.Store.mark(ctx, job, Failed, time.Time{}); merr != nil {
			slog.ErrorContext(ctx, "重新計算 not marked failed", "agency", job.agency, "year", job.year, "err", merr)
		}
		return res, err
	}
	return res, r.Store.mark(ctx, job, Finished, res.Computed)
}

// Roll computes and writes the rollups of an agency's subtree for the
// rollup years, re-sums its ancestors' (when it is not top-level), then the
// national figures. Every item is rewritten whole, so a retry after a
// failure heals; other top-level agencies' items are never touched.
func (r Roller) Roll(ctx context.Context, code string) (RollResult, error) {
	return r.roll(ctx, code, false)
}

// roll is Roll, or with own the agency's own figures alone (an OwnJob),
// whose subtree figures it then re-sums from its children's.
func (r Roller) roll(ctx context.Context, code string, own bool) (RollResult, error) {
	start := time.Now()
	res := RollResult{Agency: code}
	a, err := r.Tree.Get(ctx, code)
	if err != nil {
		return res, err
	}
	sub := []agency.Agency{a}
	if !own {
		if sub, err = r.Tree.Subtree(ctx, a); err != nil {
			return res, err
		}
	}
	years := Years(r.Now())
	res.Agencies = len(sub)
	res.Computed = r.Now()
	res.Items, res.People, err = r.rollAgencies(ctx, sub, years, res.Computed, !own)
	if err != nil {
		return res, fmt.Errorf("rollup of %s: %w", code, err)
	}
	for _, y := range years {
		if err := r.ancestors(ctx, a, y, own, false); err != nil {
			return res, err
		}
	}
	roots, err := r.Roots(ctx)
	if err != nil {
		return res, err
	}
	for _, y := range years {
		if err := r.national(ctx, y, roots); err != nil {
			return res, err
		}
	}
	res.Seconds = time.Since(start).Seconds()
	// "rollup" is the heartbeat: template.yaml RollupJobsDoneMetric counts it.
	slog.InfoContext(ctx, "rollup", "agency", code, "agencies", res.Agencies, "people", res.People, "items", res.Items, "seconds", res.Seconds)
	return res, nil
}

// rollSubtree computes the OWN and TREE rollups of every agency of sub (an
// agency and everything below it, as Subtree answers) for years and writes
// them as computed at computed (before the first read); it answers the
// items written and the people read.
func (r Roller) rollSubtree(ctx context.Context, sub []agency.Agency, years []int, computed time.Time) (int, int, error) {
	return r.rollAgencies(ctx, sub, years, computed, true)
}

// rollAgencies is rollSubtree, or without withTrees the OWN items alone (of
// agencies whose TREE is re-summed from parts: sumParts).
func (r Roller) rollAgencies(ctx context.Context, sub []agency.Agency, years []int, computed time.Time, withTrees bool) (int, int, error) {
	calcs := map[int]calc{}
	sigs := map[int]string{}
	for _, y := range years {
		c, sig, err := r.Reports.calc(ctx, y)
		if err != nil {
			return 0, 0, err
		}
		calcs[y], sigs[y] = c, sig
	}
	own := map[int]map[string]*Figures{}
	for _, y := range years {
		own[y] = map[string]*Figures{}
	}
	var mu sync.Mutex
	people := 0
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for _, a := range sub {
		g.Go(func() error {
			ppl, err := r.Reports.staffOf(gctx, a.Code)
			if err != nil {
				return err
			}
			started := r.Reports.classCache(a.Code)
			for _, y := range years {
				ms, err := r.Reports.members(gctx, ppl, y)
				if err != nil {
					return err
				}
				f := calcs[y].own(a, ms)
				if notEnterprise(a) && r.Reports.Classes != nil { // R1, R2 (never enterprises)
					if err := r.Reports.ownClasses(gctx, f, started, y); err != nil {
						return err
					}
				}
				mu.Lock()
				own[y][a.Code] = f
				mu.Unlock()
			}
			mu.Lock()
			people += len(ppl)
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return 0, 0, err
	}
	var ros []Rollup
	for _, y := range years {
		if withTrees {
			for code, f := range trees(sub, own[y]) {
				ros = append(ros, Rollup{Agency: code, Year: y, Kind: Tree, Computed: computed, Signature: sigs[y], Figures: f})
			}
		}
		for code, f := range own[y] {
			ros = append(ros, Rollup{Agency: code, Year: y, Kind: Own, Computed: computed, Signature: sigs[y], Figures: f})
		}
	}
	return len(ros), people, r.Store.Put(ctx, ros)
}

// trees sums the own figures of the non-enterprise agencies of sub into
// each agency of sub at or above them (STATISTICS.md: 含所屬機關 counts are
// the sum of the 本機關 counts of the agency and each subordinate).
func trees(sub []agency.Agency, own map[string]*Figures) map[string]*Figures {
	out := make(map[string]*Figures, len(sub))
	for _, a := range sub {
		out[a.Code] = &Figures{}
	}
	for _, a := range sub {
		if !notEnterprise(a) {
			continue
		}
		for _, code := range strings.Split(a.Path, "/") {
			if t, ok := out[code]; ok {
				t.Add(own[a.Code])
			}
		}
	}
	return out
}

// Recompute recomputes now, for one year, the rollups of an agency's
// subtree and re-sums those of its ancestors (each from its own figures and
// its children's subtree figures) and the national figures: the work of an
// officer's 重新計算. It answers the new 統計時間 of the agency's figures.
func (r Roller) Recompute(ctx context.Context, a agency.Agency, year int) (time.Time, error) {
	res, err := r.recompute(ctx, a, year)
	return res.Computed, err
}

func (r Roller) recomputeCode(ctx context.Context, code string, year int) (RollResult, error) {
	a, err := r.Tree.Get(ctx, code)
	if err != nil {
		return RollResult{Agency: code, Year: year}, err
	}
	return r.recompute(ctx, a, year)
}

func (r Roller) recompute(ctx context.Context, a agency.Agency, year int) (RollResult, error) {
	start := time.Now()
	res := RollResult{Agency: a.Code, Year: year}
	sub, err := r.Tree.Subtree(ctx, a)
	if err != nil {
		return res, err
	}
	res.Agencies = len(sub)
	at := r.Now()
	if res.Items, res.People, err = r.rollSubtree(ctx, sub, []int{year}, at); err != nil {
		return res, fmt.Errorf("recompute %s/%d: %w", a.Code, year, err)
	}
	if err := r.ancestors(ctx, a, year, false, true); err != nil {
		return res, err
	}
	roots, err := r.Roots(ctx)
	if err != nil {
		return res, err
	}
	if err := r.national(ctx, year, roots); err != nil {
		return res, err
	}
	res.Computed, res.Seconds = at, time.Since(start).Seconds()
	slog.InfoContext(ctx, "重新計算", "agency", a.Code, "year", year, "agencies", res.Agencies, "people", res.People, "items", res.Items, "seconds", res.Seconds)
	return res, nil
}

// ancestors re-sums the subtree figures of a's ancestors (with self, a's
// first), nearest first, each from its own figures and its children's
// subtree figures (sumParts: two sibling workers finishing at once cannot
// lose each other's figures). When one of the figures a sum needs is missing
// or was computed under other tables, a 重新計算 (whole) rolls up the whole
// top-level subtree instead; a nightly part leaves the sum to the part that
// finishes last.
func (r Roller) ancestors(ctx context.Context, a agency.Agency, year int, self, whole bool) error {
	path := strings.Split(a.Path, "/")
	if !self {
		path = path[:len(path)-1]
	}
	if len(path) == 0 {
		return nil
	}
	root, err := r.Tree.Get(ctx, path[0])
	if err != nil {
		return err
	}
	all, err := r.Tree.Subtree(ctx, root)
	if err != nil {
		return err
	}
	children := map[string][]agency.Agency{}
	byCode := map[string]agency.Agency{}
	for _, x := range all {
		byCode[x.Code] = x
		children[x.Parent] = append(children[x.Parent], x)
	}
	_, sig, err := r.Reports.calc(ctx, year)
	if err != nil {
		return err
	}
	for i := len(path) - 1; i >= 0; i-- {
		code := path[i]
		var parts []RollupKey
		if notEnterprise(byCode[code]) {
			parts = append(parts, RollupKey{code, year, Own})
		}
		for _, ch := range children[code] {
			parts = append(parts, RollupKey{ch.Code, year, Tree})
		}
		written, err := r.sumParts(ctx, RollupKey{code, year, Tree}, parts, sig)
		if err != nil {
			return err
		}
		if written {
			continue
		}
		if whole {
			_, _, err := r.rollSubtree(ctx, all, []int{year}, r.Now())
			return err
		}
		return nil
	}
	return nil
}

// national re-sums the national figures of a year from the top-level
// agencies' subtree figures (sumParts); it writes nothing while one is
// missing or was computed under other tables (the worker that writes it sums
// again).
func (r Roller) national(ctx context.Context, year int, roots []string) error {
	if len(roots) == 0 {
		return nil
	}
	keys := make([]RollupKey, len(roots))
	for i, c := range roots {
		keys[i] = RollupKey{c, year, Tree}
	}
	_, err := r.sumParts(ctx, RollupKey{National, year, Tree}, keys, "")
	return err
}

// sumParts writes sum as the sum of parts, as of the oldest of them, if
// every part is there and was computed under the tables sig names ("": the
// same as each other); it answers whether it wrote. It writes at the
// generation it read (Rollups.PutSum): when another worker wrote the sum
// meanwhile, it reads and sums again.
func (r Roller) sumParts(ctx context.Context, sum RollupKey, parts []RollupKey, sig string) (bool, error) {
	const attempts = 5
	for attempt := 1; ; attempt++ {
		gen, got, err := r.Store.SumRead(ctx, sum, parts)
		if err != nil {
			return false, err
		}
		t := Rollup{Agency: sum.Agency, Year: sum.Year, Kind: sum.Kind, Signature: sig, Figures: &Figures{}}
		for i, k := range parts {
			ro, ok := got[k]
			if !ok || (t.Signature != "" && ro.Signature != t.Signature) {
				return false, nil
			}
			t.Signature = ro.Signature
			t.Figures.Add(ro.Figures)
			if i == 0 || ro.Computed.Before(t.Computed) {
				t.Computed = ro.Computed
			}
		}
		if len(parts) == 0 {
			return false, nil
		}
		written, err := r.Store.PutSum(ctx, t, gen)
		if written || err != nil {
			return written, err
		}
		if attempt == attempts {
			return false, fmt.Errorf("rollup sum %s/%d: another worker wrote it at each of %d attempts", sum.Agency, sum.Year, attempts)
		}
	}
}

// staffOf reads an agency's staff, every page.
func (s Reports) staffOf(ctx context.Context, code string) ([]staff.Person, error) {
	var ppl []staff.Person
	after := ""
	for {
		page, next, err := s.People.Page(ctx, code, staff.Filter{}, after, 1000)
		if err != nil {
			return nil, err
		}
		ppl = append(ppl, page...)
		if next == "" {
			return ppl, nil
		}
		after = next
	}
}

// members are people with their year's learning (no summary, or a zeroed
// one: 0 hours).
func (s Reports) members(ctx context.Context, ppl []staff.Person, year int) ([]member, error) {
	ids := make([]string, len(ppl))
	for i, p := range ppl {
		ids[i] = p.ID
	}
	sums, err := s.Summaries.GetMany(ctx, ids, year)
	if err != nil {
		return nil, err
	}
	ms := make([]member, len(ppl))
	for i, p := range ppl {
		ms[i] = member{Person: p}
		if sm, ok := sums[p.ID]; ok && sm.Records > 0 {
			ms[i].Total, ms[i].Digital, ms[i].Physical, ms[i].Categories = sm.TotalHours, sm.DigitalHours, sm.PhysicalHours, sm.Categories
		}
	}
	return ms, nil
}
