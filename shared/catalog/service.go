package catalog

import (
	"context"
	"fmt"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
)

// Service applies the catalogue's rules for a caller acting for their active agency.
type Service struct {
	Repo  Repo
	Codes *codes.Repo
	Now   func() time.Time
	NewID func() string
}

func (s *Service) tables(ctx context.Context) (Tables, error) {
	cats, err := s.Codes.Get(ctx, codes.Categories)
	if err != nil {
		return Tables{}, err
	}
	cities, err := s.Codes.Get(ctx, codes.Cities)
	if err != nil {
		return Tables{}, err
	}
	return Tables{Categories: cats, Cities: cities}, nil
}

// ClassView is a class with its front-stage state.
type ClassView struct {
	Class
	Visibility string `json:"visibility"`
}

func (s *Service) view(c Class) ClassView { return ClassView{c, c.Visibility(s.Now())} }

// CreateCourse adds a class of the caller's agency. Typed subjects and
// lecturers are found or added only once the class itself is known to be
// valid and new, so a refused class adds nothing.
func (s *Service) CreateCourse(ctx context.Context, caller auth.Caller, in CourseInput) (ClassView, error) {
	t, err := s.tables(ctx)
	if err != nil {
		return ClassView{}, err
	}
	now := s.Now()
	c, err := in.Class(caller.Active.Code, now, t)
	if err != nil {
		return ClassView{}, err
	}
	if _, err := s.Repo.Get(ctx, c.CourseCode, c.Session); err == nil {
		return ClassView{}, errcode.New(errcode.Conflict, fmt.Sprintf("課程代碼 %s 第 %s 期已存在，請改用其他期別。", c.CourseCode, c.Session))
	} else if !errcode.Is(err, errcode.NotFound) {
		return ClassView{}, err
	}
	if err := s.resolve(ctx, caller, &c, now); err != nil {
		return ClassView{}, err
	}
	c.Created, c.Updated = now, now
	if err := s.Repo.CreateClass(ctx, c); err != nil {
		return ClassView{}, err
	}
	return s.view(c), nil
}

// resolve checks picked lecturers and adds typed subjects and lecturers.
func (s *Service) resolve(ctx context.Context, caller auth.Caller, c *Class, now time.Time) error {
	picked := map[string]Lecturer{} // read once: checked now, named below
	for _, l := range c.Lecturers {
		if l.ID == "" {
			continue
		}
		got, err := s.Repo.Lecturer(ctx, l.ID)
		if err != nil || (got.Agency != caller.Active.Code && !got.Public) {
			return errcode.Field("lecturers", fmt.Sprintf("找不到講師「%s」，請重新挑選或直接輸入姓名。", l.Name))
		}
		picked[l.ID] = got
	}
	for i, name := range c.Subjects {
		sub, err := NewSubject(name, c.Category, caller.Active.Code, now)
		if err != nil {
			return err
		}
		if sub, err = s.Repo.EnsureSubject(ctx, sub); err != nil {
			return err
		}
		c.Subjects[i] = sub.Name
	}
	first := ""
	if len(c.Subjects) > 0 {
		first = c.Subjects[0]
	}
	for i, l := range c.Lecturers {
		if l.ID != "" {
			c.Lecturers[i].Name = picked[l.ID].Name
			continue
		}
		got, err := s.Repo.TypedLecturer(ctx, caller.Active.Code, caller.Active.Name, l.Name, first, now)
		if err != nil {
			return err
		}
		c.Lecturers[i] = LecturerRef{ID: got.ID, Name: got.Name}
	}
	return nil
}

// ownClass returns a class of the caller's agency; another agency's class
// is not found, exactly as an unknown one (no probing of other agencies' codes).
func (s *Service) ownClass(ctx context.Context, caller auth.Caller, code, session string) (Class, error) {
	c, err := s.Repo.Get(ctx, code, session)
	if err != nil {
		return Class{}, err
	}
	if c.Agency != caller.Active.Code {
		return Class{}, ClassNotFound(code, session)
	}
	return c, nil
}

