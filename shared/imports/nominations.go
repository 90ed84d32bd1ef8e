package imports

import (
	"context"
	"fmt"
	"strings"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/enrollment"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/nid"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
)

// ParseClasses reads Job.Params["classes"]: "CODE#SESSION;CODE#SESSION".
func ParseClasses(s string) [][2]string {
	var out [][2]string
	for _, part := range strings.Split(s, ";") {
		code, session, ok := strings.Cut(strings.TrimSpace(part), "#")
		if ok && code != "" && session != "" {
			out = append(out, [2]string{code, session})
		}
	}
	return out
}

// nominationChecker nominates each row's person to every class of the job.
type nominationChecker struct {
	job      Job
	people   People
	agencies agency.Repo
	classes  catalog.Repo
	enroll   enrollment.Repo
	cache    map[string]staff.Ref
	agMem    map[string]agency.Agency
	home     agency.Agency
	targets  []catalog.Class
}

type nominee struct {
	person  staff.Ref
	classes []catalog.Class // the classes the row may be nominated to
	notes   []string        // per class: why not
}

func (n *nominationChecker) init(ctx context.Context) error {
	if n.targets != nil {
		return nil
	}
	home, err := n.agencies.Get(ctx, n.job.Agency)
	if err != nil {
		return err
	}
	n.home = home
	for _, cs := range ParseClasses(n.job.Params["classes"]) {
		c, err := n.classes.Get(ctx, cs[0], cs[1])
		if err != nil {
			return err
		}
		n.targets = append(n.targets, c)
	}
	return nil
}

func className(c catalog.Class) string { return fmt.Sprintf("%s 第 %s 期", c.CourseCode, c.Session) }

func (n *nominationChecker) Check(ctx context.Context, rows []Row) ([]Outcome, error) {
	if err := n.init(ctx); err != nil {
		return nil, err
	}
	h := &hoursChecker{people: n.people, cache: n.cache}
	people, err := h.lookup(ctx, rows)
	if err != nil {
		return nil, err
	}
	var codes []string
	for _, r := range rows {
		if p, ok := people[strings.ToUpper(r.Get(cNID))]; ok && p.ID != "" {
			if _, seen := n.agMem[p.Agency]; !seen {
				codes = append(codes, p.Agency)
			}
		}
	}
	if len(codes) > 0 {
		got, err := n.agencies.GetMany(ctx, codes)
		if err != nil {
			return nil, err
		}
		for code, a := range got {
			n.agMem[code] = a
		}
	}
	out := make([]Outcome, len(rows))
	now := n.job.Created
	for i, r := range rows {
		o := &out[i]
		o.Line = r.Line
		if r.Bad != nil {
			o.Err = r.Bad
			continue
		}
		id := strings.ToUpper(r.Get(cNID))
		if err := nid.Check(id); err != nil {
			o.Err = rowErr("身分證字號「%s」不正確：%v", nid.Mask(id), err)
			continue
		}
		p := people[id]
		if p.ID == "" {
			o.Err = rowErr("系統中查無身分證字號 %s 的人員", nid.Mask(id))
			continue
		}
		if name := r.Get(cName); strings.ReplaceAll(name, " ", "") != strings.ReplaceAll(p.Name, " ", "") {
			o.Err = rowErr("姓名與身分證字號 %s 不符", nid.Mask(id))
			continue
		}
		if a, ok := n.agMem[p.Agency]; !ok || !n.home.Contains(a) {
			o.Err = rowErr("%s 不是本機關或所屬機關的同仁，不能由本機關薦送", p.Name)
			continue
		}
		o.Key = id
		nm := nominee{person: p}
		for _, c := range n.targets {
			err := enrollment.CheckEnrollable(c, enrollment.Applicant{ID: p.ID, Agency: p.Agency}, n.job.Agency, nil, now)
			if err == nil {
				var e catalog.Enrollment
				if e, err = n.enroll.Enrollment(ctx, c, p.ID); err == nil && e.Job != n.job.ID {
					err = errcode.New(errcode.Conflict, "已經報名")
				} else if errcode.Is(err, errcode.NotFound) || err == nil {
					err = nil
				}
			}
			if err != nil {
				if e := errcode.As(err); e.Code == errcode.Internal {
					return nil, err
				}
				nm.notes = append(nm.notes, className(c)+"："+strings.TrimSuffix(errcode.As(err).Message, "。"))
				continue
			}
			nm.classes = append(nm.classes, c)
		}
		o.Value = nm
		if len(nm.classes) == 0 {
			o.Err = &RowError{Msg: strings.Join(nm.notes, "；")}
		} else {
			o.Note = strings.Join(nm.notes, "；")
		}
	}
	return out, nil
}

func (n *nominationChecker) Apply(ctx context.Context, outs []Outcome) error {
	for i := range outs {
		o := &outs[i]
		if o.Err != nil {
			continue
		}
		nm := o.Value.(nominee)
		var done, notes []string
		notes = append(notes, nm.notes...)
		for _, c := range nm.classes {
			e := catalog.Enrollment{CourseCode: c.CourseCode, Session: c.Session, PersonID: nm.person.ID, Agency: nm.person.Agency,
				Status: catalog.Pending, At: n.job.Created.UTC(), NominatedBy: n.job.Agency, Job: n.job.ID}
			err := n.enroll.Enroll(ctx, c, e)
			if errcode.Is(err, errcode.Conflict) { // applied before this crash? then it is ours
				if cur, gerr := n.enroll.Enrollment(ctx, c, nm.person.ID); gerr == nil && cur.Job == n.job.ID {
					err = nil
				}
			}
			switch {
			case err == nil:
				done = append(done, className(c)+"：已薦送")
			case errcode.As(err).Code == errcode.Internal:
				return err
			default:
				notes = append(notes, className(c)+"："+strings.TrimSuffix(errcode.As(err).Message, "。"))
			}
		}
		msg := strings.Join(append(done, notes...), "；")
		if len(done) == 0 {
			o.Err = &RowError{Msg: msg}
		} else {
			o.Note = msg
		}
	}
	return nil
}
