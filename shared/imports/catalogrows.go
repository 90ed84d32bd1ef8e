package imports

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/ngram"
)

// catalogChecker checks and applies the catalogue kinds (courses, subjects,
// lecturers, materials) through the same rules as the forms: one row at a
// time, since each is a few conditional writes.
type catalogChecker struct {
	kind    string
	job     Job
	service *catalog.Service
	cats    *codes.Table
}

func (c *catalogChecker) caller() auth.Caller {
	return auth.Caller{Active: agency.Agency{Code: c.job.Agency, Name: c.job.AgencyName}}
}

// rowID names what a row creates, so applying it again finds it.
func (c *catalogChecker) rowID(line int) string {
	sum := sha256.Sum256([]byte(c.job.ID + "#" + strconv.Itoa(line)))
	return "u" + hex.EncodeToString(sum[:8])
}

func splitList(s string) []string {
	s = strings.NewReplacer("；", ";", "、", ";", "，", ";", ",", ";").Replace(s)
	var out []string
	for _, p := range strings.Split(s, ";") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func number(s string) float64 {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return -1 // refused by the rule's own range check, with its message
	}
	return f
}

func yes(s string) bool {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "Y", "是", "1", "V", "TRUE":
		return true
	}
	return false
}

var natureCodes = map[string]string{"1": catalog.Digital, "2": catalog.Physical, "3": catalog.Blended,
	"數位": catalog.Digital, "實體": catalog.Physical, "混成": catalog.Blended}
var methodCodes = map[string]string{"1": catalog.Nominated, "2": catalog.Open, "3": catalog.Offline,
	"機關薦送": catalog.Nominated, "自由報名": catalog.Open, "不開放線上報名": catalog.Offline}

func code(m map[string]string, s string) string {
	if v, ok := m[strings.TrimSpace(s)]; ok {
		return v
	}
	return strings.TrimSpace(s) // the rule refuses it with its own message
}

func (c *catalogChecker) courseInput(r Row) catalog.CourseInput {
	var lects []catalog.LecturerRef
	for _, n := range splitList(r.Get("lecturers")) {
		lects = append(lects, catalog.LecturerRef{Name: n})
	}
	return catalog.CourseInput{CourseCode: r.Get(cCode), Session: r.Get(cSession), Name: r.Get(cCourse), Category: r.Get(cCategory),
		Nature: code(natureCodes, r.Get(cNature)), Method: code(methodCodes, r.Get("method")), Start: r.Get(cStart), End: r.Get(cEnd),
		Unit: r.Get(cUnit), Amount: number(r.Get(cTotal)), DigitalHours: number(r.Get(cDigital)),
		PhysicalHours: number(r.Get(cPhysical)), EnrollStart: r.Get("enrollStart"), EnrollEnd: r.Get("enrollEnd"),
		Capacity: number(r.Get("capacity")), StopWhenFull: yes(r.Get("stopWhenFull")), Fee: number(r.Get("fee")),
		Restriction: r.Get("restriction"), Location: r.Get("location"), City: r.Get(cCity),
		Subjects: splitList(r.Get("subjects")), Lecturers: lects}
}

func (c *catalogChecker) lecturerInput(r Row) catalog.LecturerInput {
	return catalog.LecturerInput{Name: r.Get(cName), Subjects: []string{r.Get("subject1"), r.Get("subject2"), r.Get("subject3")},
		Expertise: splitList(r.Get("expertise")), Title: r.Get("title"), Education: r.Get("education"),
		Experience: r.Get("experience"), Phone: r.Get("phone"), Email: r.Get("email"), Address: r.Get("address"),
		NationalID: r.Get(cNID), Public: yes(r.Get("public")), Note: r.Get("note")}
}

func (c *catalogChecker) materialInput(r Row) catalog.MaterialInput {
	return catalog.MaterialInput{Name: r.Get(cCourse), Category: r.Get(cCategory), Hours: number(r.Get(cTotal)),
		URL: r.Get("url"), Published: r.Get(cStart), Audience: r.Get("audience"), Summary: r.Get("summary"), Contact: r.Get("contact")}
}

// rowProblem turns a rule's refusal into the row's result; other errors stop the chunk.
func rowProblem(err error) (*RowError, error) {
	if err == nil {
		return nil, nil
	}
	e := errcode.As(err)
	switch e.Code {
	case errcode.Invalid, errcode.Conflict, errcode.NotFound, errcode.AgencyForbidden:
		return &RowError{Msg: strings.TrimSuffix(e.Message, "。")}, nil
	}
	return nil, err
}

func (c *catalogChecker) Check(ctx context.Context, rows []Row) ([]Outcome, error) {
	out := make([]Outcome, len(rows))
	for i, r := range rows {
		o := &out[i]
		o.Line, o.Value = r.Line, r
		if r.Bad != nil {
			o.Err = r.Bad
			continue
		}
		var err error
		switch c.kind {
		case Courses:
			in := c.courseInput(r)
			err = c.service.CheckCourse(ctx, c.caller(), in, c.job.ID)
			o.Key = strings.ToUpper(strings.TrimSpace(in.CourseCode)) + "#" + strings.TrimLeft(strings.TrimSpace(in.Session), "0")
		case Subjects:
			_, err = catalog.NewSubject(r.Get(cCourse), "", c.job.Agency, time.Time{})
			if cat := r.Get(cCategory); err == nil && cat != "" {
				if _, ok := c.cats.Lookup(cat); !ok {
					err = errcode.Field("category", "課程類別代碼 "+cat+" 不在類別代碼表中")
				}
			}
			o.Key = ngram.Normalize(r.Get(cCourse))
		case Lecturers:
			exp, gerr := c.service.Codes.Get(ctx, codes.Expertise)
			if gerr != nil {
				return nil, gerr
			}
			_, err = c.lecturerInput(r).Lecturer(exp)
		case Materials:
			_, err = c.materialInput(r).Material(c.cats)
		}
		if o.Err, err = rowProblem(err); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (c *catalogChecker) Apply(ctx context.Context, outs []Outcome) error {
	for i := range outs {
		o := &outs[i]
		if o.Err != nil {
			continue
		}
		r := o.Value.(Row)
		var err error
		switch c.kind {
		case Courses:
			err = c.service.ImportCourse(ctx, c.caller(), c.courseInput(r), c.job.ID)
		case Subjects:
			var s catalog.Subject
			if s, err = catalog.NewSubject(r.Get(cCourse), r.Get(cCategory), c.job.Agency, c.job.Created); err == nil {
				_, err = c.service.Repo.EnsureSubject(ctx, s)
			}
		case Lecturers:
			err = c.service.ImportLecturer(ctx, c.caller(), c.rowID(r.Line), c.lecturerInput(r))
		case Materials:
			err = c.service.ImportMaterial(ctx, c.caller(), c.rowID(r.Line), c.materialInput(r))
		}
		if o.Err, err = rowProblem(err); err != nil {
			return err
		}
	}
	return nil
}