// GetCourse returns a class of the caller's agency.
func (s *Service) GetCourse(ctx context.Context, caller auth.Caller, code, session string) (ClassView, error) {
	c, err := s.ownClass(ctx, caller, code, session)
	return s.view(c), err
}

// UpdateCourse saves an edited class; course code and session do not change.
func (s *Service) UpdateCourse(ctx context.Context, caller auth.Caller, code, session string, in CourseInput) (ClassView, error) {
	cur, err := s.ownClass(ctx, caller, code, session)
	if err != nil {
		return ClassView{}, err
	}
	if cur.Status == Cancelled {
		return ClassView{}, errcode.New(errcode.Conflict, "已停辦的課程不能再編輯。")
	}
	if in.Updated.IsZero() {
		return ClassView{}, errcode.Field("updated", "缺少資料版本，請重新載入後再編輯。")
	}
	in.CourseCode, in.Session = cur.CourseCode, cur.Session
	t, err := s.tables(ctx)
	if err != nil {
		return ClassView{}, err
	}
	now := s.Now()
	c, err := in.Class(caller.Active.Code, now, t)
	if err != nil {
		return ClassView{}, err
	}
	// What the update's conditions would refuse is refused before resolve
	// writes typed subjects and lecturers, so a refused edit leaves nothing
	// behind (the conditions stay the guard against a writer in between).
	if !cur.Updated.Equal(in.Updated) {
		return ClassView{}, errcode.New(errcode.Conflict, "這門課程剛被其他人修改過，請重新載入後再編輯。")
	}
	if (c.Capacity > 0 || c.StopWhenFull) && c.Capacity < cur.Enrolled {
		return ClassView{}, errcode.Field("capacity", fmt.Sprintf("已有 %d 人報名，招收名額不可少於報名人數。", cur.Enrolled))
	}
	if err := s.resolve(ctx, caller, &c, now); err != nil {
		return ClassView{}, err
	}
	c.Created, c.Updated, c.Enrolled = cur.Created, now, cur.Enrolled
	if err := s.Repo.UpdateClass(ctx, in.Updated, c); err != nil {
		return ClassView{}, err
	}
	return s.view(c), nil
}

// CancelCourse cancels (停辦) a class of the caller's agency.
func (s *Service) CancelCourse(ctx context.Context, caller auth.Caller, code, session string) (ClassView, error) {
	c, err := s.ownClass(ctx, caller, code, session)
	if err != nil {
		return ClassView{}, err
	}
	now := s.Now()
	if err := s.Repo.CancelClass(ctx, c, now); err != nil {
		return ClassView{}, err
	}
	c.Status, c.Updated = Cancelled, now
	return s.view(c), nil
}

// DeleteCourse deletes a class of the caller's agency that has no enrollments.
func (s *Service) DeleteCourse(ctx context.Context, caller auth.Caller, code, session string) error {
	c, err := s.ownClass(ctx, caller, code, session)
	if err != nil {
		return err
	}
	return s.Repo.DeleteClass(ctx, c)
}

// SearchCourses pages the caller's agency's classes of a year.
func (s *Service) SearchCourses(ctx context.Context, caller auth.Caller, f ClassFilter) (ClassPage, error) {
	f.Agency = caller.Active.Code
	if f.Year == 0 {
		f.Year = roc.Year(s.Now())
	}
	return s.Repo.SearchClasses(ctx, f)
}

// SaveLecturer creates (id "") or edits a lecturer of the caller's agency.
func (s *Service) SaveLecturer(ctx context.Context, caller auth.Caller, id string, in LecturerInput) (Lecturer, error) {
	if id == "" {
		return s.saveLecturer(ctx, caller, s.NewID(), true, in)
	}
	return s.saveLecturer(ctx, caller, id, false, in)
}

func (s *Service) saveLecturer(ctx context.Context, caller auth.Caller, id string, create bool, in LecturerInput) (Lecturer, error) {
	exp, err := s.Codes.Get(ctx, codes.Expertise)
	if err != nil {
		return Lecturer{}, err
	}
	var cur Lecturer
	if !create {
		if cur, err = s.ownLecturer(ctx, caller, id); err != nil {
			return Lecturer{}, err
		}
		if in.Updated.IsZero() {
			return Lecturer{}, errcode.Field("updated", "缺少資料版本，請重新載入後再編輯。")
		}
		if !in.Updated.Equal(cur.Updated) { // before any subject is added: a refused edit adds nothing
			return Lecturer{}, errcode.New(errcode.Conflict, "這位講師的資料剛被其他人修改過，請重新載入後再編輯。")
		}
	}
	l, err := in.Lecturer(exp)
	if err != nil {
		return Lecturer{}, err
	}
	now := s.Now()
	for i, name := range l.Subjects { // 可授科目 join the subject list
		sub, err := NewSubject(name, "", caller.Active.Code, now)
		if err != nil {
			return Lecturer{}, err
		}
		if sub, err = s.Repo.EnsureSubject(ctx, sub); err != nil {
			return Lecturer{}, err
		}
		l.Subjects[i] = sub.Name
	}
	l.Agency, l.AgencyName, l.Updated = caller.Active.Code, caller.Active.Name, now
	if create {
		l.ID, l.Created, in.Updated = id, now, time.Time{}
	} else {
		l.ID, l.Created, l.AgencyName = cur.ID, cur.Created, cur.AgencyName
	}
	if err := s.Repo.SaveLecturer(ctx, l, in.Updated); err != nil {
		return Lecturer{}, err
	}
	return l, nil
}

func (s *Service) ownLecturer(ctx context.Context, caller auth.Caller, id string) (Lecturer, error) {
	l, err := s.Repo.Lecturer(ctx, id)
	if err != nil {
		return Lecturer{}, err
	}
	if l.Agency != caller.Active.Code { // as an unknown id: lecturers are private to their agency
		return Lecturer{}, errcode.New(errcode.NotFound, lecturerNotFound)
	}
	return l, nil
}

// Lecturer returns a lecturer of the caller's agency, with private fields.
func (s *Service) Lecturer(ctx context.Context, caller auth.Caller, id string) (Lecturer, error) {
	return s.ownLecturer(ctx, caller, id)
}

// DeleteLecturer deletes a lecturer of the caller's agency.
func (s *Service) DeleteLecturer(ctx context.Context, caller auth.Caller, id string) error {
	l, err := s.ownLecturer(ctx, caller, id)
	if err != nil {
		return err
	}
	return s.Repo.DeleteLecturer(ctx, l)
}

// PublicLecturer returns a public lecturer of any agency, without private fields (L4).
func (s *Service) PublicLecturer(ctx context.Context, id string) (PublicLecturer, error) {
	l, err := s.Repo.Lecturer(ctx, id)
	if err != nil {
		return PublicLecturer{}, err
	}
	if !l.Public {
		return PublicLecturer{}, errcode.New(errcode.NotFound, "找不到這位講師。")
	}
	return l.PublicView(), nil
}

// SaveMaterial creates (id "") or edits a material of the caller's agency.
func (s *Service) SaveMaterial(ctx context.Context, caller auth.Caller, id string, in MaterialInput) (Material, error) {
	if id == "" {
		return s.saveMaterial(ctx, caller, s.NewID(), true, in)
	}
	return s.saveMaterial(ctx, caller, id, false, in)
}

func (s *Service) saveMaterial(ctx context.Context, caller auth.Caller, id string, create bool, in MaterialInput) (Material, error) {
	cats, err := s.Codes.Get(ctx, codes.Categories)
	if err != nil {
		return Material{}, err
	}
	var cur Material
	if !create {
		if cur, err = s.Repo.Material(ctx, id); err != nil {
			return Material{}, err
		}
		if cur.Agency != caller.Active.Code {
			return Material{}, errcode.New(errcode.AgencyForbidden, "這筆教材是其他機關通報的，只能由通報的機關編輯。")
		}
		if in.Updated.IsZero() {
			return Material{}, errcode.Field("updated", "缺少資料版本，請重新載入後再編輯。")
		}
		if !in.Updated.Equal(cur.Updated) {
			return Material{}, errcode.New(errcode.Conflict, "這筆教材的資料剛被其他人修改過，請重新載入後再編輯。")
		}
	}
	m, err := in.Material(cats)
	if err != nil {
		return Material{}, err
	}
	now := s.Now()
	m.Agency, m.AgencyName, m.Updated = caller.Active.Code, caller.Active.Name, now
	if create {
		m.ID, m.Created, in.Updated = id, now, time.Time{}
	} else {
		m.ID, m.Created, m.AgencyName = cur.ID, cur.Created, cur.AgencyName
	}
	if err := s.Repo.SaveMaterial(ctx, m, in.Updated, cats); err != nil {
		return Material{}, err
	}
	return m, nil
}

// ImportCourse creates a class from a bulk upload row (L2b). Applying the
// same row again (a retried batch) finds the class its job created and
// succeeds without a second copy; a class someone else created is a Conflict.
func (s *Service) ImportCourse(ctx context.Context, caller auth.Caller, in CourseInput, job string) error {
	t, err := s.tables(ctx)
	if err != nil {
		return err
	}
	now := s.Now()
	c, err := in.Class(caller.Active.Code, now, t)
	if err != nil {
		return err
	}
	if cur, err := s.Repo.Get(ctx, c.CourseCode, c.Session); err == nil {
		if cur.ImportJob == job {
			return nil
		}
		return errcode.New(errcode.Conflict, fmt.Sprintf("課程代碼 %s 第 %s 期已存在。", c.CourseCode, c.Session))
	} else if !errcode.Is(err, errcode.NotFound) {
		return err
	}
	if err := s.resolve(ctx, caller, &c, now); err != nil {
		return err
	}
	c.Created, c.Updated, c.ImportJob = now, now, job
	err = s.Repo.CreateClass(ctx, c)
	if errcode.Is(err, errcode.Conflict) {
		if cur, gerr := s.Repo.Get(ctx, c.CourseCode, c.Session); gerr == nil && cur.ImportJob == job {
			return nil
		}
	}
	return err
}

// CheckCourse applies every rule of L2 to a bulk row without saving it.
func (s *Service) CheckCourse(ctx context.Context, caller auth.Caller, in CourseInput, job string) error {
	t, err := s.tables(ctx)
	if err != nil {
		return err
	}
	c, err := in.Class(caller.Active.Code, s.Now(), t)
	if err != nil {
		return err
	}
	if cur, err := s.Repo.Get(ctx, c.CourseCode, c.Session); err == nil && cur.ImportJob != job {
		return errcode.New(errcode.Conflict, fmt.Sprintf("課程代碼 %s 第 %s 期已存在。", c.CourseCode, c.Session))
	} else if err != nil && !errcode.Is(err, errcode.NotFound) {
		return err
	}
	return nil
}

// ImportLecturer creates a lecturer of a bulk upload row under a fixed id,
// so applying the row again finds it instead of adding a second.
func (s *Service) ImportLecturer(ctx context.Context, caller auth.Caller, id string, in LecturerInput) error {
	if _, err := s.Repo.Lecturer(ctx, id); err == nil {
		return nil
	}
	_, err := s.saveLecturer(ctx, caller, id, true, in)
	return err
}

// ImportMaterial creates a material of a bulk upload row under a fixed id.
func (s *Service) ImportMaterial(ctx context.Context, caller auth.Caller, id string, in MaterialInput) error {
	if _, err := s.Repo.Material(ctx, id); err == nil {
		return nil
	}
	_, err := s.saveMaterial(ctx, caller, id, true, in)
	return err
}
